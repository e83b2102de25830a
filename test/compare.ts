// Comparison helpers and golden-file types shared by the golden tests (test/model.test.ts,
// test/train.golden.test.ts, test/webgpuGolden.ts, test/onnx*.ts).
import { tf } from "../src/backends/tf";
import type { LoadedTensor } from "../src/safetensors";

/** Largest |a[i] − b[i]|; the arrays must have the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Largest |a[i]|. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Per pair of arrays, max |got − ref| relative to max |ref| (guarded against an all-zero reference). */
export function relMaxDiffs(got: ArrayLike<number>[], ref: ArrayLike<number>[]): number[] {
  return got.map((a, i) => maxAbsDiff(a, ref[i]) / Math.max(maxAbs(ref[i]), 1e-30));
}

/** A tensor read from a golden safetensors file as a tf tensor (float32 or int32). */
export function goldenToTensor(t: LoadedTensor): tf.Tensor {
  return tf.tensor(t.data, t.shape, t.data instanceof Float32Array ? "float32" : "int32");
}

/** golden/tiny-bert/golden.json: the five-step training recipe and what transformers logged. */
export interface GoldenTrain {
  lr: number;
  weight_decay: number;
  max_grad_norm: number;
  n_steps: number;
  optimizer_defaults: { betas: [number, number]; eps: number };
  steps: Array<{ step: number; loss: number; grad_norm_before_clip: number; lr: number }>;
}
