// Embedding lookups and their gradient as row copies. tfjs-wasm's Gather computes each element's source index
// on its own (≈ 7 ms for 2048 rows of 128 floats in a quick-model step, 2 cores), and the gradient went through
// a ScatterNd; rows are contiguous here, so each lookup is one copy of a row. On wasm the SIMD kernels of
// src/backends/wasmSimd/ copy and add the rows (the gradient's zeroing of a 30522 × 128 table included).
import type { tf } from "../tf";
import { hostArrays } from "./values";
import { wasmSimdKernels } from "../wasmSimd/index";

function checkIds(ids: Int32Array, rows: number): void {
  for (let i = 0; i < ids.length; i++) {
    if (!(ids[i] >= 0 && ids[i] < rows)) throw new RangeError(`embedding: id ${ids[i]} at position ${i} is outside the table's ${rows} rows`);
  }
}

/** table [V, H] at ids [n] → [n, H]. */
export function embeddingLookup(backend: unknown, table: tf.TensorInfo, ids: tf.TensorInfo): tf.TensorInfo {
  const [rows, h] = table.shape;
  const n = ids.shape.reduce((a, b) => a * b, 1);
  const simd = wasmSimdKernels(backend);
  const { outs: [out], outValues: [y], inValues: [t], intValues: [idx] } = hostArrays(backend, [[n, h]], [table], [ids]);
  checkIds(idx, rows);
  if (simd?.embeddingLookup(t, idx, h, y)) return out;
  for (let i = 0; i < n; i++) y.set(t.subarray(idx[i] * h, (idx[i] + 1) * h), i * h);
  return out;
}

/** The table's gradient [rows, H]: row i of dy [n, H] added to row ids[i], in the order of the ids. */
export function embeddingGrad(backend: unknown, ids: tf.TensorInfo, dy: tf.TensorInfo, rows: number): tf.TensorInfo {
  const h = dy.shape[dy.shape.length - 1];
  const simd = wasmSimdKernels(backend);
  const { outs: [out], outValues: [g], inValues: [d], intValues: [idx] } = hostArrays(backend, [[rows, h]], [dy], [ids]);
  checkIds(idx, rows);
  if (simd?.embeddingGrad(idx, d, h, g)) return out;
  g.fill(0);
  for (let i = 0; i < idx.length; i++) {
    const to = idx[i] * h;
    const from = i * h;
    for (let j = 0; j < h; j++) g[to + j] += d[from + j];
  }
  return out;
}
