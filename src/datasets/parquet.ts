// Reads a labelled-text parquet file (columns text: string, label: integer) into a `text` array and an Int32Array
// of labels, with hyparquet (pure JS, ESM-only, loaded through importEsm) and hyparquet-compressors (zstd for
// the ../shared copies, snappy for the hub's). Every structural problem (truncated file, bad footer, unreadable
// metadata, missing column, fewer decoded rows than the footer promises, labels outside 0..k-1) is reported as a
// ParquetFileError naming the file and the cause, so callers can delete a corrupt cache entry instead of using it.
import * as fs from "node:fs";
import { pathToFileURL } from "node:url";
import { importEsm } from "../io/esm";

/** The few hyparquet shapes used here (hyparquet ships its own types, but they need a newer TypeScript). */
interface ParquetSchemaElement {
  name: string;
  type?: string;
}
interface ParquetMetadata {
  num_rows: bigint | number;
  schema: ParquetSchemaElement[];
  row_groups: { num_rows: bigint | number; columns: { meta_data?: { codec?: string } }[] }[];
}
interface ColumnChunk {
  columnName: string;
  columnData: ArrayLike<unknown>;
  rowStart: number;
  rowEnd: number;
}
interface Hyparquet {
  parquetMetadata(buf: ArrayBuffer): ParquetMetadata;
  parquetRead(opts: {
    file: ArrayBuffer;
    metadata: ParquetMetadata;
    columns: string[];
    compressors: unknown;
    onChunk: (chunk: ColumnChunk) => void;
  }): Promise<void>;
}
interface HyparquetCompressors {
  compressors: unknown;
}

export class ParquetFileError extends Error {
  readonly file: string;
  readonly reason: string;
  constructor(file: string, reason: string, cause?: unknown) {
    super(`${file} is not a readable labelled-text parquet file: ${reason}.`, { cause });
    this.name = "ParquetFileError";
    this.file = file;
    this.reason = reason;
  }
}

/** The package's entry as a file URL, resolved from this module (a bare dynamic import resolves from wherever the
 * importing function was compiled, which inside a notebook kernel need not be the project). */
function esmEntry(pkg: string): string {
  try {
    return pathToFileURL(require.resolve(pkg)).href;
  } catch {
    return pkg;
  }
}

let libs: Promise<{ hp: Hyparquet; compressors: unknown }> | null = null;
function loadLibs(): Promise<{ hp: Hyparquet; compressors: unknown }> {
  if (!libs) {
    libs = Promise.all([importEsm<Hyparquet>(esmEntry("hyparquet")), importEsm<HyparquetCompressors>(esmEntry("hyparquet-compressors"))]).then(
      ([hp, hc]) => ({ hp, compressors: hc.compressors }),
    );
    libs.catch(() => {
      libs = null;
    });
  }
  return libs;
}

export interface LabelledTextColumns {
  text: string[];
  label: Int32Array;
  /** Row count written in the footer. */
  numRows: number;
  /** Compression codecs found in the file (e.g. ["ZSTD"] or ["SNAPPY"]). */
  codecs: string[];
  bytes: number;
}

export interface ReadLabelledTextOptions {
  textColumn?: string;
  labelColumn?: string;
  /** Number of classes; labels must lie in 0..numLabels-1 (default 2). */
  numLabels?: number;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Reads and validates a parquet file of labelled texts. Throws ParquetFileError when it is corrupt or not of that shape. */
export async function readLabelledTextParquet(file: string, opts: ReadLabelledTextOptions = {}): Promise<LabelledTextColumns> {
  const textCol = opts.textColumn ?? "text";
  const labelCol = opts.labelColumn ?? "label";
  const numLabels = opts.numLabels ?? 2;
  const { hp, compressors } = await loadLibs();
  const buf = fs.readFileSync(file);
  const magic = (at: number) => buf.toString("latin1", at, at + 4) === "PAR1";
  if (buf.byteLength < 12 || !magic(0)) throw new ParquetFileError(file, `no "PAR1" header (${buf.byteLength} bytes)`);
  if (!magic(buf.byteLength - 4)) throw new ParquetFileError(file, `no "PAR1" footer: the file is truncated (${buf.byteLength} bytes)`);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;

  let md: ParquetMetadata;
  try {
    md = hp.parquetMetadata(ab);
  } catch (err) {
    throw new ParquetFileError(file, `unreadable metadata (${errorText(err)})`, err);
  }
  const names = md.schema.map((s) => s.name);
  for (const col of [textCol, labelCol]) {
    if (!names.includes(col)) throw new ParquetFileError(file, `no "${col}" column (columns: ${names.slice(1).join(", ")})`);
  }
  const numRows = Number(md.num_rows);
  const groupRows = md.row_groups.reduce((s, g) => s + Number(g.num_rows), 0);
  if (!Number.isSafeInteger(numRows) || numRows < 0 || groupRows !== numRows) {
    throw new ParquetFileError(file, `footer says ${numRows} rows but its row groups hold ${groupRows}`);
  }
  const codecs = [...new Set(md.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec ?? "?")))];

  const text = new Array<string>(numRows);
  const label = new Int32Array(numRows);
  const filled = { text: 0, label: 0 };
  let problem: string | null = null;
  try {
    await hp.parquetRead({
      file: ab,
      metadata: md,
      columns: [textCol, labelCol],
      compressors,
      onChunk: (chunk) => {
        const data = chunk.columnData;
        if (chunk.rowStart < 0 || chunk.rowStart + data.length > numRows) {
          problem ??= `column ${chunk.columnName} has rows ${chunk.rowStart}..${chunk.rowStart + data.length} beyond the ${numRows} in the footer`;
          return;
        }
        if (chunk.columnName === textCol) {
          for (let i = 0; i < data.length; i++) {
            const v = data[i];
            if (typeof v !== "string") {
              problem ??= `row ${chunk.rowStart + i} of "${textCol}" is ${v === null || v === undefined ? "null" : typeof v}, not a string`;
              return;
            }
            text[chunk.rowStart + i] = v;
          }
          filled.text += data.length;
        } else if (chunk.columnName === labelCol) {
          for (let i = 0; i < data.length; i++) {
            const raw = data[i];
            // Only numbers: Number(null) and Number(false) would be 0, a silent "neg" for a missing label.
            const v = typeof raw === "number" || typeof raw === "bigint" ? Number(raw) : NaN;
            if (!Number.isInteger(v) || v < 0 || v >= numLabels) {
              problem ??= `row ${chunk.rowStart + i} of "${labelCol}" is ${String(data[i])}, not a label in 0..${numLabels - 1}`;
              return;
            }
            label[chunk.rowStart + i] = v;
          }
          filled.label += data.length;
        }
      },
    });
  } catch (err) {
    throw new ParquetFileError(file, `data pages cannot be decoded (${errorText(err)})`, err);
  }
  if (problem) throw new ParquetFileError(file, problem);
  if (filled.text !== numRows || filled.label !== numRows) {
    throw new ParquetFileError(file, `footer says ${numRows} rows but ${filled.text} texts and ${filled.label} labels were decoded`);
  }
  return { text, label, numRows, codecs, bytes: buf.byteLength };
}
