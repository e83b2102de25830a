// Dataset.map, as HF datasets runs it: the function over every row (or batch of rows), its results added as
// columns, and the new dataset cached under the parent's cacheDir as cache-<fingerprint>/, so a re-run (a
// notebook after a kernel restart) loads the stored columns in a second instead of recomputing them.
//
// The fingerprint is what makes the cache safe. It hashes:
//   - the parent dataset's fingerprint (its files' hashes, then every select/shuffle/split applied);
//   - the function's source text and map's options (batched, batchSize, removeColumns);
//   - what the function used that its source text does not show: objects that decide the output report their
//     settings while it runs (./fingerprintScope.ts; the tokenizer reports its vocabulary hash and every call's
//     options, so maxLength: 128 vs 64 differs even when it comes from a variable outside the function);
//   - the function's output on probe rows (the first, the last, and the longest text of each string column),
//     computed before the cache is consulted, so a change in anything else the function reads shows up as
//     well whenever it changes the output on those rows.
// `newFingerprint` (HF's name) replaces all of this with the caller's own name for the result.
// A cache entry is written atomically (a temporary folder renamed into place) and checked when read (row
// count, column files); a damaged entry is recomputed, never used.
import * as path from "node:path";
import { progressBar } from "../progress";
import { loadCacheEntry, saveCacheEntry } from "./cacheEntry";
import { Column, columnType, columnValues, concatColumns, gatherColumn, IntSequences, toColumn } from "./columns";
import type { Dataset } from "./dataset";
import { fingerprint } from "./fingerprint";
import { recordFingerprintInputs } from "./fingerprintScope";

type Batch = Record<string, unknown[]>;
/** A map function: one example (batched: false) or a batch of examples as columns (batched: true) → new columns. */
export type MapFunction = (examples: any, index?: any) => object | Promise<object>;

export interface MapOptions {
  /** Hand the function batches of rows, as columns (default false: one row at a time). */
  batched?: boolean;
  /** Rows per batch (default 1000, as in HF). */
  batchSize?: number;
  /** Columns to drop from the result (HF: remove_columns). */
  removeColumns?: string | string[];
  /** Use this fingerprint for the result instead of computing one (HF: new_fingerprint). */
  newFingerprint?: string;
  /** Use a cached result when one exists (default true; false recomputes and overwrites it). */
  loadFromCacheFile?: boolean;
  /** Progress bar label (default "Map"). */
  desc?: string;
}

function removeList(opts: MapOptions): string[] {
  return opts.removeColumns === undefined ? [] : typeof opts.removeColumns === "string" ? [opts.removeColumns] : [...opts.removeColumns];
}

function batchOf(ds: Dataset, rows: Int32Array): Batch {
  const out: Batch = {};
  for (const name of ds.columnNames) {
    const c = gatherColumn(ds.rawColumn(name), rows);
    out[name] = columnValues(c, 0, rows.length) as unknown[];
  }
  return out;
}

function exampleOf(batch: Batch, i: number): Record<string, unknown> {
  return Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, v[i]]));
}

/** Runs the function over `rows` and returns its columns. */
async function apply(ds: Dataset, fn: MapFunction, opts: MapOptions, rows: Int32Array): Promise<Map<string, Column>> {
  const batch = batchOf(ds, rows);
  if (opts.batched) {
    const out = await fn(batch);
    return checkOutput(out, rows.length);
  }
  const perRow: Array<Record<string, unknown>> = [];
  for (let i = 0; i < rows.length; i++) perRow.push((await fn(exampleOf(batch, i), rows[i])) as Record<string, unknown>);
  const names = perRow.length ? Object.keys(perRow[0]) : [];
  const cols: Record<string, unknown[]> = {};
  for (const k of names) cols[k] = perRow.map((r, i) => {
    if (!(k in r)) throw new Error(`map: the function returned column "${k}" for row ${rows[0]} but not for row ${rows[i]}`);
    return r[k];
  });
  return checkOutput(cols, rows.length);
}

function checkOutput(out: unknown, rows: number): Map<string, Column> {
  if (out === null || typeof out !== "object" || Array.isArray(out)) {
    throw new Error(`map: the function must return an object of columns (e.g. { input_ids: [...] }), got ${Array.isArray(out) ? "an array" : String(out)}`);
  }
  const cols = new Map<string, Column>();
  for (const [k, v] of Object.entries(out as Record<string, unknown>)) {
    const c = toColumn(v, k);
    if (c.length !== rows) throw new Error(`map: the function returned ${c.length} values of "${k}" for a batch of ${rows} rows; map keeps one row per row`);
    cols.set(k, c);
  }
  return cols;
}

/** Rows the function runs on before the cache is consulted: first, last, and each string column's longest. */
function probeRows(ds: Dataset): Int32Array {
  const n = ds.numRows;
  if (n === 0) return new Int32Array(0);
  const rows = new Set<number>([0, n - 1]);
  for (const name of ds.columnNames) {
    const c = ds.rawColumn(name);
    if (!Array.isArray(c)) continue;
    let best = 0;
    for (let i = 1; i < n; i++) if (c[i].length > c[best].length) best = i;
    rows.add(best);
  }
  return Int32Array.from([...rows].sort((a, b) => a - b));
}

function columnDigest(cols: Map<string, Column>): unknown[] {
  const parts: unknown[] = [];
  for (const [name, c] of [...cols].sort(([a], [b]) => (a < b ? -1 : 1))) {
    parts.push(name, columnType(c));
    if (c instanceof IntSequences) parts.push(c.data, c.offsets);
    else parts.push(c);
  }
  return parts;
}

async function mapFingerprint(ds: Dataset, fn: MapFunction, opts: MapOptions): Promise<string> {
  if (opts.newFingerprint !== undefined) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(opts.newFingerprint)) throw new Error(`map: newFingerprint must be 1–64 letters, digits, '_', '.' or '-', got ${JSON.stringify(opts.newFingerprint)}`);
    return opts.newFingerprint;
  }
  const { result, inputs } = await recordFingerprintInputs(() => apply(ds, fn, opts, probeRows(ds)));
  return fingerprint(
    ds.fingerprint,
    "map",
    fn.toString(),
    { batched: !!opts.batched, batchSize: opts.batched ? (opts.batchSize ?? 1000) : 1, removeColumns: removeList(opts).sort() },
    inputs,
    ...columnDigest(result),
  );
}

function cacheEntry(ds: Dataset, fp: string): string | null {
  return ds.cacheDir ? path.join(ds.cacheDir, `cache-${fp}`) : null;
}

/** The result's columns: the parent's, less removeColumns, with the function's added or replacing theirs. */
function resultColumns(ds: Dataset, added: Map<string, Column>, opts: MapOptions): Map<string, Column> {
  const drop = new Set(removeList(opts));
  const out = new Map(ds.columnNames.filter((k) => !drop.has(k)).map((k) => [k, ds.rawColumn(k)] as const));
  for (const [k, c] of added) out.set(k, c);
  return out;
}

/** Dataset.map's body; `derive` makes the result dataset from its complete columns and fingerprint. */
export async function mapDataset(ds: Dataset, fn: MapFunction, opts: MapOptions, derive: (cols: Map<string, Column>, fp: string) => Dataset): Promise<Dataset> {
  if (typeof fn !== "function") throw new Error("map needs a function, e.g. ds.map((examples) => tokenizer(examples.text, {...}), { batched: true })");
  for (const name of removeList(opts)) ds.rawColumn(name);
  const batchSize = opts.batched ? (opts.batchSize ?? 1000) : 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`map: batchSize must be a positive integer, got ${batchSize}`);
  const fp = await mapFingerprint(ds, fn, opts);
  const entry = cacheEntry(ds, fp);
  if (entry && opts.loadFromCacheFile !== false) {
    const cached = loadCacheEntry(entry, { rows: ds.numRows, instead: "map computes it again" });
    if (cached) {
      console.log(`Loading cached processed dataset (${path.basename(entry)}, ${ds.numRows.toLocaleString("en-US")} rows)`);
      return derive(cached.cols, fp);
    }
  }
  const n = ds.numRows;
  const bar = n >= 1000 ? progressBar({ total: n, description: opts.desc ?? "Map", unit: "examples" }) : null;
  const parts = new Map<string, Column[]>();
  try {
    for (let start = 0; start < n; start += batchSize) {
      const rows = Int32Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
      const cols = await apply(ds, fn, opts, rows);
      if (start > 0 && [...cols.keys()].join() !== [...parts.keys()].join()) {
        throw new Error(`map: the function returned columns [${[...cols.keys()]}] for rows from ${start}, [${[...parts.keys()]}] before`);
      }
      for (const [k, c] of cols) {
        const list = parts.get(k);
        if (list) list.push(c);
        else parts.set(k, [c]);
      }
      bar?.update(start + rows.length);
    }
  } finally {
    bar?.close();
  }
  const cols = resultColumns(ds, new Map([...parts].map(([k, p]) => [k, concatColumns(p, k)] as const)), opts);
  if (entry) await saveCacheEntry(entry, cols, { fingerprint: fp, parent: ds.fingerprint, numRows: n });
  return derive(cols, fp);
}

