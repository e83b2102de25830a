// Writes the safetensors format: 8-byte little-endian header length, JSON header padded with spaces to a
// multiple of 8, then the raw tensor bytes. Tensors are ordered by element size (largest first) then name,
// so every tensor starts at an offset aligned to its element size, as the Python writer does.
import * as fs from "node:fs";
import * as path from "node:path";
import { DTYPE_BYTES, encodeTensorBytes, SafetensorsDtype } from "./dtypes";

export interface TensorToWrite {
  /** dtype to store; the data is converted (e.g. Float32Array to F16) when they differ. */
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

function buildHeader(
  tensors: Array<[string, TensorToWrite]>,
  metadata: Record<string, string> | undefined,
): { header: Buffer; order: Array<[string, TensorToWrite]> } {
  const order = tensors.slice().sort((a, b) => DTYPE_BYTES[b[1].dtype] - DTYPE_BYTES[a[1].dtype] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const json: Record<string, unknown> = {};
  if (metadata) json.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const [name, t] of order) {
    if (seen.has(name)) throw new Error(`safetensors: duplicate tensor name "${name}"`);
    seen.add(name);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`safetensors: tensor "${name}" has ${t.data.length} values for shape [${t.shape.join(", ")}] (${count})`);
    }
    const nbytes = count * DTYPE_BYTES[t.dtype];
    json[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + nbytes] };
    offset += nbytes;
  }
  let text = JSON.stringify(json);
  const pad = (8 - (Buffer.byteLength(text, "utf8") % 8)) % 8;
  text += " ".repeat(pad);
  const body = Buffer.from(text, "utf8");
  const header = Buffer.alloc(8 + body.length);
  header.writeBigUInt64LE(BigInt(body.length), 0);
  body.copy(header, 8);
  return { header, order };
}

/**
 * Writes `tensors` to `file` (written to a temporary sibling, fsynced, then renamed into place, so the
 * target is never half-written). `metadata` goes to "__metadata__" (e.g. {format: "pt"}).
 */
export function writeSafetensors(
  file: string,
  tensors: Map<string, TensorToWrite> | Array<[string, TensorToWrite]>,
  metadata: Record<string, string> | undefined = { format: "pt" },
): void {
  const list = tensors instanceof Map ? [...tensors.entries()] : tensors;
  const { header, order } = buildHeader(list, metadata);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}-0`);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, header);
    for (const [, t] of order) {
      const bytes = encodeTensorBytes(t.data, t.dtype);
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    }
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/** The whole file as bytes (for small tensors sets, tests, uploads). */
export function encodeSafetensors(
  tensors: Map<string, TensorToWrite> | Array<[string, TensorToWrite]>,
  metadata: Record<string, string> | undefined = { format: "pt" },
): Uint8Array {
  const list = tensors instanceof Map ? [...tensors.entries()] : tensors;
  const { header, order } = buildHeader(list, metadata);
  const parts: Uint8Array[] = [header];
  for (const [, t] of order) parts.push(encodeTensorBytes(t.data, t.dtype));
  return Buffer.concat(parts);
}
