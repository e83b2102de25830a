// The labelled, tokenized datasets the Trainer takes and their batch loaders. A datasets Dataset (after map
// with the tokenizer, and setFormat) is read through its format's columns, as HF's Trainer feeds the model the
// columns the dataset hands out: input_ids (required), attention_mask (all ones when absent), token_type_ids
// (zeros when absent), and label or labels.
import { IntSequences } from "../datasets/columns";
import { Dataset } from "../datasets/dataset";
import { BatchLoader, EncodedRows } from "./format";

/** Tokenized rows (src/format's EncodedRows: row-major [rows, maxLength] int32) plus one label per row. */
export interface LabeledDataset extends EncodedRows {
  labels: ArrayLike<number> | ArrayLike<bigint>;
}

/** A Trainer dataset: a tokenized datasets Dataset, or tokenized rows with their labels. */
export type TrainerDataset = Dataset | LabeledDataset;

function fixedRows(ds: Dataset, name: string, what: string): { data: Int32Array; width: number } {
  const c = ds.rawColumn(name);
  if (!(c instanceof IntSequences)) throw new Error(`${what}: column "${name}" holds ${Array.isArray(c) ? "strings" : "numbers"}, not token ids`);
  const width = c.fixedWidth();
  if (width === null) {
    throw new Error(`${what}: the rows of "${name}" differ in length; tokenize with padding: "max_length" (and maxLength) so every row has one length`);
  }
  return { data: c.data, width };
}

/** The rows the Trainer batches, from a tokenized Dataset (its format's columns) or as given. */
export function toLabeledDataset(ds: TrainerDataset, what: string): LabeledDataset {
  if (!(ds instanceof Dataset)) return ds;
  const visible = new Set(ds.format.columns ?? ds.columnNames);
  const has = (c: string) => visible.has(c) && ds.columnNames.includes(c);
  if (!has("input_ids")) {
    throw new Error(`${what} has no input_ids column${ds.columnNames.includes("input_ids") ? " in its format (setFormat columns)" : ""}: tokenize it first, ds.map((ex) => tokenizer(ex.text, {...}), { batched: true })`);
  }
  const labelName = has("label") ? "label" : has("labels") ? "labels" : null;
  if (!labelName) throw new Error(`${what} has no label (or labels) column${ds.columnNames.includes("label") ? " in its format: add \"label\" to setFormat's columns" : ""}`);
  const ids = fixedRows(ds, "input_ids", what);
  const rows = ds.numRows;
  const part = (name: string, fill: number) => {
    if (!has(name)) return new Int32Array(ids.data.length).fill(fill);
    const p = fixedRows(ds, name, what);
    if (p.width !== ids.width) throw new Error(`${what}: ${name} rows have ${p.width} entries, input_ids rows ${ids.width}`);
    return p.data;
  };
  const labels = ds.rawColumn(labelName);
  if (!(labels instanceof Int32Array)) throw new Error(`${what}: column "${labelName}" must hold integer class ids`);
  return { inputIds: ids.data, attentionMask: part("attention_mask", 1), tokenTypeIds: part("token_type_ids", 0), rows, maxLength: ids.width, labels };
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

export function makeLoader(dataset: TrainerDataset, what: string, opts: { batchSize: number; shuffle: boolean; seed?: number; dynamicPadding?: boolean }): BatchLoader {
  const ds = toLabeledDataset(dataset, what);
  return new BatchLoader(ds, labelsOf(ds, what), { batchSize: opts.batchSize, shuffle: opts.shuffle, seed: opts.seed ?? 0, dynamicPadding: opts.dynamicPadding ?? false });
}
