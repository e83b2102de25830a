// The attention heads' layout as copies of contiguous rows: tfjs's wasm Transpose of the rank-5 tensor that
// splits the fused projections took 76 ms per call in a quick-model training step (20 % of the step, 2 cores);
// moving each head's row of headSize floats is a memory copy, from the input where it lies into the outputs. On
// wasm a SIMD kernel makes the copies (src/backends/wasmSimd/): the loops below, a typed-array view per row,
// took ≈ 11 ms per quick-model step.
import type { tf } from "../tf";
import { hostArrays } from "./values";
import { wasmSimdKernels } from "../wasmSimd/index";

export interface HeadsShape {
  batch: number;
  seq: number;
  heads: number;
  headSize: number;
}

/** x [B·S, P·nh·dh] (P parts, each head-major, as HF lays out query|key|value) → P tensors [B·nh, S, dh]. */
export function splitHeads(backend: unknown, x: tf.TensorInfo, s: HeadsShape): tf.TensorInfo[] {
  const { batch: B, seq: S, heads: nh, headSize: dh } = s;
  const width = x.shape[1];
  const parts = width / (nh * dh);
  const simd = wasmSimdKernels(backend);
  const { outs: infos, outValues: outs, inValues: [src] } = hostArrays(backend, Array.from({ length: parts }, () => [B * nh, S, dh]), [x]);
  if (simd?.splitHeads(src, outs, s)) return infos;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < S; t++) {
      const row = (b * S + t) * width;
      for (let p = 0; p < parts; p++) {
        for (let h = 0; h < nh; h++) {
          const from = row + (p * nh + h) * dh;
          outs[p].set(src.subarray(from, from + dh), ((b * nh + h) * S + t) * dh);
        }
      }
    }
  }
  return infos;
}

/** The inverse: x [P, B·nh, S, dh] → [B·S, P·nh·dh]. */
export function mergeHeads(backend: unknown, x: tf.TensorInfo, s: HeadsShape): tf.TensorInfo {
  const { batch: B, seq: S, heads: nh, headSize: dh } = s;
  const parts = x.shape[0];
  const width = parts * nh * dh;
  const simd = wasmSimdKernels(backend);
  const { outs: [info], outValues: [out], inValues: [src] } = hostArrays(backend, [[B * S, width]], [x]);
  if (simd?.mergeHeads(src, out, parts, s)) return info;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < S; t++) {
      const row = (b * S + t) * width;
      for (let p = 0; p < parts; p++) {
        for (let h = 0; h < nh; h++) {
          const from = (((p * B + b) * nh + h) * S + t) * dh;
          out.set(src.subarray(from, from + dh), row + (p * nh + h) * dh);
        }
      }
    }
  }
  return info;
}
