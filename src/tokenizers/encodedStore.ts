// Encoded splits on disk in compact binary (never JSON): for split `name` in `dir`,
//   <name>.input_ids.bin       int32 [rows, maxLength]   (src/io/binary.ts format)
//   <name>.attention_mask.bin  uint8 [rows, maxLength]
//   <name>.token_type_ids.bin  uint8 [rows, maxLength]
//   <name>.encoded.json        manifest: rows, maxLength and the SHA-256 of each array file, written last.
// Each file is written atomically and the manifest last, so a crash leaves either the previous split or
// files the manifest's hashes reject. 50,000 rows of 128 take 38 MB (ids could fit uint16 since BERT's vocab
// is 30,522 < 65,536, but the shared binary format has int32 and the loaders then need no conversion).
import * as fs from "node:fs";
import * as path from "node:path";
import { decodeArray, encodeArray } from "../io/binary";
import { sha256Bytes } from "../io/hash";
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic";
import type { EncodedBatch } from "./bertTokenizerFast";

const FORMAT = "bert-imdb-ts/encoded";
const VERSION = 1;

type Column = "inputIds" | "attentionMask" | "tokenTypeIds";
const COLUMNS: Record<Column, { suffix: string; dtype: "int32" | "uint8" }> = {
  inputIds: { suffix: "input_ids.bin", dtype: "int32" },
  attentionMask: { suffix: "attention_mask.bin", dtype: "uint8" },
  tokenTypeIds: { suffix: "token_type_ids.bin", dtype: "uint8" },
};

interface Manifest {
  format: string;
  version: number;
  rows: number;
  maxLength: number;
  files: Record<Column, { file: string; dtype: string; sha256: string }>;
}

function checkName(name: string): void {
  if (typeof name !== "string" || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
    throw new Error(`Invalid encoded split name ${JSON.stringify(name)}: use letters, digits, "_", "-", "." (e.g. "train").`);
  }
}

/** Path of the manifest of split `name` in `dir`. */
export function encodedManifestPath(dir: string, name: string): string {
  checkName(name);
  return path.join(dir, `${name}.encoded.json`);
}

function checkShape(e: EncodedBatch): void {
  const n = e.rows * e.maxLength;
  if (!Number.isInteger(e.rows) || !Number.isInteger(e.maxLength) || e.rows < 0 || e.maxLength <= 0) {
    throw new RangeError(`Encoded batch has invalid shape [${e.rows}, ${e.maxLength}].`);
  }
  for (const c of Object.keys(COLUMNS) as Column[]) {
    if (!(e[c] instanceof Int32Array) || e[c].length !== n) {
      throw new RangeError(`Encoded batch ${c} must be an Int32Array of rows*maxLength = ${n} values, got ${e[c]?.length}.`);
    }
  }
}

/** Writes an encoded split (see the layout at the top of this file). Returns the manifest path. */
export function saveEncoded(dir: string, name: string, encoded: EncodedBatch): string {
  checkName(name);
  checkShape(encoded);
  fs.mkdirSync(dir, { recursive: true });
  const shape = [encoded.rows, encoded.maxLength];
  const files = {} as Manifest["files"];
  for (const c of Object.keys(COLUMNS) as Column[]) {
    const { suffix, dtype } = COLUMNS[c];
    let data: Int32Array | Uint8Array = encoded[c];
    if (dtype === "uint8") {
      const src = encoded[c];
      const small = new Uint8Array(src.length);
      for (let i = 0; i < src.length; i++) {
        const v = src[i];
        if (v < 0 || v > 255) throw new RangeError(`${c}[${i}] = ${v} does not fit the uint8 column; expected 0/1.`);
        small[i] = v;
      }
      data = small;
    }
    const bytes = encodeArray(data, shape);
    const file = `${name}.${suffix}`;
    writeFileAtomic(path.join(dir, file), bytes);
    files[c] = { file, dtype, sha256: sha256Bytes(bytes) };
  }
  const manifest: Manifest = { format: FORMAT, version: VERSION, rows: encoded.rows, maxLength: encoded.maxLength, files };
  const manifestPath = encodedManifestPath(dir, name);
  writeJsonAtomic(manifestPath, manifest);
  return manifestPath;
}

/** True when split `name` has a manifest in `dir` (loadEncoded still verifies the arrays). */
export function hasEncoded(dir: string, name: string): boolean {
  return fs.existsSync(encodedManifestPath(dir, name));
}

/** Reads a split written by saveEncoded, checking each array's SHA-256 and shape against the manifest. */
export function loadEncoded(dir: string, name: string): EncodedBatch {
  const manifestPath = encodedManifestPath(dir, name);
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`No encoded split "${name}" in ${dir} (${manifestPath} is missing). Fix: tokenize the split and saveEncoded it first.`);
  }
  const rerun = "Fix: delete these files and tokenize the split again.";
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as Manifest;
  } catch (err) {
    throw new Error(`${manifestPath} is not valid JSON (${(err as Error).message}). ${rerun}`);
  }
  if (manifest.format !== FORMAT || manifest.version !== VERSION) {
    throw new Error(`${manifestPath} is not a ${FORMAT} v${VERSION} manifest (format ${manifest.format}, version ${manifest.version}). ${rerun}`);
  }
  const out = { rows: manifest.rows, maxLength: manifest.maxLength } as EncodedBatch;
  for (const c of Object.keys(COLUMNS) as Column[]) {
    const entry = manifest.files?.[c];
    if (!entry) throw new Error(`${manifestPath} lists no ${c} file. ${rerun}`);
    const file = path.join(dir, entry.file);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing (listed in ${manifestPath}). ${rerun}`);
    const bytes = fs.readFileSync(file);
    if (sha256Bytes(bytes) !== entry.sha256) {
      throw new Error(`${file} does not match the SHA-256 in ${manifestPath} (changed, truncated or from another run). ${rerun}`);
    }
    const arr = decodeArray(bytes, file);
    if (arr.dtype !== COLUMNS[c].dtype || arr.shape.length !== 2 || arr.shape[0] !== manifest.rows || arr.shape[1] !== manifest.maxLength) {
      throw new Error(`${file} holds ${arr.dtype} [${arr.shape.join(", ")}], expected ${COLUMNS[c].dtype} [${manifest.rows}, ${manifest.maxLength}]. ${rerun}`);
    }
    out[c] = arr.data instanceof Int32Array ? arr.data : Int32Array.from(arr.data);
  }
  return out;
}
