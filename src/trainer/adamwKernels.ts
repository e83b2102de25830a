// The fused AdamW kernels: one kernel call per variable does the whole update (gradient scaling for clipping,
// decoupled weight decay, both moment updates, bias-corrected step), instead of ~17 tfjs ops per variable.
// Registered with tf.registerKernel for the "cpu" and "wasm" backends (on cpu plain loops over the tensors' typed
// arrays; on wasm the SIMD kernels of src/backends/wasmSimd/ on the heap, or the same loops where those cannot
// load). There the moments are memory the optimizer owns, updated in place and passed as kernel attributes,
// not backend tensors: on wasm a block of its heap when they fit in a budget (the SIMD kernel then reads them
// where they lie), else host Float32Arrays, which pass through the heap in chunks: the heap is capped at 4 GiB,
// and bert-base's moments alone would take 0.9 GiB of it. Other backends (webgpu, webgl, tensorflow) use `adamwStepComposed`,
// built from tf ops, with the moments as tensors.
// A custom WebGPU program can later be registered under the same kernel names for backendName "webgpu"
// (kernelFunc: ({ inputs, backend, attrs }) => backend.runWebGPUProgram(program, [param, grad, m, v], "float32"))
// and is then picked up automatically by `hasFusedAdamW`.
import { tf } from "../backends/tf";
import { wasmHeap, wasmSimdKernels } from "../backends/wasmSimd/index";

export const ADAMW_KERNEL = "BertImdbAdamWStep";
export const SUM_OF_SQUARES_KERNEL = "BertImdbSumOfSquares";
/** Σ over a list of tensors of their sums of squares (inputs passed as an array, like AddN's); webgpu only. */
export const SUM_OF_SQUARES_MANY_KERNEL = "BertImdbSumOfSquaresMany";

/** Hyper-parameters of one AdamW update of one variable (numbers, so they fit tfjs kernel attributes). */
export interface AdamWStepAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based optimizer step count (after incrementing), as torch's state["step"]. */
  step: number;
  /** Factor applied to the gradient first (the clipping coefficient; 1 = none). */
  gradScale: number;
}

type TensorInfo = { dataId: object; shape: number[]; dtype: string };

/** The part of the cpu backend the kernels use. */
interface CpuBackendLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): TensorInfo;
}

/** The part of the wasm backend the kernels use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

function checkFloat32(name: string, t: TensorInfo, size: number): void {
  if (t.dtype !== "float32") throw new Error(`AdamW: ${name} must be float32, got ${t.dtype}`);
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (n !== size) throw new Error(`AdamW: ${name} has ${n} elements, expected ${size} (shape [${t.shape.join(", ")}])`);
}

/**
 * The update of torch.optim.AdamW (decoupled weight decay; torch's fused/foreach math):
 *   g = grad * gradScale;  p -= lr * wd * p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g²;
 *   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * Reads p, g, m, v and writes the new values to outP, outM, outV (which may alias the inputs).
 */
export function adamwUpdateArrays(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  outP: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
  a: AdamWStepAttrs,
): void {
  const b1 = a.beta1;
  const b2 = a.beta2;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const stepSize = a.lr / (1 - Math.pow(b1, a.step));
  // √v / √(1 − β₂ᵗ) as √(v / (1 − β₂ᵗ)): one square root and one division per element, in doubles.
  const invBc2 = 1 / (1 - Math.pow(b2, a.step));
  const decay = 1 - a.lr * a.weightDecay;
  const eps = a.eps;
  const scale = a.gradScale;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i] * scale;
    const mi = b1 * m[i] + c1 * gi;
    const vi = b2 * v[i] + c2 * gi * gi;
    outM[i] = mi;
    outV[i] = vi;
    outP[i] = p[i] * decay - (stepSize * mi) / (Math.sqrt(vi * invBc2) + eps);
  }
}

function sumOfSquares(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

function attrsOf(attrs: Record<string, unknown> | undefined): AdamWStepAttrs {
  const a = (attrs ?? {}) as Record<string, number>;
  for (const k of ["lr", "beta1", "beta2", "eps", "weightDecay", "step", "gradScale"]) {
    if (typeof a[k] !== "number" || !Number.isFinite(a[k])) throw new Error(`AdamW kernel: attribute ${k} must be a finite number, got ${a[k]}`);
  }
  return a as unknown as AdamWStepAttrs;
}

/**
 * Attributes of the host-state kernel: the step's numbers plus the moments, updated in place: two arrays, or on
 * wasm the byte offset of both in its heap (m then v, each as many values as the parameter), which the kernel
 * reads without a copy.
 */
export type AdamWHostAttrs = AdamWStepAttrs & ({ expAvg: Float32Array; expAvgSq: Float32Array } | { expAvgOffset: number });

function hostMoments(attrs: Record<string, unknown> | undefined, size: number): { m: Float32Array; v: Float32Array } {
  const m = attrs?.expAvg;
  const v = attrs?.expAvgSq;
  if (!(m instanceof Float32Array) || !(v instanceof Float32Array)) throw new Error("AdamW kernel: expAvg and expAvgSq must be Float32Arrays");
  if (m.length !== size || v.length !== size) throw new Error(`AdamW kernel: moments have ${m.length}/${v.length} values for a parameter of ${size}`);
  return { m, v };
}

function adamwCpu(args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: Record<string, unknown> }): TensorInfo {
  const { param, grad } = args.inputs;
  const backend = args.backend as CpuBackendLike;
  const a = attrsOf(args.attrs);
  const p = backend.readSync(param.dataId) as Float32Array;
  checkFloat32("param", param, p.length);
  checkFloat32("grad", grad, p.length);
  const { m, v } = hostMoments(args.attrs, p.length);
  const outP = new Float32Array(p.length);
  adamwUpdateArrays(p, backend.readSync(grad.dataId) as Float32Array, m, v, outP, m, v, a);
  return backend.makeTensorInfo(param.shape, "float32", outP);
}

function adamwWasm(args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: Record<string, unknown> }): TensorInfo {
  const { param, grad } = args.inputs;
  const backend = args.backend as WasmBackendLike;
  const a = attrsOf(args.attrs);
  const size = param.shape.reduce((x, y) => x * y, 1);
  checkFloat32("param", param, size);
  checkFloat32("grad", grad, size);
  const heapAt = args.attrs?.expAvgOffset;
  const heap = typeof heapAt === "number" ? wasmHeap(backend) : null;
  if (typeof heapAt === "number" && !heap) throw new Error("AdamW kernel: moments in the wasm heap, but the backend has no SIMD kernels");
  const host = heap ? null : hostMoments(args.attrs, size);
  const simd = wasmSimdKernels(backend);
  const out = backend.makeOutput(param.shape, "float32");
  // Views are taken after the allocations: growing the WASM heap detaches older views.
  const [p, g, o] = [backend.typedArrayFromHeap(param), backend.typedArrayFromHeap(grad), backend.typedArrayFromHeap(out)];
  const { m, v } = heap ? { m: heap.floats(heapAt as number, size), v: heap.floats((heapAt as number) + 4 * size, size) } : (host as { m: Float32Array; v: Float32Array });
  if (simd) simd.adamw(p, g, m, v, o, a);
  else adamwUpdateArrays(p, g, m, v, o, m, v, a);
  return out;
}

function sumSqCpu(args: { inputs: Record<string, TensorInfo>; backend: unknown }): TensorInfo {
  const backend = args.backend as CpuBackendLike;
  const x = args.inputs.x;
  if (x.dtype !== "float32") throw new Error(`sum of squares: x must be float32, got ${x.dtype}`);
  return backend.makeTensorInfo([], "float32", Float32Array.of(sumOfSquares(backend.readSync(x.dataId) as Float32Array)));
}

function sumSqWasm(args: { inputs: Record<string, TensorInfo>; backend: unknown }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs.x;
  if (x.dtype !== "float32") throw new Error(`sum of squares: x must be float32, got ${x.dtype}`);
  const simd = wasmSimdKernels(backend);
  const out = backend.makeOutput([], "float32");
  const values = backend.typedArrayFromHeap(x);
  const s = simd ? simd.sumOfSquares(values) : sumOfSquares(values);
  backend.typedArrayFromHeap(out)[0] = s;
  return out;
}

let registered = false;

/** Registers the fused kernels for cpu and wasm (idempotent; the wasm backend need not be loaded). */
export function registerAdamWKernels(): void {
  if (registered) return;
  registered = true;
  const add = (kernelName: string, backendName: string, kernelFunc: (args: any) => TensorInfo | TensorInfo[]) => {
    if (!tf.getKernel(kernelName, backendName)) tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
  };
  add(ADAMW_KERNEL, "cpu", adamwCpu);
  add(ADAMW_KERNEL, "wasm", adamwWasm);
  add(SUM_OF_SQUARES_KERNEL, "cpu", sumSqCpu);
  add(SUM_OF_SQUARES_KERNEL, "wasm", sumSqWasm);
}

/** True when the active backend has the fused AdamW kernel. */
export function hasFusedAdamW(): boolean {
  registerAdamWKernels();
  return tf.getKernel(ADAMW_KERNEL, tf.getBackend()) != null;
}

/** The same update composed of tf ops, for backends without the fused kernel. Returns [param, m, v]. */
export function adamwStepComposed(param: tf.Tensor, grad: tf.Tensor, m: tf.Tensor, v: tf.Tensor, a: AdamWStepAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const g = a.gradScale === 1 ? grad : tf.mul(grad, a.gradScale);
    const newM = tf.add(tf.mul(m, a.beta1), tf.mul(g, 1 - a.beta1));
    const newV = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(g), 1 - a.beta2));
    const stepSize = a.lr / (1 - Math.pow(a.beta1, a.step));
    const bc2Sqrt = Math.sqrt(1 - Math.pow(a.beta2, a.step));
    const denom = tf.add(tf.div(tf.sqrt(newV), bc2Sqrt), a.eps);
    const newP = tf.sub(tf.mul(param, 1 - a.lr * a.weightDecay), tf.div(tf.mul(newM, stepSize), denom));
    return [newP, newM, newV] as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
}

/**
 * One fused AdamW update of `param` (returns the new value) on a backend with the kernel; `expAvg`/`expAvgSq`
 * are updated in place. Throws where the kernel is missing (use adamwStepComposed there).
 */
export function adamwStepFused(param: tf.Tensor, grad: tf.Tensor, a: AdamWHostAttrs): tf.Tensor {
  if (!hasFusedAdamW()) throw new Error(`the fused AdamW kernel is not registered for backend "${tf.getBackend()}"; use adamwStepComposed`);
  return tf.engine().runKernel(ADAMW_KERNEL, { param, grad }, a as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** Σ‖xᵢ‖² over `xs` as one float32 scalar: one kernel where the backend has the many-input one, else per tensor. */
export function sumOfSquaresOfAll(xs: readonly tf.Tensor[]): tf.Scalar {
  if (tf.getKernel(SUM_OF_SQUARES_MANY_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(SUM_OF_SQUARES_MANY_KERNEL, xs as unknown as tf.NamedTensorMap) as tf.Scalar;
  }
  return tf.tidy(() => {
    const parts = xs.map((g) => sumOfSquaresTensor(g));
    return parts.length === 1 ? parts[0] : tf.addN(parts);
  });
}

/** Sum of the squares of all elements, as a float32 scalar tensor (one kernel on cpu/wasm). */
export function sumOfSquaresTensor(x: tf.Tensor): tf.Scalar {
  registerAdamWKernels();
  if (tf.getKernel(SUM_OF_SQUARES_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(SUM_OF_SQUARES_KERNEL, { x }) as tf.Scalar;
  }
  return tf.tidy(() => tf.sum(tf.square(x)));
}
