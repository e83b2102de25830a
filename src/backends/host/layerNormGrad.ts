// LayerNorm's gradient per row in float64: the row's mean, variance and the two sums of the input gradient are
// doubles, and so are the parameter gradients' sums over the rows, each rounded once when stored. It is no
// faster than the ≈ 15 tf ops it replaces on wasm (2.2–2.4 against 1.7–2.3 ms per [2048, 128] call here); it is
// here for accuracy: the five golden AdamW steps came 5.4e-6 from PyTorch's on wasm instead of 8.5e-6, and
// 1.33e-5 instead of 1.72e-5 on cpu (test/train.golden.test.ts). On wasm the same float64 arithmetic runs as a
// SIMD kernel (src/backends/wasmSimd/); the loop below serves cpu, and on wasm rows whose width is not a multiple of 4.
import type { tf } from "../tf";
import { hostArrays } from "./values";
import { wasmSimdKernels } from "../wasmSimd/index";

/**
 * [dx, dgamma, dbeta] of y = x̂·γ + β over the last axis of x [n, h] (x̂ = (x − mean)·rstd, biased variance):
 * dx = (dy·γ − mean(dy·γ) − x̂·mean(dy·γ·x̂))·rstd, dγ = Σ dy·x̂ and dβ = Σ dy over the rows.
 */
export function layerNormGrad(backend: unknown, x: tf.TensorInfo, gamma: tf.TensorInfo, dy: tf.TensorInfo, eps: number): tf.TensorInfo[] {
  const h = x.shape[x.shape.length - 1];
  const n = x.shape.reduce((a, b) => a * b, 1) / h;
  const simd = wasmSimdKernels(backend); // first: it may allocate its scratch memory in the heap
  const { outs, outValues: [dx, dgammaOut, dbetaOut], inValues: [xv, g, d] } = hostArrays(backend, [x.shape, [h], [h]], [x, gamma, dy]);
  if (simd?.layerNormGrad(xv, g, d, dx, dgammaOut, dbetaOut, h, eps)) return outs;
  const dgamma = new Float64Array(h);
  const dbeta = new Float64Array(h);
  const xhat = new Float64Array(h);
  for (let r = 0; r < n; r++) {
    const o = r * h;
    let mean = 0;
    for (let j = 0; j < h; j++) mean += xv[o + j];
    mean /= h;
    let variance = 0;
    for (let j = 0; j < h; j++) {
      const c = xv[o + j] - mean;
      variance += c * c;
    }
    const rstd = 1 / Math.sqrt(variance / h + eps);
    let sum1 = 0;
    let sum2 = 0;
    for (let j = 0; j < h; j++) {
      const xh = (xv[o + j] - mean) * rstd;
      const dyj = d[o + j];
      const dxh = dyj * g[j];
      xhat[j] = xh;
      sum1 += dxh;
      sum2 += dxh * xh;
      dgamma[j] += dyj * xh;
      dbeta[j] += dyj;
    }
    const m1 = sum1 / h;
    const m2 = sum2 / h;
    for (let j = 0; j < h; j++) dx[o + j] = (d[o + j] * g[j] - m1 - xhat[j] * m2) * rstd;
  }
  dgammaOut.set(dgamma);
  dbetaOut.set(dbeta);
  return outs;
}
