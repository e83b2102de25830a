// The labelled, tokenized datasets the Trainer takes (tokenizer output + labels) and their batch loaders.
import { BatchLoader, EncodedRows } from "./format";

/** Tokenized rows (src/format's EncodedRows: row-major [rows, maxLength] int32) plus one label per row. */
export interface LabeledDataset extends EncodedRows {
  labels: ArrayLike<number> | ArrayLike<bigint>;
}

/** Labels as int32 class ids (bigint parquet labels included), checked against the row count. */
export function labelsOf(ds: LabeledDataset, what: string): Int32Array {
  if (!ds || !ds.labels) throw new Error(`${what} has no labels: pass the tokenized rows together with a labels array (one class id per row)`);
  if (ds.labels.length !== ds.rows) throw new Error(`${what} has ${ds.labels.length} labels for ${ds.rows} rows`);
  if (ds.labels instanceof Int32Array) return ds.labels;
  const out = new Int32Array(ds.labels.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(ds.labels[i]);
  return out;
}

export function makeLoader(ds: LabeledDataset, what: string, opts: { batchSize: number; shuffle: boolean; seed?: number; dynamicPadding?: boolean }): BatchLoader {
  return new BatchLoader(ds, labelsOf(ds, what), { batchSize: opts.batchSize, shuffle: opts.shuffle, seed: opts.seed ?? 0, dynamicPadding: opts.dynamicPadding ?? false });
}
