// A dataset cache entry on disk: one folder holding each column in its own file (./columns' types) and a
// dataset_info.json that lists them. Dataset.map stores its results this way (cache-<fingerprint>/), and
// loadDataset the splits it decoded from parquet (generated-<split>-<file hash>/), as HF datasets keeps Arrow
// files beside the downloads. An entry is written atomically and checked when read; a damaged one is reported
// and ignored, so the caller computes it again.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeDirAtomic, writeJsonAtomic } from "../io/atomic";
import { decodeArray, loadStrings, saveArray, saveStrings } from "../io/binary";
import { Column, columnType, IntSequences } from "./columns";

const CACHE_FORMAT = "bert-imdb-ts/map/1";
const INFO_FILE = "dataset_info.json";

interface CachedColumn {
  name: string;
  type: string;
}

/** What dataset_info.json holds besides the column list. */
export type CacheInfo = Record<string, unknown> & { numRows: number };

function writeColumns(dir: string, cols: Map<string, Column>): CachedColumn[] {
  const out: CachedColumn[] = [];
  [...cols].forEach(([name, c], i) => {
    const base = path.join(dir, `column-${i}`);
    if (c instanceof IntSequences) {
      saveArray(`${base}.data.bin`, c.data);
      saveArray(`${base}.offsets.bin`, c.offsets);
    } else if (Array.isArray(c)) saveStrings(`${base}.strings`, c);
    else saveArray(`${base}.bin`, c);
    out.push({ name, type: columnType(c) });
  });
  return out;
}

function readColumns(dir: string, listed: CachedColumn[]): Map<string, Column> {
  const cols = new Map<string, Column>();
  listed.forEach(({ name, type }, i) => {
    const base = path.join(dir, `column-${i}`);
    const array = (file: string) => decodeArray(fs.readFileSync(file), file).data;
    if (type === "int32_sequence") cols.set(name, new IntSequences(array(`${base}.data.bin`) as Int32Array, array(`${base}.offsets.bin`) as Int32Array));
    else if (type === "string") cols.set(name, loadStrings(`${base}.strings`));
    else if (type === "int32" || type === "float32") {
      const a = array(`${base}.bin`);
      if (columnType(a as Column) !== type) throw new Error(`${base}.bin holds ${columnType(a as Column)}, the index says ${type}`);
      cols.set(name, a as Column);
    } else throw new Error(`unknown column type ${type}`);
  });
  return cols;
}

/** Writes `cols` (all of `info.numRows` rows) as the entry `dir`, replacing what was there. */
export async function saveCacheEntry(dir: string, cols: Map<string, Column>, info: CacheInfo): Promise<void> {
  await writeDirAtomic(dir, (tmp) => {
    const columns = writeColumns(tmp, cols);
    writeJsonAtomic(path.join(tmp, INFO_FILE), { format: CACHE_FORMAT, ...info, columns, createdAt: new Date().toISOString() });
  });
}

/**
 * The columns and info of entry `dir`, or null when it does not exist, or when it is damaged or holds other
 * than `rows` rows (with a warning naming `what` is done instead, e.g. "computing it again").
 */
export function loadCacheEntry(dir: string, opts: { rows?: number; instead: string }): { cols: Map<string, Column>; info: CacheInfo } | null {
  const infoFile = path.join(dir, INFO_FILE);
  if (!fs.existsSync(infoFile)) return null;
  try {
    const meta = JSON.parse(fs.readFileSync(infoFile, "utf8")) as CacheInfo & { format?: string; columns?: CachedColumn[] };
    if (meta.format !== CACHE_FORMAT || !Array.isArray(meta.columns)) throw new Error(`unknown cache format ${String(meta.format)}`);
    if (!Number.isInteger(meta.numRows)) throw new Error("its row count is missing");
    if (opts.rows !== undefined && meta.numRows !== opts.rows) throw new Error(`it holds ${meta.numRows} rows, the dataset has ${opts.rows}`);
    const cols = readColumns(dir, meta.columns);
    for (const [name, c] of cols) if (c.length !== meta.numRows) throw new Error(`column ${name} has ${c.length} rows, not ${meta.numRows}`);
    const { format: _format, columns: _columns, ...info } = meta;
    return { cols, info };
  } catch (err) {
    console.warn(`the cached dataset ${dir} is damaged (${(err as Error).message}); ${opts.instead}.`);
    return null;
  }
}
