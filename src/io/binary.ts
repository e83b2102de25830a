// Compact binary files for the large columns that stages hand to each other (token ids, masks, labels, split
// indices, logits, texts): raw little-endian values after a small header, never JSON. Written atomically.
//
// Numeric array file (".bin"):
//   bytes 0-3  "TSAR"   4  version (1)   5  dtype (1 int32, 2 float32, 3 uint8)   6  ndim   7  0
//   then ndim uint32 dimensions, zero padding to a multiple of 8, then the values.
// String column file:
//   bytes 0-3  "TSST"   4  version (1)   5-7  0   8-11  count (uint32)
//   then count+1 uint32 byte offsets into the UTF-8 blob that follows (string i = blob[offset i, offset i+1)).
import * as fs from "node:fs";
import * as os from "node:os";
import { writeFileAtomic } from "./atomic";

export type NumericArray = Int32Array | Float32Array | Uint8Array;
export type DType = "int32" | "float32" | "uint8";

const ARRAY_MAGIC = "TSAR";
const STRING_MAGIC = "TSST";
const VERSION = 1;
const DTYPE_CODE: Record<DType, number> = { int32: 1, float32: 2, uint8: 3 };
const CODE_DTYPE: Record<number, DType> = { 1: "int32", 2: "float32", 3: "uint8" };

function assertLittleEndian(): void {
  if (os.endianness() !== "LE") throw new Error("Binary artifacts are little-endian; this machine is big-endian and cannot read them as-is.");
}

export function dtypeOf(data: NumericArray): DType {
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Uint8Array) return "uint8";
  throw new Error(`Unsupported array type ${(data as object).constructor?.name}: use Int32Array, Float32Array or Uint8Array.`);
}

export interface LoadedArray<T extends NumericArray = NumericArray> {
  data: T;
  shape: number[];
  dtype: DType;
}

/** Encodes an array with its shape (default [length]) into the binary format. */
export function encodeArray(data: NumericArray, shape: number[] = [data.length]): Uint8Array {
  assertLittleEndian();
  const dtype = dtypeOf(data);
  if (shape.length > 255 || shape.some((d) => !Number.isInteger(d) || d < 0 || d > 0xffffffff)) {
    throw new Error(`Invalid shape [${shape.join(", ")}]: dimensions must be integers in 0..2^32-1.`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`Shape [${shape.join(", ")}] holds ${count} values but the array has ${data.length}.`);
  const headerLen = Math.ceil((8 + 4 * shape.length) / 8) * 8;
  const out = new Uint8Array(headerLen + data.byteLength);
  const view = new DataView(out.buffer);
  out.set(Buffer.from(ARRAY_MAGIC, "latin1"), 0);
  out[4] = VERSION;
  out[5] = DTYPE_CODE[dtype];
  out[6] = shape.length;
  shape.forEach((d, i) => view.setUint32(8 + 4 * i, d, true));
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), headerLen);
  return out;
}

/** Decodes the binary format; `label` names the source in errors. */
export function decodeArray(bytes: Uint8Array, label = "array"): LoadedArray {
  assertLittleEndian();
  const fail = (why: string) => new Error(`${label} is not a valid binary array file: ${why}. Re-run the stage that wrote it.`);
  if (bytes.byteLength < 8 || Buffer.from(bytes.buffer, bytes.byteOffset, 4).toString("latin1") !== ARRAY_MAGIC) throw fail("bad magic");
  if (bytes[4] !== VERSION) throw fail(`unsupported version ${bytes[4]}`);
  const dtype = CODE_DTYPE[bytes[5]];
  if (!dtype) throw fail(`unknown dtype code ${bytes[5]}`);
  const ndim = bytes[6];
  const headerLen = Math.ceil((8 + 4 * ndim) / 8) * 8;
  if (bytes.byteLength < headerLen) throw fail("truncated header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(8 + 4 * i, true));
  const count = shape.reduce((a, b) => a * b, 1);
  const width = dtype === "uint8" ? 1 : 4;
  const expected = headerLen + count * width;
  if (bytes.byteLength !== expected) throw fail(`expected ${expected} bytes for shape [${shape.join(", ")}] ${dtype}, found ${bytes.byteLength} (truncated?)`);
  const raw = bytes.buffer.slice(bytes.byteOffset + headerLen, bytes.byteOffset + expected) as ArrayBuffer; // aligned copy
  const data = dtype === "int32" ? new Int32Array(raw) : dtype === "float32" ? new Float32Array(raw) : new Uint8Array(raw);
  return { data, shape, dtype };
}

/** Writes an Int32Array/Float32Array/Uint8Array (with an optional shape) to `file` atomically. */
export function saveArray(file: string, data: NumericArray, shape?: number[]): void {
  writeFileAtomic(file, encodeArray(data, shape));
}

/** Reads a file written by saveArray. */
export function loadArray(file: string): LoadedArray {
  return decodeArray(fs.readFileSync(file), file);
}

function loadTyped<T extends NumericArray>(file: string, dtype: DType): LoadedArray<T> {
  const a = loadArray(file);
  if (a.dtype !== dtype) throw new Error(`${file} holds ${a.dtype} values, expected ${dtype}.`);
  return a as LoadedArray<T>;
}

export const loadInt32Array = (file: string) => loadTyped<Int32Array>(file, "int32");
export const loadFloat32Array = (file: string) => loadTyped<Float32Array>(file, "float32");
export const loadUint8Array = (file: string) => loadTyped<Uint8Array>(file, "uint8");

/** Encodes strings as offsets + one UTF-8 blob. */
export function encodeStrings(strings: readonly string[]): Uint8Array {
  const parts = strings.map((s) => Buffer.from(s, "utf8"));
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  if (total > 0xffffffff || strings.length >= 0xffffffff) throw new Error(`String column too large for the format (${total} bytes, ${strings.length} strings).`);
  const headerLen = 12 + 4 * (strings.length + 1);
  const out = Buffer.alloc(headerLen + total);
  out.write(STRING_MAGIC, 0, "latin1");
  out[4] = VERSION;
  out.writeUInt32LE(strings.length, 8);
  let off = 0;
  for (let i = 0; i < parts.length; i++) {
    out.writeUInt32LE(off, 12 + 4 * i);
    parts[i].copy(out, headerLen + off);
    off += parts[i].byteLength;
  }
  out.writeUInt32LE(off, 12 + 4 * parts.length);
  return out;
}

export function decodeStrings(bytes: Uint8Array, label = "strings"): string[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string) => new Error(`${label} is not a valid string column file: ${why}. Re-run the stage that wrote it.`);
  if (buf.byteLength < 16 || buf.toString("latin1", 0, 4) !== STRING_MAGIC) throw fail("bad magic");
  if (buf[4] !== VERSION) throw fail(`unsupported version ${buf[4]}`);
  const count = buf.readUInt32LE(8);
  const headerLen = 12 + 4 * (count + 1);
  if (buf.byteLength < headerLen) throw fail("truncated offsets");
  const total = buf.readUInt32LE(12 + 4 * count);
  if (buf.byteLength !== headerLen + total) throw fail(`expected ${headerLen + total} bytes, found ${buf.byteLength} (truncated?)`);
  const out = new Array<string>(count);
  let prev = buf.readUInt32LE(12);
  for (let i = 0; i < count; i++) {
    const next = buf.readUInt32LE(12 + 4 * (i + 1));
    if (next < prev || next > total) throw fail(`offset ${i + 1} out of order`);
    out[i] = buf.toString("utf8", headerLen + prev, headerLen + next);
    prev = next;
  }
  return out;
}

/** Writes a string column (e.g. review texts) atomically. */
export function saveStrings(file: string, strings: readonly string[]): void {
  writeFileAtomic(file, encodeStrings(strings));
}

export function loadStrings(file: string): string[] {
  return decodeStrings(fs.readFileSync(file), file);
}
