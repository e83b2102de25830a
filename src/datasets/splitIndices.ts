// Index arithmetic of a seeded train/test split with scikit-learn's sizes: for a fractional test size the test
// set has ceil(testSize * n) rows and the train set the rest (or floor(trainSize * n)); the rows are a seeded
// permutation, test first, as sklearn's ShuffleSplit and datasets' train_test_split take them.
import { checkSeed, Rng } from "../random";

export interface TrainTestSplitOptions {
  /** Fraction in (0, 1) or an absolute row count. */
  testSize: number;
  /** Fraction or count; default: every row not in the test set. */
  trainSize?: number;
  /** Seed of the permutation (required: an unseeded split is what leaks rows in the Python tutorial). */
  seed: number;
  /** Shuffle before splitting (default true); false keeps file order (train = first rows, test = the next ones). */
  shuffle?: boolean;
}

export interface SplitIndices {
  train: Int32Array;
  test: Int32Array;
}

function resolveSize(size: number, n: number, name: string, round: (x: number) => number): number {
  if (!(size > 0)) throw new Error(`${name} must be > 0, got ${size}.`);
  if (size < 1) return round(size * n);
  if (!Number.isInteger(size)) throw new Error(`${name} must be a fraction in (0, 1) or a whole row count, got ${size}.`);
  return size;
}

/** Sizes of a split of n rows: sklearn's _validate_shuffle_split. */
export function splitSizes(n: number, opts: Pick<TrainTestSplitOptions, "testSize" | "trainSize">): { train: number; test: number } {
  const nTest = resolveSize(opts.testSize, n, "testSize", Math.ceil);
  const nTrain = opts.trainSize === undefined ? n - nTest : resolveSize(opts.trainSize, n, "trainSize", Math.floor);
  if (nTest + nTrain > n || nTrain <= 0 || nTest <= 0) {
    throw new Error(`Cannot split ${n} rows into ${nTrain} train + ${nTest} test rows: lower testSize/trainSize (both sets need at least one row).`);
  }
  return { train: nTrain, test: nTest };
}

/** Disjoint train/test row indices of a split of n rows, reproducible for a seed. */
export function trainTestSplitIndices(n: number, opts: TrainTestSplitOptions): SplitIndices {
  if (opts.seed === undefined || opts.seed === null || Number.isNaN(opts.seed)) {
    throw new Error(`trainTestSplit needs a seed (got ${opts.seed}): without one, two calls give different splits and validation rows leak into training.`);
  }
  checkSeed("trainTestSplit's seed", opts.seed);
  const sizes = splitSizes(n, opts);
  if (opts.shuffle === false) {
    // sklearn: train = rows 0..nTrain-1, test = the next nTest rows
    const train = Int32Array.from({ length: sizes.train }, (_, i) => i);
    const test = Int32Array.from({ length: sizes.test }, (_, i) => sizes.train + i);
    return { train, test };
  }
  const order = new Rng(opts.seed).permutation(n);
  return { test: order.slice(0, sizes.test), train: order.slice(sizes.test, sizes.test + sizes.train) };
}
