// Row sums (the bias and LayerNorm parameter gradients) in float64 on the host. On wasm, tf.sum over the first
// axis transposes its input first: the two-level float32 sum it replaces took 3 ms per [2048, 128] gradient in
// a quick-model training step (≈ 86 ms per step in all).
import type { tf } from "../tf";
import { hostArrays } from "./values";

/** Σ over the rows of x [n, h] → [h], accumulated in doubles and rounded once. */
export function sumRows(backend: unknown, x: tf.TensorInfo): tf.TensorInfo {
  const [n, h] = x.shape;
  const { outs: [info], outValues: [out], inValues: [v] } = hostArrays(backend, [[h]], [x]);
  const acc = new Float64Array(h);
  for (let r = 0; r < n; r++) {
    const row = r * h;
    for (let j = 0; j < h; j++) acc[j] += v[row + j];
  }
  out.set(acc);
  return info;
}
