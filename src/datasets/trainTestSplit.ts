// Seeded train/validation split of a Dataset (HF datasets' train_test_split with sklearn's sizes).
import type { Dataset } from "./dataset";
import { trainTestSplitIndices, TrainTestSplitOptions } from "./splitIndices";

export interface TrainTestSplitResult {
  train: Dataset;
  test: Dataset;
  /** Positions of the rows in the input dataset (what stage 02 stores). */
  indices: { train: Int32Array; test: Int32Array };
}

/**
 * Splits `dataset` into disjoint, shuffled train and test parts, reproducible for a seed:
 * test = ceil(testSize * n) rows (sklearn), train = the rest (or trainSize). 25,000 rows, testSize 0.1 → 22,500 / 2,500.
 */
export function trainTestSplit(dataset: Dataset, opts: TrainTestSplitOptions): TrainTestSplitResult {
  const idx = trainTestSplitIndices(dataset.numRows, opts);
  return { train: dataset.select(idx.train), test: dataset.select(idx.test), indices: idx };
}
