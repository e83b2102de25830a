// Dataset and DatasetDict, shaped like Hugging Face datasets': named columns (text, label, input_ids, ...),
// numRows, columnNames, features, select / shuffle / trainTestSplit / map / setFormat, and a fingerprint that
// names the content so map() can cache its results (./map.ts). Columns are held column-oriented (./columns.ts).
// Every dataset also carries `sourceIndices`, the row each entry had in the split it was loaded from, so any
// derived subset can be traced back and overlaps between subsets counted (notebook 02's leak demonstration).
import { inspect } from "node:util";
import { tf } from "../backends/tf";
import { Rng } from "../random";
import { Column, columnType, ColumnType, gatherColumn, IntSequences, toColumn } from "./columns";
import { fingerprint } from "./fingerprint";
import { trainTestSplitIndices, TrainTestSplitOptions } from "./splitIndices";
import { mapDataset, MapFunction, MapOptions } from "./map";

export const IMDB_LABEL_NAMES: readonly string[] = ["neg", "pos"];

/** What a column holds; `names` makes an int32 column a ClassLabel (HF's feature for class ids). */
export interface Feature {
  dtype: ColumnType;
  names?: readonly string[];
}
export type Features = Record<string, Feature>;

/** setFormat's argument: HF's `type` ("tfjs" here in place of "torch") and the columns to hand out. */
export interface DatasetFormat {
  type: "tfjs" | null;
  columns: string[] | null;
}

export interface DatasetOptions {
  /** Name of the split the rows came from ("train", "test", ...), for display and provenance. */
  split?: string;
  /** Class names of the `label` column (default neg/pos when there is a label column). */
  labelNames?: readonly string[];
  /** Features of other columns (dtype is always taken from the data). */
  features?: Record<string, { names?: readonly string[] }>;
  /** Content fingerprint; computed from the data when absent. */
  fingerprint?: string;
  /** Folder where map() caches its results; none for an in-memory dataset (as in HF datasets). */
  cacheDir?: string;
  /** Row of each entry in the originally loaded split; default 0..n-1. */
  sourceIndices?: Int32Array;
}

/** One row as plain values. */
export type Example = Record<string, string | number | Int32Array>;

export class Dataset {
  readonly split: string;
  readonly cacheDir: string | undefined;
  readonly sourceIndices: Int32Array;
  readonly features: Features;
  /** What setFormat chose (HF's `dataset.format`); the Trainer reads only these columns. */
  format: DatasetFormat = { type: null, columns: null };
  private readonly cols: Map<string, Column>;
  private fp: string | undefined;

  constructor(columns: Record<string, unknown>, opts: DatasetOptions = {}) {
    this.cols = new Map(Object.entries(columns).map(([name, values]) => [name, toColumn(values, name)]));
    const lengths = [...this.cols].map(([name, c]) => [name, c.length] as const);
    const n = lengths.length ? lengths[0][1] : 0;
    for (const [name, len] of lengths) {
      if (len !== n) throw new Error(`Dataset columns differ in length: ${lengths[0][0]} has ${n} rows, ${name} has ${len}.`);
    }
    if (opts.sourceIndices && opts.sourceIndices.length !== n) throw new Error(`Dataset sourceIndices has ${opts.sourceIndices.length} entries for ${n} rows.`);
    this.features = {};
    for (const [name, c] of this.cols) {
      const names = name === "label" ? (opts.labelNames ?? opts.features?.label?.names ?? IMDB_LABEL_NAMES) : opts.features?.[name]?.names;
      this.features[name] = names && columnType(c) === "int32" ? { dtype: "int32", names } : { dtype: columnType(c) };
    }
    const label = this.cols.get("label");
    const names = this.features.label?.names;
    if (label instanceof Int32Array && names) {
      for (let i = 0; i < label.length; i++) {
        if (!(label[i] >= 0 && label[i] < names.length)) throw new Error(`Dataset row ${i} has label ${label[i]}, outside 0..${names.length - 1} (${names.join(", ")}).`);
      }
    }
    this.split = opts.split ?? "train";
    this.cacheDir = opts.cacheDir;
    this.sourceIndices = opts.sourceIndices ?? Int32Array.from({ length: n }, (_, i) => i);
    this.fp = opts.fingerprint;
  }

  /** A dataset from columns of plain values, like datasets.Dataset.from_dict. */
  static fromDict(columns: Record<string, unknown>, opts: DatasetOptions = {}): Dataset {
    return new Dataset(columns, opts);
  }

  get numRows(): number {
    const first = this.cols.values().next();
    return first.done ? 0 : first.value.length;
  }

  get columnNames(): string[] {
    return [...this.cols.keys()];
  }

  /** The content's fingerprint: set by loadDataset and every transform, else a hash of the data. */
  get fingerprint(): string {
    if (!this.fp) {
      const parts: unknown[] = ["in-memory"];
      for (const [name, c] of this.cols) {
        parts.push(name);
        if (c instanceof IntSequences) parts.push(c.data, c.offsets);
        else if (Array.isArray(c)) parts.push(c.join("\u0000"), Int32Array.from(c, (s) => s.length));
        else parts.push(c as Int32Array | Float32Array);
      }
      this.fp = fingerprint(...parts);
    }
    return this.fp;
  }

  /** The column's values, one per row: strings, numbers, or (token columns) an Int32Array of ids per row. */
  column(name: string): string[] | number[] | Int32Array[] {
    const c = this.rawColumn(name);
    if (c instanceof IntSequences) return c.rows();
    if (Array.isArray(c)) return c;
    return Array.from(c);
  }

  /** The column as stored (string[], Int32Array, Float32Array or IntSequences): no copy. */
  rawColumn(name: string): Column {
    const c = this.cols.get(name);
    if (!c) throw new Error(`Dataset has no column "${name}" (columns: ${this.columnNames.join(", ") || "none"})`);
    return c;
  }

  /** Row i as plain values. */
  row(i: number): Example {
    if (!Number.isInteger(i) || i < 0 || i >= this.numRows) throw new RangeError(`row ${i} is out of range for ${this.numRows} rows`);
    const out: Example = {};
    for (const [name, c] of this.cols) out[name] = c instanceof IntSequences ? c.row(i) : c[i];
    return out;
  }

  /** A dataset with the same settings and `columns` in place of this one's. */
  private derive(columns: Map<string, Column>, sourceIndices: Int32Array, fp: string): Dataset {
    const features: Record<string, { names?: readonly string[] }> = {};
    for (const [k, f] of Object.entries(this.features)) if (f.names) features[k] = { names: f.names };
    const ds = new Dataset(Object.fromEntries(columns), { split: this.split, features, fingerprint: fp, cacheDir: this.cacheDir, sourceIndices });
    ds.format = { ...this.format };
    return ds;
  }

  /** Rows at `indices` (in that order; repeats allowed), like datasets' `select`. */
  select(indices: ArrayLike<number> | Iterable<number>): Dataset {
    const given = Array.from(indices as Iterable<number>);
    const n = this.numRows;
    given.forEach((i, j) => {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`select: index ${i} (position ${j}) is out of range for ${n} rows.`);
    });
    const idx = Int32Array.from(given);
    const cols = new Map([...this.cols].map(([k, c]) => [k, gatherColumn(c, idx)] as const));
    return this.derive(cols, gatherColumn(this.sourceIndices, idx) as Int32Array, fingerprint(this.fingerprint, "select", idx));
  }

  /** A seeded permutation of the rows (HF: shuffle(seed=...)). */
  shuffle(opts: { seed: number }): Dataset {
    if (!opts || opts.seed === undefined) throw new Error("shuffle needs { seed }: an unseeded shuffle could not be reproduced (the tutorial's leak came from that)");
    return this.select(new Rng(opts.seed).permutation(this.numRows));
  }

  /**
   * Seeded shuffled split with scikit-learn's sizes (test = ceil(testSize · n)), as datasets'
   * train_test_split: a DatasetDict { train, test } of disjoint rows.
   */
  trainTestSplit(opts: TrainTestSplitOptions): DatasetDict {
    const idx = trainTestSplitIndices(this.numRows, opts);
    return new DatasetDict({ train: this.select(idx.train), test: this.select(idx.test) });
  }

  /** Columns removed (HF: remove_columns). */
  removeColumns(names: string | string[]): Dataset {
    const drop = new Set(typeof names === "string" ? [names] : names);
    for (const name of drop) this.rawColumn(name);
    const cols = new Map([...this.cols].filter(([k]) => !drop.has(k)));
    return this.derive(cols, this.sourceIndices, fingerprint(this.fingerprint, "removeColumns", [...drop].sort()));
  }

  /**
   * Applies `fn` to every row (or, with batched: true, to batches of rows given as columns) and adds or replaces
   * the columns it returns, as datasets' map. The result is cached under cacheDir by fingerprint; see ./map.ts.
   */
  map(fn: MapFunction, opts: MapOptions = {}): Promise<Dataset> {
    return mapDataset(this, fn, opts, (cols, fp) => this.derive(cols, this.sourceIndices, fp));
  }

  /**
   * Chooses what the dataset hands out (HF: set_format, in place): type "tfjs" gives tensors from slice(),
   * `columns` limits the columns, and the Trainer feeds the model only those.
   */
  setFormat(opts: { type?: "tfjs" | "torch" | null; columns?: string[] | null } = {}): void {
    const type = opts.type ?? null;
    if (type === "torch") throw new Error('setFormat: this library runs on TensorFlow.js; use type: "tfjs" where Python says type="torch"');
    if (type !== null && type !== "tfjs") throw new Error(`setFormat: unknown type ${JSON.stringify(type)}; use "tfjs" (tensors) or null (plain values)`);
    if (opts.columns) for (const c of opts.columns) this.rawColumn(c);
    this.format = { type, columns: opts.columns ? [...opts.columns] : null };
  }

  resetFormat(): void {
    this.format = { type: null, columns: null };
  }

  /**
   * Rows [start, end) in the dataset's format, like dataset[start:end] in Python: one entry per formatted
   * column, tensors for type "tfjs" (token columns [rows, length] int32 when their rows have one length).
   * The caller disposes the tensors.
   */
  slice(start: number, end: number): Record<string, unknown> {
    const idx = Int32Array.from({ length: Math.max(0, Math.min(end, this.numRows) - start) }, (_, i) => start + i);
    const names = this.format.columns ?? this.columnNames;
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const c = gatherColumn(this.rawColumn(name), idx);
      if (this.format.type !== "tfjs" || Array.isArray(c)) {
        out[name] = c instanceof IntSequences ? c.rows() : Array.isArray(c) ? c : Array.from(c);
        continue;
      }
      if (c instanceof IntSequences) {
        const w = c.fixedWidth();
        out[name] = w === null ? c.rows().map((r) => tf.tensor1d(r, "int32")) : tf.tensor2d(c.data, [c.length, w], "int32");
      } else out[name] = c instanceof Int32Array ? tf.tensor1d(c, "int32") : tf.tensor1d(c, "float32");
    }
    return out;
  }

  /** Class names of the label column (HF: features["label"].names). */
  get labelNames(): readonly string[] {
    return this.features.label?.names ?? IMDB_LABEL_NAMES;
  }

  /** The text column (shorthand for column("text")). */
  get text(): string[] {
    return this.rawColumn("text") as string[];
  }

  /** The label column as class ids (no copy). */
  get label(): Int32Array {
    const c = this.rawColumn("label");
    if (!(c instanceof Int32Array)) throw new Error(`the label column holds ${columnType(c)}, not class ids`);
    return c;
  }

  /** The first `n` rows (all by default) as objects, for display. */
  toRows(n = this.numRows): Example[] {
    return Array.from({ length: Math.min(Math.max(0, n), this.numRows) }, (_, i) => this.row(i));
  }

  /** Number of rows per label id. */
  labelCounts(): number[] {
    const counts = new Array<number>(this.labelNames.length).fill(0);
    const label = this.label;
    for (let i = 0; i < label.length; i++) counts[label[i]] += 1;
    return counts;
  }

  toString(): string {
    return `Dataset({ features: [${this.columnNames.map((c) => `'${c}'`).join(", ")}], numRows: ${this.numRows} })`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Splits by name (train, test, ...), as datasets' DatasetDict: `dataset.train`, `parts.test`. */
export interface DatasetDict {
  readonly [split: string]: Dataset;
}
export class DatasetDict {
  constructor(splits: Record<string, Dataset>) {
    Object.assign(this, splits);
  }

  [inspect.custom](): string {
    const lines = Object.entries(this).map(([k, d]) => `  ${k}: ${d.toString()}`);
    return `DatasetDict({\n${lines.join("\n")}\n})`;
  }
}

/** 0, 1, ..., n-1 (Python's range(n)), e.g. for dataset.select(range(1000)). */
export function range(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`range: n must be a non-negative integer, got ${n}`);
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * A seeded, label-balanced subsample of `n` rows (floor(n/k) per label, the remainder to the first labels),
 * drawn without replacement and shuffled so labels are interleaved (the IMDb files are sorted by label).
 */
export function sampleBalanced(ds: Dataset, n: number, seed: number): Dataset {
  const k = ds.labelNames.length;
  if (!Number.isInteger(n) || n < 0) throw new Error(`sampleBalanced: n must be a non-negative integer, got ${n}.`);
  const byLabel: number[][] = Array.from({ length: k }, () => []);
  const label = ds.label;
  for (let i = 0; i < ds.numRows; i++) byLabel[label[i]].push(i);
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
