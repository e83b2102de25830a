// Row sums (the bias and LayerNorm parameter gradients) in float64 on the host. On wasm, tf.sum over the first
// axis transposes its input first: the two-level float32 sum it replaces took 3 ms per [2048, 128] gradient in
// a quick-model training step (≈ 86 ms per step in all). On wasm a SIMD kernel does the same additions in the same
// order (src/backends/wasmSimd/: ≈ 11 ms of JavaScript per quick-model step before).
import type { tf } from "../tf";
import { hostArrays } from "./values";
import { wasmSimdKernels } from "../wasmSimd/index";

/** Σ over the rows of x [n, h] → [h], accumulated in doubles and rounded once. */
export function sumRows(backend: unknown, x: tf.TensorInfo): tf.TensorInfo {
  const [n, h] = x.shape;
  const simd = wasmSimdKernels(backend); // first: it may allocate its scratch memory in the heap
  const { outs: [info], outValues: [out], inValues: [v] } = hostArrays(backend, [[h]], [x]);
  if (simd?.sumRows(v, h, out)) return info;
  const acc = new Float64Array(h);
  // Four rows per pass over the accumulators (their sum in doubles is exact to 2⁻⁵³ of it): a quarter of the
  // loads and stores of acc, ≈ 2× faster here.
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const [a, b, c, d] = [r * h, (r + 1) * h, (r + 2) * h, (r + 3) * h];
    for (let j = 0; j < h; j++) acc[j] += v[a + j] + v[b + j] + (v[c + j] + v[d + j]);
  }
  for (; r < n; r++) {
    const row = r * h;
    for (let j = 0; j < h; j++) acc[j] += v[row + j];
  }
  out.set(acc);
  return info;
}
