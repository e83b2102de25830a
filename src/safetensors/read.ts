// Reads the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__"?: {...}}, then raw little-endian
// tensor bytes. Tensors are read one at a time straight from the file, so a 440 MB checkpoint is never held
// twice in memory.
import * as fs from "node:fs";
import { decodeTensorBytes, DecodedArray, DTYPE_BYTES, isSafetensorsDtype, SafetensorsDtype } from "./dtypes";

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range [begin, end) relative to the start of the data section. */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Absolute file offset of the data section (8 + header length). */
  dataStart: number;
}

export interface LoadedTensor {
  /** dtype stored in the file (the data is already widened: floats to float32, integers to int32). */
  dtype: SafetensorsDtype;
  shape: number[];
  data: DecodedArray;
}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function fail(file: string, what: string): never {
  throw new Error(`${file} is not a valid safetensors file: ${what}`);
}

/** Parses and validates the header of an open file. */
function readHeaderFd(fd: number, file: string): SafetensorsHeader {
  const fileSize = fs.fstatSync(fd).size;
  if (fileSize < 8) fail(file, `only ${fileSize} bytes`);
  const lenBuf = Buffer.alloc(8);
  fs.readSync(fd, lenBuf, 0, 8, 0);
  const headerLen = Number(lenBuf.readBigUInt64LE(0));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > fileSize) {
    fail(file, `header length ${headerLen} does not fit the file size ${fileSize}`);
  }
  const headerBuf = Buffer.alloc(headerLen);
  fs.readSync(fd, headerBuf, 0, headerLen, 8);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(headerBuf.toString("utf8"));
  } catch (err) {
    fail(file, `header is not JSON (${(err as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) fail(file, "header is not a JSON object");
  const dataStart = 8 + headerLen;
  const dataSize = fileSize - dataStart;
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json)) {
    if (name === "__metadata__") {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof v?.dtype !== "string" || !isSafetensorsDtype(v.dtype)) fail(file, `tensor "${name}" has unsupported dtype ${String(v?.dtype)}`);
    if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(file, `tensor "${name}" has a bad shape`);
    const offs = v.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0) || offs[0] > offs[1]) {
      fail(file, `tensor "${name}" has bad data_offsets`);
    }
    const [begin, end] = offs as [number, number];
    if (end > dataSize) fail(file, `tensor "${name}" ends at ${end}, past the data section (${dataSize} bytes): truncated file?`);
    const count = (v.shape as number[]).reduce((a, b) => a * b, 1);
    if ((end - begin) !== count * DTYPE_BYTES[v.dtype]) {
      fail(file, `tensor "${name}" has ${end - begin} bytes for shape [${(v.shape as number[]).join(", ")}] of ${v.dtype}`);
    }
    tensors.set(name, { dtype: v.dtype, shape: (v.shape as number[]).slice(), dataOffsets: [begin, end] });
  }
  return { tensors, metadata, dataStart };
}

/** Reads only the header (names, dtypes, shapes, offsets) of a safetensors file. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = fs.openSync(file, "r");
  try {
    return readHeaderFd(fd, file);
  } finally {
    fs.closeSync(fd);
  }
}

/** An open safetensors file whose tensors are read on demand. Call `close()` when done. */
export class SafetensorsFile {
  readonly header: SafetensorsHeader;
  private fd: number | null;

  private constructor(readonly path: string, fd: number) {
    this.fd = fd;
    this.header = readHeaderFd(fd, path);
  }

  static open(file: string): SafetensorsFile {
    if (!fs.existsSync(file)) throw new Error(`safetensors file not found: ${file}`);
    const fd = fs.openSync(file, "r");
    try {
      return new SafetensorsFile(file, fd);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  keys(): string[] {
    return [...this.header.tensors.keys()];
  }

  has(name: string): boolean {
    return this.header.tensors.has(name);
  }

  entry(name: string): SafetensorsEntry {
    const e = this.header.tensors.get(name);
    if (!e) throw new Error(`tensor "${name}" is not in ${this.path}`);
    return e;
  }

  /** Reads and decodes one tensor (F16/BF16/F64 widened to float32, integer types to int32). */
  read(name: string): LoadedTensor {
    if (this.fd === null) throw new Error(`${this.path} was already closed`);
    const e = this.entry(name);
    const [begin, end] = e.dataOffsets;
    const bytes = new Uint8Array(end - begin);
    let done = 0;
    while (done < bytes.length) {
      const n = fs.readSync(this.fd, bytes, done, bytes.length - done, this.header.dataStart + begin + done);
      if (n <= 0) throw new Error(`${this.path}: unexpected end of file reading "${name}"`);
      done += n;
    }
    const count = e.shape.reduce((a, b) => a * b, 1);
    return { dtype: e.dtype, shape: e.shape.slice(), data: decodeTensorBytes(bytes, e.dtype, count, name) };
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** Every tensor of an open tensor file (a safetensors or PyTorch reader), which is then closed. */
export function readAllTensors(f: { keys(): Iterable<string>; read(name: string): LoadedTensor; close(): void }): Map<string, LoadedTensor> {
  try {
    const out = new Map<string, LoadedTensor>();
    for (const name of f.keys()) out.set(name, f.read(name));
    return out;
  } finally {
    f.close();
  }
}

/** Reads every tensor of a safetensors file (fine for small files; large ones: use SafetensorsFile). */
export function readSafetensors(file: string): Map<string, LoadedTensor> {
  return readAllTensors(SafetensorsFile.open(file));
}
