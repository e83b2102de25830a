// Kernels of the host backends computed by ONNX Runtime (../onnxruntime/kernels.ts: MLAS on every core; the
// products 5–8× tfjs-wasm's one-thread XNNPACK on BERT's shapes here, GELU's gradient ≈ 4× its tf ops). The
// output is allocated by the backend and ONNX Runtime writes into it, reading the inputs in place (hostArrays
// checks that they are float32).
import type { tf } from "../tf";
import type { NativeKernels } from "../onnxruntime/kernels";
import { hostOutput } from "./values";

/** op(a)·op(b) (+ bias) for rank-2 a and b → [m, n]. */
export function nativeMatMul(native: NativeKernels, backend: unknown, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, bias?: tf.TensorInfo): tf.TensorInfo {
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`nativeMatMul takes rank-2 operands, got [${a.shape}] and [${b.shape}]`);
  const m = transposeA ? a.shape[1] : a.shape[0];
  const n = transposeB ? b.shape[0] : b.shape[1];
  const { out, values, views } = hostOutput(backend, [m, n], bias ? [a, b, bias] : [a, b]);
  native.gemm(views[0], a.shape, views[1], b.shape, transposeA, transposeB, bias ? views[2] : null, values);
  return out;
}

/** op(a)·op(b) per slice for rank-3 a and b with the same leading dimension → [batch, m, p]. */
export function nativeBatchMatMul(native: NativeKernels, backend: unknown, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo {
  if (a.shape.length !== 3 || b.shape.length !== 3 || a.shape[0] !== b.shape[0]) {
    throw new Error(`nativeBatchMatMul takes rank-3 operands with one batch size, got [${a.shape}] and [${b.shape}]`);
  }
  const m = transposeA ? a.shape[2] : a.shape[1];
  const p = transposeB ? b.shape[1] : b.shape[2];
  const { out, values, views } = hostOutput(backend, [a.shape[0], m, p], [a, b]);
  native.batchMatMul(views[0], a.shape, views[1], b.shape, transposeA, transposeB, values);
  return out;
}

/** x as rank 2 [rows, last axis] (GELU is elementwise: any shape is its rows of the last axis). */
function rows2d(x: tf.TensorInfo): number[] {
  const last = x.shape.length ? x.shape[x.shape.length - 1] : 1;
  const size = x.shape.reduce((a, b) => a * b, 1);
  return [last ? size / last : 0, last];
}

/** Exact GELU x·Φ(x), elementwise. */
export function nativeGelu(native: NativeKernels, backend: unknown, x: tf.TensorInfo): tf.TensorInfo {
  const { out, values, views } = hostOutput(backend, x.shape, [x]);
  if (values.length) native.gelu(views[0], rows2d(x), values);
  return out;
}

/** GELU's gradient dy·(Φ(x) + x·φ(x)), elementwise. */
export function nativeGeluGrad(native: NativeKernels, backend: unknown, x: tf.TensorInfo, dy: tf.TensorInfo): tf.TensorInfo {
  const { out, values, views } = hostOutput(backend, x.shape, [x, dy]);
  if (values.length) native.geluGrad(views[0], views[1], rows2d(x), values);
  return out;
}

/** LayerNorm(x (+ residual)) over the last axis, gamma and beta [h]. */
export function nativeLayerNorm(native: NativeKernels, backend: unknown, x: tf.TensorInfo, residual: tf.TensorInfo | null, gamma: tf.TensorInfo, beta: tf.TensorInfo, eps: number): tf.TensorInfo {
  const { out, values, views } = hostOutput(backend, x.shape, residual ? [x, gamma, beta, residual] : [x, gamma, beta]);
  if (values.length) native.layerNorm(views[0], residual ? views[3] : null, views[1], views[2], rows2d(x), eps, values);
  return out;
}
