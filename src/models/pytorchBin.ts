// Reads PyTorch state dicts saved with torch.save (pytorch_model.bin), in both of torch's formats, without
// running anything from the file:
//   - zip (torch >= 1.6): <prefix>/data.pkl (the pickle), <prefix>/data/<key> (one entry per storage, stored
//     uncompressed and usually 64-byte aligned), <prefix>/byteorder ("little"/"big"), <prefix>/version;
//   - legacy (torch < 1.6, and _use_new_zipfile_serialization=False): consecutive pickles — the magic number
//     0x1950a86a20f9469cfc6c, the protocol version 1001, a sys_info dict, the object itself, the list of storage
//     keys — then for each key an int64 little-endian element count and the storage's raw little-endian bytes.
// Google's BERT checkpoints on the hub (e.g. google/bert_uncased_L-2_H-128_A-2, uploaded March 2020) ship only
// such a pytorch_model.bin on their main branch, so this is how fromPretrained loads them when there is no
// model.safetensors.
//
// Why hand-written: no maintained npm package reads torch checkpoints safely in Node. Checked with `npm view`:
// "pickleparser" (0.2.1) is a generic pickle reader that resolves globals through a user registry but knows
// nothing of torch's persistent ids, zip layout, legacy storage section, strides or half floats; "jpickle"
// (0.4.1) and "pickle" (0.2.0, spawns a Python process) are old and unmaintained; "pytorch-pickle" and
// "torch-pickle" do not exist. The part needing care — refusing globals — is small enough to own here.
//
// Safety (as torch.load(weights_only=True)): the pickle interpreter below builds only inert data (numbers,
// strings, bytes, lists, tuples, dicts) and refuses, at the GLOBAL/STACK_GLOBAL opcode, every global except
// collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter / _rebuild_parameter_with_state
// and the typed storage classes torch.<X>Storage named in persistent ids. Nothing is ever called or imported.
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { decodeTensorBytes, DecodedArray, DTYPE_BYTES, SafetensorsDtype } from "../safetensors/dtypes";
import { readAllTensors, type LoadedTensor } from "../safetensors/read";
import type { CheckpointTensors } from "./checkpoint";

/** What the file says about one tensor, before its data is read. */
export interface PytorchTensorEntry {
  /** Element type, named as in safetensors (F32, F16, BF16, F64, I64, ...). */
  dtype: SafetensorsDtype;
  shape: number[];
  /** Element strides (torch's tensor.stride()). */
  stride: number[];
  /** Offset of element [0, ..., 0] in its storage, in elements (torch's storage_offset(), plus a legacy view's offset). */
  storageOffset: number;
  /** Key of the storage holding the data (tensors sharing a storage — tied weights, views — share the key). */
  storageKey: string;
}

export type PytorchBinFormat = "zip" | "legacy";

/** A pickle imports a global that a tensor state dict has no use for: refused, nothing was executed. */
export class UnsafePickleError extends Error {
  /** "module.name" of the refused global. */
  readonly global: string;
  constructor(global: string, file: string) {
    super(
      `${file}: refusing to load: its pickle imports the global ${global}, which a tensor state dict does not use ` +
        `(allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.<Type>Storage). ` +
        `Nothing from the file was executed. Only load weights from sources you trust; a safetensors file avoids pickles entirely.`,
    );
    this.name = "UnsafePickleError";
    this.global = global;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The pickle interpreter.

/** A global the pickle named and the allowlist let through (never resolved to anything callable). */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A Python dict or OrderedDict (insertion order kept); `attrs` holds a BUILD state (OrderedDict._metadata). */
export class PyDict {
  readonly items = new Map<unknown, unknown>();
  attrs: unknown = null;
}

/** The storage a persistent id names: ('storage', torch.FloatStorage, key, location, numel[, view_metadata]). */
export interface StorageRef {
  readonly kind: "storage";
  key: string;
  dtype: SafetensorsDtype;
  /** Element count the persistent id announces. */
  numel: number;
  location: string;
  /** Legacy storage views (view_metadata): element offset of the view inside the root storage. */
  viewOffset: number;
}

/** What torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...) would build. */
export interface TensorRef {
  readonly kind: "tensor";
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

const STORAGE_DTYPES: Record<string, SafetensorsDtype> = {
  FloatStorage: "F32",
  DoubleStorage: "F64",
  HalfStorage: "F16",
  BFloat16Storage: "BF16",
  LongStorage: "I64",
  IntStorage: "I32",
  ShortStorage: "I16",
  CharStorage: "I8",
  ByteStorage: "U8",
  BoolStorage: "BOOL",
};

const ALLOWED_GLOBALS = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state",
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`),
]);

function isTensorRef(x: unknown): x is TensorRef {
  return typeof x === "object" && x !== null && (x as TensorRef).kind === "tensor";
}

function isStorageRef(x: unknown): x is StorageRef {
  return typeof x === "object" && x !== null && (x as StorageRef).kind === "storage";
}

/** Raised for malformed pickles (the caller prefixes the file name). */
class PickleError extends Error {}

export interface UnpickleOptions {
  /** File name used in error messages. */
  file?: string;
  /** Called for BINPERSID / PERSID; default: persistent ids are refused. */
  persistentLoad?: (pid: unknown) => unknown;
}

export interface UnpickleResult {
  value: unknown;
  /** Offset just past the STOP opcode (where a following pickle starts). */
  end: number;
}

const MARK = Symbol("mark");

function asInt(v: unknown, what: string): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  throw new PickleError(`${what} is not an integer (${describeValue(v)})`);
}

function describeValue(v: unknown): string {
  if (v === null) return "None";
  if (Array.isArray(v)) return `a tuple/list of ${v.length}`;
  if (v instanceof PyGlobal) return v.qualified;
  if (v instanceof PyDict) return "a dict";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return typeof v === "object" ? "an object" : String(v);
}

function intFromBytesLE(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Calls an allowlisted global with `args` — i.e. builds the inert value torch would. */
function reduce(fn: unknown, args: unknown): unknown {
  if (!(fn instanceof PyGlobal)) throw new PickleError(`REDUCE on ${describeValue(fn)}, which is not an allowed callable`);
  if (!Array.isArray(args)) throw new PickleError(`REDUCE arguments of ${fn.qualified} are not a tuple`);
  switch (fn.qualified) {
    case "collections.OrderedDict": {
      const d = new PyDict();
      if (args.length > 0 && args[0] !== null) {
        const src = args[0];
        const pairs = src instanceof PyDict ? [...src.items] : Array.isArray(src) ? src : null;
        if (!pairs) throw new PickleError("collections.OrderedDict called with a non-iterable argument");
        for (const p of pairs) {
          if (!Array.isArray(p) || p.length !== 2) throw new PickleError("collections.OrderedDict called with items that are not pairs");
          d.items.set(p[0], p[1]);
        }
      }
      return d;
    }
    case "torch._utils._rebuild_tensor_v2": {
      const [storage, offset, size, stride] = args;
      if (args.length < 6 || !isStorageRef(storage)) throw new PickleError("torch._utils._rebuild_tensor_v2 called without a storage");
      if (!Array.isArray(size) || !Array.isArray(stride) || size.length !== stride.length) {
        throw new PickleError("torch._utils._rebuild_tensor_v2 called with a bad size/stride");
      }
      const shape = size.map((d) => asInt(d, "a tensor dimension"));
      const strides = stride.map((s) => asInt(s, "a tensor stride"));
      if (shape.some((d) => d < 0) || strides.some((s) => s < 0)) throw new PickleError(`tensor with negative size or stride [${shape}] / [${strides}]`);
      const ref: TensorRef = { kind: "tensor", storage, offset: asInt(offset, "a storage offset"), shape, stride: strides };
      if (ref.offset < 0) throw new PickleError(`negative storage offset ${ref.offset}`);
      return ref;
    }
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state": {
      if (!isTensorRef(args[0])) throw new PickleError(`${fn.qualified} called without a tensor`);
      return args[0];
    }
    default:
      throw new PickleError(`${fn.qualified} is not callable here`);
  }
}

/**
 * Interprets one pickle (protocols 0–5, the opcodes torch state dicts use) starting at `start` of `data`.
 * Globals outside the allowlist throw UnsafePickleError; nothing is executed.
 */
export function unpickle(data: Uint8Array, start = 0, opts: UnpickleOptions = {}): UnpickleResult {
  const file = opts.file ?? "pickle";
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const memo = new Map<number, unknown>();
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  let pos = start;

  const need = (n: number) => {
    if (n < 0 || pos + n > data.length) throw new PickleError(`truncated pickle (needs ${n} bytes at offset ${pos}, has ${data.length - pos})`);
  };
  const u8 = () => {
    need(1);
    return data[pos++];
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError(`length ${v} too large`);
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    const b = data.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const line = () => {
    let end = pos;
    while (end < data.length && data[end] !== 0x0a) end++;
    if (end >= data.length) throw new PickleError(`truncated pickle (unterminated line at offset ${pos})`);
    const s = Buffer.from(data.subarray(pos, end)).toString("latin1");
    pos = end + 1;
    return s;
  };
  const utf8 = (n: number) => Buffer.from(take(n)).toString("utf8");
  const pop = () => {
    if (stack.length === 0) throw new PickleError(`stack underflow at offset ${pos - 1}`);
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) throw new PickleError(`stack underflow at offset ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) throw new PickleError(`MARK missing at offset ${pos - 1}`);
    stack = prev;
    return items;
  };
  // Not `stack.push(popMark())`: popMark replaces `stack`, and push would be looked up on the old one first.
  const pushMarked = () => {
    const items = popMark();
    stack.push(items);
  };
  const getMemo = (i: number) => {
    if (!memo.has(i)) throw new PickleError(`memo entry ${i} used before it was stored`);
    return memo.get(i);
  };
  const global = (module: string, name: string) => {
    const q = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(q)) throw new UnsafePickleError(q, file);
    return new PyGlobal(module, name);
  };
  const setItems = (target: unknown, kv: unknown[]) => {
    if (!(target instanceof PyDict)) throw new PickleError(`SETITEM(S) on ${describeValue(target)}`);
    if (kv.length % 2) throw new PickleError("SETITEMS with an odd number of items");
    for (let i = 0; i < kv.length; i += 2) target.items.set(kv[i], kv[i + 1]);
  };
  const appendItems = (target: unknown, xs: unknown[]) => {
    if (!Array.isArray(target)) throw new PickleError(`APPEND(S) on ${describeValue(target)}`);
    target.push(...xs);
  };
  const persistent = (pid: unknown) => {
    if (!opts.persistentLoad) throw new PickleError("persistent id found where none is allowed");
    return opts.persistentLoad(pid);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleError(`unsupported pickle protocol ${data[pos - 1]}`);
        break;
      case 0x95: // FRAME (length only; the data follows inline)
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || metastack.length) throw new PickleError(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length) pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x8f: // EMPTY_SET
        stack.push([]);
        break;
      case 0x74: // TUPLE
        pushMarked();
        break;
      case 0x6c: // LIST
        pushMarked();
        break;
      case 0x91: // FROZENSET
        pushMarked();
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(getMemo(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(getMemo(u32()));
        break;
      case 0x67: // GET
        stack.push(getMemo(Number(line())));
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(intFromBytesLE(take(u8())));
        break;
      case 0x8b: {
        // LONG4
        need(4);
        const n = view.getInt32(pos, true);
        pos += 4;
        stack.push(intFromBytesLE(take(n)));
        break;
      }
      case 0x49: {
        // INT (protocol 0; "01"/"00" are True/False)
        const s = line();
        stack.push(s === "01" ? true : s === "00" ? false : Number(s));
        break;
      }
      case 0x4c: // LONG (protocol 0)
        stack.push(Number(line().replace(/L$/, "")));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: // FLOAT (protocol 0)
        stack.push(Number(line()));
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(u8()));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(u32()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(u64()));
        break;
      case 0x55: // SHORT_BINSTRING (Python 2 str)
        stack.push(Buffer.from(take(u8())).toString("latin1"));
        break;
      case 0x54: // BINSTRING
        stack.push(Buffer.from(take(u32())).toString("latin1"));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") throw new PickleError("STACK_GLOBAL on non-strings");
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(reduce(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args) — only OrderedDict is a class we build
        const args = pop();
        const cls = pop();
        if (!(cls instanceof PyGlobal) || cls.qualified !== "collections.OrderedDict") {
          throw new PickleError(`NEWOBJ of ${describeValue(cls)} is not supported`);
        }
        if (!Array.isArray(args)) throw new PickleError("NEWOBJ arguments are not a tuple");
        stack.push(reduce(cls, [])); // OrderedDict.__new__ ignores its arguments
        break;
      }
      case 0x62: {
        // BUILD: set state on the object below (only dicts; tensors ignore it as torch's rebuild does)
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict) obj.attrs = state;
        else if (!isTensorRef(obj)) throw new PickleError(`BUILD on ${describeValue(obj)}`);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const xs = popMark();
        appendItems(top(), xs);
        break;
      }
      case 0x90: {
        // ADDITEMS (sets, kept as arrays)
        const xs = popMark();
        appendItems(top(), xs);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x50: // PERSID (protocol 0: the id is a line)
        stack.push(persistent(line()));
        break;
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16).padStart(2, "0")} at offset ${at}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The two container formats.

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

interface StorageData {
  /** Absolute file offset of the storage's first byte (stored entries), or -1 when `inflated` holds the bytes. */
  fileOffset: number;
  nbytes: number;
  inflated?: Uint8Array;
  /** zip entry needing inflation on first use. */
  deflated?: { offset: number; size: number };
}

function readAt(fd: number, position: number, length: number, file: string): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, position + done);
    if (n <= 0) throw new Error(`${file}: unexpected end of file at byte ${position + done} (truncated download?)`);
    done += n;
  }
  return out;
}

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function readZipDirectory(fd: number, fileSize: number, bad: (what: string) => never): ZipEntry[] {
  const tailLen = Math.min(fileSize, 65535 + 22 + 20);
  const tail = readAt(fd, fileSize - tailLen, tailLen, "");
  const tv = new DataView(tail.buffer);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad("zip end-of-central-directory record not found");
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== 0x07064b50) bad("zip64 locator missing");
    const z64Offset = Number(tv.getBigUint64(loc + 8, true));
    const z = new DataView(readAt(fd, z64Offset, 56, "").buffer);
    if (z.getUint32(0, true) !== 0x06064b50) bad("zip64 end-of-central-directory record not found");
    count = Number(z.getBigUint64(32, true));
    cdSize = Number(z.getBigUint64(40, true));
    cdOffset = Number(z.getBigUint64(48, true));
  }
  if (cdOffset + cdSize > fileSize) bad("zip central directory lies past the end of the file (truncated?)");
  const cd = readAt(fd, cdOffset, cdSize, "");
  const v = new DataView(cd.buffer);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || v.getUint32(p, true) !== 0x02014b50) bad("corrupt zip central directory");
    const method = v.getUint16(p + 10, true);
    let compressedSize = v.getUint32(p + 20, true);
    let size = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let localOffset = v.getUint32(p + 42, true);
    const name = Buffer.from(cd.subarray(p + 46, p + 46 + nameLen)).toString("utf8");
    // zip64 extended information: the 64-bit values of the fields set to 0xffffffff, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = v.getUint16(e, true);
      const len = v.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => {
          const x = Number(v.getBigUint64(q, true));
          q += 8;
          return x;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, localOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

function prod(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * An open pytorch_model.bin (either torch format). The pickle is parsed at open; tensor data is read on demand,
 * one tensor at a time, straight from the file. Call `close()` when done.
 */
export class PytorchBinFile implements CheckpointTensors {
  readonly format: PytorchBinFormat;
  private fd: number | null;
  private readonly tensors = new Map<string, TensorRef>();
  private readonly storages = new Map<string, StorageData>();
  private bigEndian = false;
  /** dtype of each storage key as the first persistent id naming it says (legacy element sizes, as in torch). */
  private readonly storageDtypes = new Map<string, SafetensorsDtype>();

  private constructor(readonly path: string, fd: number) {
    this.fd = fd;
    const size = fs.fstatSync(fd).size;
    const head = readAt(fd, 0, Math.min(size, 4), path);
    if (size >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
      this.format = "zip";
      this.openZip(fd, size);
    } else if (size >= 2 && head[0] === 0x80) {
      this.format = "legacy";
      this.openLegacy(fd, size);
    } else {
      this.fail(
        size === 0
          ? "the file is empty (an interrupted download?)"
          : "neither torch's zip format nor its legacy pickle format (a tar-format checkpoint from torch < 0.4, a TensorFlow file or an HTML error page?)",
      );
    }
  }

  static open(file: string): PytorchBinFile {
    if (!fs.existsSync(file)) throw new Error(`PyTorch checkpoint not found: ${file}`);
    const fd = fs.openSync(file, "r");
    try {
      return new PytorchBinFile(file, fd);
    } catch (err) {
      fs.closeSync(fd);
      if (err instanceof PickleError) throw new Error(`${file} is not a valid PyTorch checkpoint: ${err.message}`);
      throw err;
    }
  }

  private fail(what: string): never {
    throw new Error(`${this.path} is not a valid PyTorch checkpoint: ${what}`);
  }

  /** The persistent_load both formats share: ('storage', torch.XStorage, key, location, numel[, view_metadata]). */
  private readonly persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5) {
      throw new PickleError(`unsupported persistent id ${describeValue(Array.isArray(pid) ? pid[0] : pid)} (only tensor storages are read)`);
    }
    const [, type, key, location, numel, view] = pid;
    const dtype = type instanceof PyGlobal && type.module === "torch" ? STORAGE_DTYPES[type.name] : undefined;
    if (!dtype) throw new PickleError(`persistent id names an unsupported storage type ${describeValue(type)}`);
    if (typeof key !== "string") throw new PickleError("storage key is not a string");
    let viewOffset = 0;
    if (view !== undefined && view !== null) {
      if (!Array.isArray(view) || view.length !== 3) throw new PickleError("bad storage view metadata");
      viewOffset = asInt(view[1], "a storage view offset");
    }
    if (!this.storageDtypes.has(key)) this.storageDtypes.set(key, dtype);
    return { kind: "storage", key, dtype, numel: asInt(numel, "a storage size"), location: String(location), viewOffset };
  };

  private collect(obj: unknown): void {
    const fromDict = (d: unknown): number => {
      if (!(d instanceof PyDict)) return 0;
      let n = 0;
      for (const [k, v] of d.items) {
        if (typeof k === "string" && isTensorRef(v)) {
          this.tensors.set(k, v);
          n++;
        }
      }
      return n;
    };
    if (!(obj instanceof PyDict)) this.fail(`the pickled object is ${describeValue(obj)}, not a state dict`);
    if (fromDict(obj) > 0) return;
    // A training checkpoint wrapping the weights: {"state_dict": {...}} or {"model": {...}}.
    for (const k of ["state_dict", "model_state_dict", "model"]) if (fromDict(obj.items.get(k)) > 0) return;
    this.fail("the pickled dict holds no tensors");
  }

  private openZip(fd: number, size: number): void {
    const entries = readZipDirectory(fd, size, (w) => this.fail(w));
    const pkl = entries.find((e) => /^[^/]+\/data\.pkl$/.test(e.name)) ?? entries.find((e) => e.name.endsWith("data.pkl"));
    if (!pkl) this.fail("a zip without data.pkl (not written by torch.save?)");
    const prefix = pkl.name.slice(0, -"data.pkl".length);
    const dataOf = (e: ZipEntry): StorageData => {
      const local = readAt(fd, e.localOffset, 30, this.path);
      const lv = new DataView(local.buffer);
      if (lv.getUint32(0, true) !== 0x04034b50) this.fail(`corrupt zip entry ${e.name}`);
      const offset = e.localOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
      if (offset + e.compressedSize > size) this.fail(`zip entry ${e.name} runs past the end of the file (truncated download?)`);
      if (e.method === 0) return { fileOffset: offset, nbytes: e.size };
      if (e.method === 8) return { fileOffset: -1, nbytes: e.size, deflated: { offset, size: e.compressedSize } };
      this.fail(`zip entry ${e.name} uses compression method ${e.method} (only stored and deflate are read)`);
    };
    const bytesOf = (e: ZipEntry) => this.storageBytes(dataOf(e), 0, e.size);
    const byteorder = entries.find((e) => e.name === `${prefix}byteorder`);
    if (byteorder) {
      const order = Buffer.from(bytesOf(byteorder)).toString("latin1").trim();
      if (order !== "little" && order !== "big") this.fail(`unknown byteorder "${order}"`);
      this.bigEndian = order === "big";
    }
    const { value } = unpickle(bytesOf(pkl), 0, { file: this.path, persistentLoad: this.persistentLoad });
    this.collect(value);
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const t of this.tensors.values()) {
      const key = t.storage.key;
      if (this.storages.has(key)) continue;
      const e = byName.get(`${prefix}data/${key}`);
      if (!e) this.fail(`storage ${key} has no entry ${prefix}data/${key}`);
      this.storages.set(key, dataOf(e));
    }
  }

  private openLegacy(fd: number, size: number): void {
    // The pickles are read from a growing prefix of the file; the storages after them are only located.
    let buf = readAt(fd, 0, Math.min(size, 1 << 20), this.path);
    const next = (start: number, persistentLoad?: (pid: unknown) => unknown) => {
      for (;;) {
        try {
          return unpickle(buf, start, { file: this.path, persistentLoad });
        } catch (err) {
          if (!(err instanceof PickleError) || !err.message.startsWith("truncated pickle") || buf.length >= size) throw err;
          buf = readAt(fd, 0, Math.min(size, buf.length * 4), this.path);
        }
      }
    };
    const magic = next(0);
    if (magic.value !== LEGACY_MAGIC) this.fail("the first pickle is not torch's magic number");
    const proto = next(magic.end);
    if (proto.value !== LEGACY_PROTOCOL) this.fail(`legacy protocol version ${String(proto.value)} (expected ${LEGACY_PROTOCOL})`);
    const sysInfo = next(proto.end);
    if (sysInfo.value instanceof PyDict && sysInfo.value.items.get("little_endian") === false) {
      this.fail("saved on a big-endian machine (legacy format): re-save it there with torch.save to the zip format");
    }
    const main = next(sysInfo.end, this.persistentLoad);
    this.collect(main.value);
    const keys = next(main.end);
    if (!Array.isArray(keys.value)) this.fail("the storage key list is missing");
    let pos = keys.end;
    for (const key of keys.value as unknown[]) {
      if (typeof key !== "string") this.fail("a storage key is not a string");
      if (pos + 8 > size) this.fail(`storage ${key} starts past the end of the file (truncated download?)`);
      const count = new DataView(readAt(fd, pos, 8, this.path).buffer).getBigInt64(0, true);
      const dtype = this.storageDtypes.get(key);
      if (!dtype) this.fail(`storage ${key} is listed but no persistent id names it`);
      const elem = DTYPE_BYTES[dtype];
      const nbytes = Number(count) * elem;
      if (count < 0n || pos + 8 + nbytes > size) this.fail(`storage ${key} (${count} elements) runs past the end of the file (truncated download?)`);
      this.storages.set(key, { fileOffset: pos + 8, nbytes });
      pos += 8 + nbytes;
    }
    for (const t of this.tensors.values()) if (!this.storages.has(t.storage.key)) this.fail(`storage ${t.storage.key} is not in the file`);
  }

  private storageBytes(s: StorageData, begin: number, length: number): Uint8Array {
    if (this.fd === null) throw new Error(`${this.path} was already closed`);
    if (begin < 0 || begin + length > s.nbytes) throw new Error(`internal: read [${begin}, ${begin + length}) of a ${s.nbytes}-byte storage`);
    if (s.deflated && !s.inflated) {
      s.inflated = new Uint8Array(zlib.inflateRawSync(readAt(this.fd, s.deflated.offset, s.deflated.size, this.path)));
      if (s.inflated.length !== s.nbytes) this.fail("a deflated zip entry has the wrong size");
    }
    if (s.inflated) return s.inflated.slice(begin, begin + length);
    return readAt(this.fd, s.fileOffset + begin, length, this.path);
  }

  keys(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  entry(name: string): PytorchTensorEntry {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`tensor "${name}" is not in ${this.path}`);
    return { dtype: t.storage.dtype, shape: t.shape.slice(), stride: t.stride.slice(), storageOffset: t.storage.viewOffset + t.offset, storageKey: t.storage.key };
  }

  /** Reads one tensor as a contiguous row-major array (views and strides resolved; F16/BF16/F64 widened to float32, integers to int32). */
  read(name: string): LoadedTensor {
    const e = this.entry(name);
    const s = this.storages.get(e.storageKey);
    if (!s) throw new Error(`internal: no storage ${e.storageKey}`);
    const elem = DTYPE_BYTES[e.dtype];
    const count = prod(e.shape);
    const storageElems = Math.floor(s.nbytes / elem);
    let out: Uint8Array;
    if (count === 0) {
      out = new Uint8Array(0);
    } else {
      let last = e.storageOffset;
      for (let i = 0; i < e.shape.length; i++) last += (e.shape[i] - 1) * e.stride[i];
      if (last >= storageElems) {
        this.fail(`tensor "${name}" (shape [${e.shape}], strides [${e.stride}], offset ${e.storageOffset}) reaches element ${last} of a ${storageElems}-element storage`);
      }
      let contiguous = true;
      for (let i = e.shape.length - 1, expect = 1; i >= 0; i--) {
        if (e.shape[i] !== 1 && e.stride[i] !== expect) contiguous = false;
        expect *= e.shape[i];
      }
      if (contiguous) {
        out = this.storageBytes(s, e.storageOffset * elem, count * elem);
      } else {
        // Read the span the view touches, then gather its elements in row-major order, as whole words (bit
        // patterns copied, never converted); 8-byte elements as two 32-bit words.
        const span = this.storageBytes(s, e.storageOffset * elem, (last - e.storageOffset + 1) * elem);
        out = new Uint8Array(count * elem);
        const words = elem === 8 ? 2 : 1;
        const View = elem === 1 ? Uint8Array : elem === 2 ? Uint16Array : Uint32Array;
        const from = new View(span.buffer, span.byteOffset, span.byteLength / View.BYTES_PER_ELEMENT);
        const to = new View(out.buffer, 0, out.byteLength / View.BYTES_PER_ELEMENT);
        const rank = e.shape.length;
        const idx = new Array<number>(rank).fill(0);
        let src = 0;
        for (let k = 0; k < count; k++) {
          if (words === 1) to[k] = from[src];
          else {
            to[2 * k] = from[2 * src];
            to[2 * k + 1] = from[2 * src + 1];
          }
          for (let d = rank - 1; d >= 0; d--) {
            idx[d]++;
            src += e.stride[d];
            if (idx[d] < e.shape[d]) break;
            src -= e.stride[d] * e.shape[d];
            idx[d] = 0;
          }
        }
      }
    }
    if (this.bigEndian && elem > 1) {
      for (let i = 0; i < out.length; i += elem) out.subarray(i, i + elem).reverse();
    }
    const data: DecodedArray = decodeTensorBytes(out, e.dtype, count, name);
    return { dtype: e.dtype, shape: e.shape, data };
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
    for (const s of this.storages.values()) delete s.inflated;
  }
}

/** Reads every tensor of a pytorch_model.bin (either torch format) into memory. */
export function readPytorchBin(file: string): Map<string, LoadedTensor> {
  return readAllTensors(PytorchBinFile.open(file));
}

/**
 * True when `file` should be read as a torch checkpoint: named *.bin / *.pt / *.pth, or (another name) starting
 * with a zip or pickle signature. *.safetensors is never one.
 */
export function isPytorchCheckpoint(file: string): boolean {
  if (/\.safetensors$/i.test(file)) return false;
  if (/\.(bin|pt|pth)$/i.test(file)) return true;
  try {
    const fd = fs.openSync(file, "r");
    try {
      const b = new Uint8Array(4);
      const n = fs.readSync(fd, b, 0, 4, 0);
      return (n === 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) || (n >= 2 && b[0] === 0x80 && b[1] >= 2 && b[1] <= 5);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}
