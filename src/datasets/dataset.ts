// A light, column-oriented stand-in for a Hugging Face `datasets.Dataset` of labelled texts: `text` and `label`
// columns, plus `sourceIndices` (the row each entry had in the split it was loaded from), which select/shuffle/
// split carry along so any derived subset can be traced back (and overlaps between subsets counted).
import { Rng } from "../random";
import { trainTestSplitIndices, TrainTestSplitOptions } from "./splitIndices";

export const IMDB_LABEL_NAMES: readonly string[] = ["neg", "pos"];

export interface DatasetColumns {
  text: string[];
  label: Int32Array;
  /** Row of each entry in the originally loaded split; default 0..n-1. */
  sourceIndices?: Int32Array;
}

export interface DatasetRow {
  text: string;
  label: number;
}

export interface DatasetOptions {
  labelNames?: readonly string[];
  /** Name of the split the rows came from ("train", "test", ...), for display and provenance. */
  split?: string;
}

export class Dataset {
  readonly text: string[];
  readonly label: Int32Array;
  readonly sourceIndices: Int32Array;
  readonly labelNames: readonly string[];
  readonly split: string;

  constructor(columns: DatasetColumns, opts: DatasetOptions = {}) {
    const n = columns.text.length;
    if (columns.label.length !== n) {
      throw new Error(`Dataset columns differ in length: text has ${n} rows, label has ${columns.label.length}.`);
    }
    if (columns.sourceIndices && columns.sourceIndices.length !== n) {
      throw new Error(`Dataset sourceIndices has ${columns.sourceIndices.length} entries for ${n} rows.`);
    }
    this.labelNames = opts.labelNames ?? IMDB_LABEL_NAMES;
    const k = this.labelNames.length;
    for (let i = 0; i < n; i++) {
      const y = columns.label[i];
      if (!(y >= 0 && y < k)) throw new Error(`Dataset row ${i} has label ${y}, outside 0..${k - 1} (${this.labelNames.join(", ")}).`);
    }
    this.text = columns.text;
    this.label = columns.label;
    this.sourceIndices = columns.sourceIndices ?? Int32Array.from({ length: n }, (_, i) => i);
    this.split = opts.split ?? "train";
  }

  get numRows(): number {
    return this.text.length;
  }

  /** Rows at `indices` (in that order; repeats allowed), like datasets' `select`. */
  select(indices: ArrayLike<number>): Dataset {
    const n = this.numRows;
    const m = indices.length;
    const text = new Array<string>(m);
    const label = new Int32Array(m);
    const src = new Int32Array(m);
    for (let j = 0; j < m; j++) {
      const i = indices[j];
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`select: index ${i} (position ${j}) is out of range for ${n} rows.`);
      text[j] = this.text[i];
      label[j] = this.label[i];
      src[j] = this.sourceIndices[i];
    }
    return new Dataset({ text, label, sourceIndices: src }, { labelNames: this.labelNames, split: this.split });
  }

  /** A seeded permutation of the rows. */
  shuffle(opts: { seed: number }): Dataset {
    return this.select(new Rng(opts.seed).permutation(this.numRows));
  }

  /** Seeded shuffled split with sklearn sizes (test = ceil(testSize * n)); see src/split. */
  trainTestSplit(opts: TrainTestSplitOptions): { train: Dataset; test: Dataset } {
    const idx = trainTestSplitIndices(this.numRows, opts);
    return { train: this.select(idx.train), test: this.select(idx.test) };
  }

  /** The first `n` rows (all by default) as objects, for display. */
  toRows(n = this.numRows): DatasetRow[] {
    const m = Math.min(Math.max(0, n), this.numRows);
    const rows: DatasetRow[] = [];
    for (let i = 0; i < m; i++) rows.push({ text: this.text[i], label: this.label[i] });
    return rows;
  }

  /** Number of rows per label id. */
  labelCounts(): number[] {
    const counts = new Array<number>(this.labelNames.length).fill(0);
    for (let i = 0; i < this.label.length; i++) counts[this.label[i]] += 1;
    return counts;
  }

  toString(): string {
    return `Dataset({ split: ${this.split}, numRows: ${this.numRows}, features: [text, label(${this.labelNames.join("/")})] })`;
  }
}

/**
 * A seeded, label-balanced subsample of `n` rows (floor(n/k) per label, the remainder to the first labels),
 * drawn without replacement and shuffled so labels are interleaved (the IMDb files are sorted by label).
 */
export function sampleBalanced(ds: Dataset, n: number, seed: number): Dataset {
  const k = ds.labelNames.length;
  if (!Number.isInteger(n) || n < 0) throw new Error(`sampleBalanced: n must be a non-negative integer, got ${n}.`);
  const byLabel: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < ds.numRows; i++) byLabel[ds.label[i]].push(i);
  const rng = new Rng(seed);
  const picked: number[] = [];
  for (let c = 0; c < k; c++) {
    const want = Math.floor(n / k) + (c < n % k ? 1 : 0);
    const pool = byLabel[c];
    if (pool.length < want) {
      throw new Error(
        `sampleBalanced: asked for ${want} "${ds.labelNames[c]}" rows but the ${ds.split} split has only ${pool.length}; ask for at most ${k * Math.min(...byLabel.map((p) => p.length))} rows.`,
      );
    }
    // partial Fisher-Yates: the first `want` entries become a uniform sample without replacement
    for (let i = 0; i < want; i++) {
      const j = i + rng.int(pool.length - i);
      const t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
      picked.push(pool[i]);
    }
  }
  rng.shuffle(picked);
  return ds.select(picked);
}
