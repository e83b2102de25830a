// ONNX Runtime's CPU kernels (MLAS) for the TensorFlow.js kernels of the host backends (src/backends/host/native.ts):
// the matrix products, exact GELU with its gradient, and LayerNorm (with the residual added first). Measured
// here (AMD EPYC, AVX-512, 2 threads, BERT's shapes at batch 16 × 128): products at 150–370 GFLOP/s, where
// tfjs-wasm's XNNPACK reaches 23–44 GFLOP/s on its one thread and calls with a transpose flag drop to a plain
// loop; GELU on [2048, 512] in 1.7 ms and its gradient in 2.7 ms, against ≈ 3.5 and ≈ 10 ms as tf ops on wasm.
// Each kernel is a small ONNX model with symbolic dimensions (one session serves every shape), run
// synchronously on caller-owned arrays: the inputs are read where they lie and the result is written into the
// output array (on wasm both are views of the heap). onnxruntime-node 1.30 also returns a copy of each output;
// it is freed at once (./freeBuffer.ts: a quick-model step makes ≈ 70 MB of them, which left to the garbage
// collector cost a full collection per step).
import { onnx } from "onnx-proto";
import { OnnxGraphBuilder, floatAttr, intAttr, intsAttr, type OnnxValueSpec } from "../../onnx/onnxGraphBuilder";
import { freeBuffer } from "./freeBuffer";
import { allCores, createNativeSession, loadOnnxRuntime, nativeSessionUnavailable, type NativeSession, type OrtTensor } from "./load";

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** What ONNX Runtime computes for the host kernels. Shapes are those of the operands as stored. */
export interface NativeKernels {
  /** Intra-op threads of the sessions. */
  readonly threads: number;
  /** out [m, n] = op(a)·op(b) (+ bias [n]) for rank-2 a and b. */
  gemm(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], transposeA: boolean, transposeB: boolean, bias: Float32Array | null, out: Float32Array): void;
  /** out [n, m, p] = op(a)·op(b) per slice, for rank-3 a and b with the same leading dimension. */
  batchMatMul(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], transposeA: boolean, transposeB: boolean, out: Float32Array): void;
  /** out = x·Φ(x), exact GELU (erf), elementwise over x [n, h]. */
  gelu(x: Float32Array, shape: number[], out: Float32Array): void;
  /** out = dy·(Φ(x) + x·φ(x)), GELU's gradient, elementwise over x and dy [n, h]. */
  geluGrad(x: Float32Array, dy: Float32Array, shape: number[], out: Float32Array): void;
  /** out = LayerNorm(x (+ residual)) over the last axis of [n, h], with gamma and beta [h]. */
  layerNorm(x: Float32Array, residual: Float32Array | null, gamma: Float32Array, beta: Float32Array, shape: number[], eps: number, out: Float32Array): void;
}

const spec = (name: string, dims: Array<number | string>): OnnxValueSpec => ({ name, elemType: FLOAT, dims });

function encode(g: OnnxGraphBuilder, name: string, inputs: OnnxValueSpec[], output: OnnxValueSpec): Uint8Array {
  return g.encode({ graphName: name, inputs, outputs: [output], opset: 17, producerName: "bert-imdb-ts", producerVersion: "0" });
}

/** Gemm(a, b[, bias]) with the transpose attributes. */
function gemmModel(transA: boolean, transB: boolean, withBias: boolean): Uint8Array {
  const g = new OnnxGraphBuilder();
  for (const n of ["a", "b", "bias"]) g.uniqueName(n);
  const y = g.op("Gemm", withBias ? ["a", "b", "bias"] : ["a", "b"], "product", [intAttr("transA", transA ? 1 : 0), intAttr("transB", transB ? 1 : 0)]);
  g.renameOutput(y, "y");
  const inputs = [spec("a", ["a0", "a1"]), spec("b", ["b0", "b1"]), ...(withBias ? [spec("bias", ["n"])] : [])];
  return encode(g, "gemm", inputs, spec("y", ["m", "n"]));
}

/** MatMul of rank-3 operands, each transposed first where asked (ONNX Runtime folds those into its product). */
function batchMatMulModel(transA: boolean, transB: boolean): Uint8Array {
  const g = new OnnxGraphBuilder();
  for (const n of ["a", "b"]) g.uniqueName(n);
  const operand = (name: string, t: boolean) => (t ? g.op("Transpose", [name], name, [intsAttr("perm", [0, 2, 1])]) : name);
  const y = g.op("MatMul", [operand("a", transA), operand("b", transB)], "product");
  g.renameOutput(y, "y");
  return encode(g, "batch_matmul", [spec("a", ["n", "a1", "a2"]), spec("b", ["n", "b1", "b2"])], spec("y", ["n", "m", "p"]));
}

/** Φ(x) = (1 + erf(x/√2))/2 and, for the gradient, x·φ(x) = x·exp(−x²/2)/√(2π); x [n, h], dy beside it. */
function geluModel(gradient: boolean): Uint8Array {
  const g = new OnnxGraphBuilder();
  for (const n of ["x", "dy"]) g.uniqueName(n);
  const c = (v: number) => g.addFloatScalar("c", v);
  const op = (type: string, ...inputs: string[]) => g.op(type, inputs, "gelu");
  const cdf = op("Mul", op("Add", op("Erf", op("Mul", "x", c(Math.SQRT1_2))), c(1)), c(0.5));
  const y = gradient
    ? op("Mul", "dy", op("Add", cdf, op("Mul", "x", op("Mul", op("Exp", op("Mul", op("Mul", "x", "x"), c(-0.5))), c(1 / Math.sqrt(2 * Math.PI))))))
    : op("Mul", "x", cdf);
  g.renameOutput(y, "y");
  const inputs = [spec("x", ["n", "h"]), ...(gradient ? [spec("dy", ["n", "h"])] : [])];
  return encode(g, gradient ? "gelu_grad" : "gelu", inputs, spec("y", ["n", "h"]));
}

/** LayerNormalization (opset 17) over the last axis of x, or of x + residual. */
function layerNormModel(withResidual: boolean, eps: number): Uint8Array {
  const g = new OnnxGraphBuilder();
  for (const n of ["x", "residual", "gamma", "beta"]) g.uniqueName(n);
  const input = withResidual ? g.op("Add", ["x", "residual"], "layer_norm") : "x";
  const y = g.op("LayerNormalization", [input, "gamma", "beta"], "layer_norm", [intAttr("axis", -1), floatAttr("epsilon", eps)]);
  g.renameOutput(y, "y");
  const inputs = [spec("x", ["n", "h"]), ...(withResidual ? [spec("residual", ["n", "h"])] : []), spec("gamma", ["h"]), spec("beta", ["h"])];
  return encode(g, withResidual ? "add_layer_norm" : "layer_norm", inputs, spec("y", ["n", "h"]));
}

/** Frees the binding's copies of the outputs (the results are already in the caller's arrays). */
function discard(outputs: Record<string, OrtTensor>): void {
  for (const name in outputs) freeBuffer((outputs[name].data as Float32Array).buffer);
}

let kernels: NativeKernels | null | undefined;

/** Why nativeKernels() returned null. */
export function nativeKernelsUnavailable(): string | null {
  return kernels === null ? nativeSessionUnavailable : null;
}

/**
 * ONNX Runtime's kernels on every core, or null when onnxruntime-node or its native session cannot load (the
 * host backends then keep TensorFlow.js's own kernels). Sessions are made at their first use.
 */
export function nativeKernels(): NativeKernels | null {
  if (kernels !== undefined) return kernels;
  const threads = allCores();
  const options = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
    // ONNX Runtime's pool threads spin for a while after each run by default: between products the JavaScript
    // thread computes everything else, and on 2 cores a spinning thread halved its speed (quick-model step
    // 0.19 s with spinning off, 0.38 s on).
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  };
  const probe = createNativeSession(gemmModel(false, false, false), options);
  if (!probe) return (kernels = null);
  const ort = loadOnnxRuntime();
  const sessions = new Map<string, NativeSession>([["gemm000", probe]]);
  const session = (key: string, model: () => Uint8Array): NativeSession => {
    let s = sessions.get(key);
    if (!s) sessions.set(key, (s = createNativeSession(model(), options) as NativeSession));
    return s;
  };
  const t = (data: Float32Array, dims: number[]): OrtTensor => new ort.Tensor("float32", data, dims);
  const bit = (b: boolean) => (b ? "1" : "0");
  kernels = {
    threads,
    gemm(a, aShape, b, bShape, tA, tB, bias, out) {
      const s = session(`gemm${bit(tA)}${bit(tB)}${bit(!!bias)}`, () => gemmModel(tA, tB, !!bias));
      const m = tA ? aShape[1] : aShape[0];
      const n = tB ? bShape[0] : bShape[1];
      const feeds: Record<string, OrtTensor> = { a: t(a, aShape), b: t(b, bShape) };
      if (bias) feeds.bias = t(bias, [n]);
      discard(s.run(feeds, { y: t(out, [m, n]) }, {}));
    },
    batchMatMul(a, aShape, b, bShape, tA, tB, out) {
      const s = session(`bmm${bit(tA)}${bit(tB)}`, () => batchMatMulModel(tA, tB));
      const m = tA ? aShape[2] : aShape[1];
      const p = tB ? bShape[1] : bShape[2];
      discard(s.run({ a: t(a, aShape), b: t(b, bShape) }, { y: t(out, [aShape[0], m, p]) }, {}));
    },
    gelu(x, shape, out) {
      discard(session("gelu", () => geluModel(false)).run({ x: t(x, shape) }, { y: t(out, shape) }, {}));
    },
    geluGrad(x, dy, shape, out) {
      discard(session("geluGrad", () => geluModel(true)).run({ x: t(x, shape), dy: t(dy, shape) }, { y: t(out, shape) }, {}));
    },
    layerNorm(x, residual, gamma, beta, shape, eps, out) {
      const s = session(`layerNorm${bit(!!residual)}:${eps}`, () => layerNormModel(!!residual, eps));
      const feeds: Record<string, OrtTensor> = { x: t(x, shape), gamma: t(gamma, [shape[1]]), beta: t(beta, [shape[1]]) };
      if (residual) feeds.residual = t(residual, shape);
      discard(s.run(feeds, { y: t(out, shape) }, {}));
    },
  };
  return kernels;
}
