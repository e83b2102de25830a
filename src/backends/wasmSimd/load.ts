// The WebAssembly SIMD kernels (kernels.wat) instantiated on a tfjs-wasm backend's own memory. tfjs-backend-wasm
// 4.22 runs one thread under Node, and the JavaScript loops the host kernels ran there before went at one value
// at a time: measured here (AMD EPYC, 2 cores), AdamW over 4.4 M parameters took ≈ 20 ms in JavaScript against
// ≈ 4 ms as f32x4 SIMD, a dropout mask of 2.4 M values ≈ 20 ms against ≈ 8.5 ms. No maintained library offers
// these kernels on a memory it does not own (ONNX Runtime's copy of every output made AdamW there slower than the
// JavaScript loop), so they are written here, small, against the float64 and bit-exact references in
// test/wasmSimd.test.ts.
import { KERNELS_WASM_BASE64 } from "./kernelsWasm";
import type { AdamWStepAttrs } from "../../trainer/adamwKernels";
import type { HeadsShape } from "../host/heads";

// The WebAssembly JavaScript API as used here (the project compiles against ES2022 and Node's types, which do
// not declare it; Node has it as a global).
declare namespace WebAssembly {
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}

/** tfjs-backend-wasm's Emscripten module, as far as these kernels use it. */
interface EmscriptenModule {
  asm?: { memory?: unknown };
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

/** Bytes of scratch memory in the backend's heap: two AdamW chunks of moments, or the float64 sums of LayerNorm's gradient and of the row sums. */
const SCRATCH_BYTES = 128 * 1024;
/** Values per AdamW chunk: the moments pass through the scratch memory in chunks of this size. */
const CHUNK = SCRATCH_BYTES / 8;

interface Exports {
  adamw(p: number, g: number, m: number, v: number, out: number, n: number, scale: number, decay: number, c1: number, b2: number, c2: number, bc2: number, eps: number, negStep: number): void;
  sumOfSquares(x: number, n: number): number;
  layerNormGrad(x: number, gamma: number, dy: number, dx: number, dgamma: number, dbeta: number, rows: number, h: number, eps: number, scratch: number): void;
  dropoutMask(out: number, n: number, threshold: number, keep: number, seed: number): void;
  sumRows(x: number, rows: number, h: number, out: number, scratch: number): void;
  softmaxGrad(p: number, d: number, out: number, rows: number, n: number, scale: number): void;
  splitHeads(x: number, out0: number, out1: number, out2: number, B: number, S: number, parts: number, nh: number, dh: number): void;
  mergeHeads(x: number, out: number, B: number, S: number, parts: number, nh: number, dh: number): void;
  embeddingLookup(table: number, ids: number, n: number, h: number, out: number): void;
  embeddingGrad(ids: number, dy: number, n: number, h: number, rows: number, out: number): void;
}

/**
 * The kernels on one backend's heap. Every Float32Array argument named a view must be a view of that heap taken
 * after the kernel's last allocation (views of a heap that has since grown are detached, and rejected).
 */
export interface WasmSimdKernels {
  /** AdamW on views p, g (read) and out (written; may be p), with the moments m and v anywhere (updated in place). */
  adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, a: AdamWStepAttrs): void;
  /** Σ x² in float64 over a view. */
  sumOfSquares(x: Float32Array): number;
  /** LayerNorm's gradient over views [rows, h]; false (nothing written) where h is not a multiple of 4 or too wide for the scratch. */
  layerNormGrad(x: Float32Array, gamma: Float32Array, dy: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, h: number, eps: number): boolean;
  /** The dropout mask of src/models/dropout.ts, bit for bit, into a view. */
  dropoutMask(out: Float32Array, threshold: number, keep: number, seed: number): void;
  /** Σ over the rows of x [rows, h] in float64 into out [h]; false (nothing written) where h is not a multiple of 4 or too wide. */
  sumRows(x: Float32Array, h: number, out: Float32Array): boolean;
  /** scale·P⊙(dP − Σ P⊙dP) over rows of n values in float64; false (nothing written) where n is not a multiple of 4. */
  softmaxGrad(p: Float32Array, d: Float32Array, out: Float32Array, n: number, scale: number): boolean;
  /** host/heads.ts's splitHeads into 1–3 views; false (nothing written) where dh is not a multiple of 4 or parts > 3. */
  splitHeads(x: Float32Array, outs: Float32Array[], s: HeadsShape): boolean;
  /** host/heads.ts's mergeHeads; false (nothing written) where dh is not a multiple of 4. */
  mergeHeads(x: Float32Array, out: Float32Array, parts: number, s: HeadsShape): boolean;
  /** out [n, h] = table [rows, h] at ids (checked by the caller); false (nothing written) where h is not a multiple of 4. */
  embeddingLookup(table: Float32Array, ids: Int32Array, h: number, out: Float32Array): boolean;
  /** out [rows, h] = Σ dy's rows per id (ids checked by the caller); false (nothing written) where h is not a multiple of 4. */
  embeddingGrad(ids: Int32Array, dy: Float32Array, h: number, out: Float32Array): boolean;
}


let wasmModule: WebAssembly.Module | null | undefined;
let unavailable: string | null = null;
const byBackend = new WeakMap<object, WasmSimdKernels | null>();

function compiled(): WebAssembly.Module | null {
  if (wasmModule === undefined) {
    try {
      wasmModule = new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, "base64"));
    } catch (e) {
      unavailable = `this runtime cannot compile WebAssembly SIMD (${(e as Error).message})`;
      wasmModule = null;
    }
  }
  return wasmModule;
}

/** Why the SIMD kernels are not in use, or null. */
export function wasmSimdUnavailable(): string | null {
  return unavailable;
}

function emscriptenOf(backend: unknown): EmscriptenModule | null {
  const wasm = (backend as { wasm?: EmscriptenModule } | null)?.wasm;
  return wasm && typeof wasm._malloc === "function" ? wasm : null;
}

/** Memory in tfjs-wasm's heap that the caller owns (outside tfjs' tensors), addressed by byte offset. */
export interface WasmHeap {
  /** Allocates `floats` zeroed float32 values; returns the byte offset, or 0 when the heap is full. */
  allocFloats(floats: number): number;
  free(offset: number): void;
  /** A view of `floats` values at `offset` in the current heap (views taken before the heap grew are detached). */
  floats(offset: number, floats: number): Float32Array;
}

/** The heap of `backend` when it is tfjs-wasm's with the SIMD kernels (which read such memory), else null. */
export function wasmHeap(backend: unknown): WasmHeap | null {
  const em = emscriptenOf(backend);
  const memory = em?.asm?.memory;
  if (!em || typeof em._free !== "function" || !(memory instanceof WebAssembly.Memory) || !wasmSimdKernels(backend)) return null;
  return {
    allocFloats(floats) {
      const offset = em._malloc(4 * floats);
      if (offset) new Float32Array(memory.buffer, offset, floats).fill(0);
      return offset;
    },
    free: (offset) => em._free(offset),
    floats: (offset, floats) => new Float32Array(memory.buffer, offset, floats),
  };
}

/** The kernels on `backend`'s heap when it is tfjs-wasm's (its module's memory, not shared), else null. */
export function wasmSimdKernels(backend: unknown): WasmSimdKernels | null {
  if (backend === null || typeof backend !== "object") return null;
  const known = byBackend.get(backend);
  if (known !== undefined) return known;
  const kernels = instantiate(backend);
  byBackend.set(backend, kernels);
  return kernels;
}

function instantiate(backend: object): WasmSimdKernels | null {
  const em = emscriptenOf(backend);
  const memory = em?.asm?.memory;
  if (!em || !(memory instanceof WebAssembly.Memory)) return null;
  const mod = compiled();
  if (!mod) return null;
  let exports: Exports;
  try {
    exports = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as Exports;
  } catch (e) {
    // a shared (threaded) heap does not match the module's plain memory import
    unavailable = `the wasm backend's memory does not fit the SIMD kernels (${(e as Error).message})`;
    return null;
  }
  const scratch = em._malloc(SCRATCH_BYTES);
  if (!scratch) return null;
  return kernelsOn(exports, memory, scratch);
}

function kernelsOn(k: Exports, memory: WebAssembly.Memory, scratch: number): WasmSimdKernels {
  const at = (view: Float32Array | Int32Array, what: string): number => {
    if (view.buffer !== memory.buffer) throw new Error(`wasm SIMD kernel: ${what} is not a view of the backend's current heap (taken before the heap grew?)`);
    return view.byteOffset;
  };
  const scratchView = (offset: number, n: number) => new Float32Array(memory.buffer, scratch + offset, n);
  return {
    adamw(p, g, m, v, out, a) {
      const n = p.length;
      if (g.length !== n || m.length !== n || v.length !== n || out.length !== n) throw new Error("wasm SIMD AdamW: operands differ in length");
      const args = [a.gradScale, 1 - a.lr * a.weightDecay, 1 - a.beta1, a.beta2, 1 - a.beta2, Math.sqrt(1 - Math.pow(a.beta2, a.step)), a.eps, -a.lr / (1 - Math.pow(a.beta1, a.step))] as const;
      const [pp, gp, op] = [at(p, "param"), at(g, "grad"), at(out, "out")];
      if (m.buffer === memory.buffer && v.buffer === memory.buffer) {
        k.adamw(pp, gp, m.byteOffset, v.byteOffset, op, n, ...args);
        return;
      }
      // Moments kept outside the heap pass through the scratch in chunks that stay in cache.
      const sm = scratchView(0, CHUNK);
      const sv = scratchView(CHUNK * 4, CHUNK);
      for (let s = 0; s < n; s += CHUNK) {
        const e = Math.min(n, s + CHUNK);
        const len = e - s;
        sm.set(m.subarray(s, e));
        sv.set(v.subarray(s, e));
        k.adamw(pp + 4 * s, gp + 4 * s, scratch, scratch + CHUNK * 4, op + 4 * s, len, ...args);
        m.set(len === CHUNK ? sm : sm.subarray(0, len), s);
        v.set(len === CHUNK ? sv : sv.subarray(0, len), s);
      }
    },
    sumOfSquares(x) {
      return k.sumOfSquares(at(x, "x"), x.length);
    },
    layerNormGrad(x, gamma, dy, dx, dgamma, dbeta, h, eps) {
      if (h % 4 !== 0 || 24 * h > SCRATCH_BYTES || gamma.length !== h || x.length % h !== 0) return false;
      k.layerNormGrad(at(x, "x"), at(gamma, "gamma"), at(dy, "dy"), at(dx, "dx"), at(dgamma, "dgamma"), at(dbeta, "dbeta"), x.length / h, h, eps, scratch);
      return true;
    },
    dropoutMask(out, threshold, keep, seed) {
      k.dropoutMask(at(out, "out"), out.length, threshold | 0, keep, seed | 0);
    },
    sumRows(x, h, out) {
      if (h % 4 !== 0 || 8 * h > SCRATCH_BYTES || out.length !== h || x.length % h !== 0) return false;
      k.sumRows(at(x, "x"), x.length / h, h, at(out, "out"), scratch);
      return true;
    },
    splitHeads(x, outs, { batch, seq, heads, headSize }) {
      const size = batch * seq * heads * headSize;
      if (headSize % 4 !== 0 || outs.length < 1 || outs.length > 3 || x.length !== outs.length * size || outs.some((o) => o.length !== size)) return false;
      const [o0, o1, o2] = [0, 1, 2].map((i) => (i < outs.length ? at(outs[i], "out") : 0));
      k.splitHeads(at(x, "x"), o0, o1, o2, batch, seq, outs.length, heads, headSize);
      return true;
    },
    mergeHeads(x, out, parts, { batch, seq, heads, headSize }) {
      if (headSize % 4 !== 0 || x.length !== out.length || x.length !== parts * batch * seq * heads * headSize) return false;
      k.mergeHeads(at(x, "x"), at(out, "out"), batch, seq, parts, heads, headSize);
      return true;
    },
    embeddingLookup(table, ids, h, out) {
      if (h % 4 !== 0 || table.length % h !== 0 || out.length !== ids.length * h) return false;
      k.embeddingLookup(at(table, "table"), at(ids, "ids"), ids.length, h, at(out, "out"));
      return true;
    },
    embeddingGrad(ids, dy, h, out) {
      if (h % 4 !== 0 || dy.length !== ids.length * h || out.length % h !== 0) return false;
      k.embeddingGrad(at(ids, "ids"), at(dy, "dy"), ids.length, h, out.length / h, at(out, "out"));
      return true;
    },
    softmaxGrad(p, d, out, n, scale) {
      if (n % 4 !== 0 || p.length % n !== 0 || d.length !== p.length || out.length !== p.length) return false;
      k.softmaxGrad(at(p, "p"), at(d, "dp"), at(out, "out"), p.length / n, n, scale);
      return true;
    },
  };
}
