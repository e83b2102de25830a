// The softmax gradient in float64. The row sum Σⱼ P⊙dP nearly cancels dP where the scores matter, and summed in
// float32 (tf.mul then tf.sum, each rounded) it left wasm's attention gradients 4.0e-5 (of each tensor's max) from
// the exact ones where PyTorch's float32 golden is 3.0e-5 away (test/model.test.ts); products and sums in
// doubles, rounded once, give 1.85e-5. One pass over the rows, reading both inputs once. On wasm the same
// arithmetic runs as a SIMD kernel (src/backends/wasmSimd/: 12–13 ms of JavaScript per quick-model step before).
import type { tf } from "../tf";
import { hostArrays } from "./values";
import { wasmSimdKernels } from "../wasmSimd/index";

/** scale·P⊙(dP − Σⱼ P⊙dP) over the last axis. */
export function softmaxGrad(backend: unknown, probs: tf.TensorInfo, dprobs: tf.TensorInfo, scale: number): tf.TensorInfo {
  const simd = wasmSimdKernels(backend); // first: it may allocate its scratch memory in the heap
  const { outs: [info], outValues: [out], inValues: [p, d] } = hostArrays(backend, [probs.shape], [probs, dprobs]);
  const n = probs.shape[probs.shape.length - 1];
  if (simd?.softmaxGrad(p, d, out, n, scale)) return info;
  for (let r = 0; r < p.length; r += n) {
    let sum = 0;
    for (let j = r; j < r + n; j++) sum += p[j] * d[j];
    for (let j = r; j < r + n; j++) out[j] = p[j] * (d[j] - sum) * scale;
  }
  return info;
}
