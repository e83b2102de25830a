// HF's evaluation_loop: the model in eval mode over a dataset in order, collecting logits and labels and the
// mean loss (each batch's mean weighted by its size, as transformers averages the repeated batch losses).
import { tf } from "../backends/tf";
import { disposeBatch } from "./format";
import { progressBar } from "../progress";
import type { LossFn, TrainableModel } from "./trainStep";
import { InterruptGuard, yieldToEventLoop } from "./interrupt";
import { labelsOf, makeLoader, toLabeledDataset, TrainerDataset } from "./labeledDataset";

export interface PredictionLoopResult {
  /** Logits, one row per example: [n][numLabels]. */
  logits: number[][];
  labels: Int32Array;
  loss: number;
  numSamples: number;
  numSteps: number;
  runtimeSeconds: number;
}

export interface PredictionLoopOptions {
  batchSize: number;
  dynamicPadding?: boolean;
  description?: string;
  /** Show a progress bar (default true). */
  progress?: boolean;
  /** An interrupt guard owned by the caller (e.g. the training loop); by default the loop installs its own. */
  guard?: InterruptGuard;
  /** Batches whose results stay on the device before they are read back (default 8 on webgpu, else 1). */
  readEvery?: number;
}

export async function predictionLoop(model: TrainableModel, dataset: TrainerDataset, lossFn: LossFn, opts: PredictionLoopOptions): Promise<PredictionLoopResult> {
  const loader = makeLoader(dataset, "the evaluation dataset", { batchSize: opts.batchSize, shuffle: false, dynamicPadding: opts.dynamicPadding });
  const n = loader.numRows;
  if (n === 0) throw new Error("the evaluation dataset is empty");
  const start = performance.now();
  const bar = opts.progress === false ? null : progressBar({ total: loader.numBatches, description: opts.description ?? "Evaluating", unit: "batch" });
  const ownGuard = opts.guard ? null : await InterruptGuard.install("evaluation stops after the current batch");
  const logits: number[][] = [];
  // The loader keeps row order (no shuffle), so the labels are the dataset's own, read on the host: reading
  // them back from each batch's tensor would be a synchronous GPU read per batch on webgpu (tfjs drops the
  // host copy of a tensor once it is uploaded).
  const labels = Int32Array.from(labelsOf(toLabeledDataset(dataset, "the evaluation dataset"), "the evaluation dataset"));
  let lossSum = 0;
  let seen = 0;
  let steps = 0;
  // Results stay on the device for up to `readEvery` batches and are read back together: on a GPU the host
  // then queues the next batches while the GPU still computes, instead of waiting for each batch's logits
  // (one synchronous read stalls the queue). On cpu/wasm a read costs nothing and batches are read one by one.
  const readEvery = Math.max(1, opts.readEvery ?? (tf.getBackend() === "webgpu" ? 8 : 1));
  const pending: Array<{ logits: tf.Tensor; loss: tf.Tensor; size: number }> = [];
  const flush = () => {
    if (!pending.length) return;
    try {
      for (const p of pending) {
        const values = p.logits.dataSync() as Float32Array;
        const numLabels = p.logits.shape[1] as number;
        for (let i = 0; i < p.size; i++) logits.push(Array.from(values.subarray(i * numLabels, (i + 1) * numLabels)));
        lossSum += p.loss.dataSync()[0] * p.size;
      }
    } finally {
      for (const p of pending) tf.dispose([p.logits, p.loss]);
      pending.length = 0;
    }
  };
  try {
    for (const batch of loader.batches(0)) {
      let size: number;
      try {
        const out = tf.tidy(() => {
          const { logits: lg } = model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds }, { training: false });
          return { logits: lg, loss: lossFn(lg, batch.labels) };
        });
        size = out.logits.shape[0] as number;
        pending.push({ ...out, size });
      } finally {
        disposeBatch(batch);
      }
      seen += size;
      steps += 1;
      if (pending.length >= readEvery) flush();
      bar?.update(steps);
      await yieldToEventLoop();
      // A standalone evaluation stops at an interrupt; inside training (a guard passed in) it runs to the end,
      // short next to training, so the checkpoint that follows gets its metrics.
      if (ownGuard && ownGuard.interrupted) throw new Error(`Evaluation interrupted after ${seen} of ${n} examples; no metrics were computed`);
    }
    flush();
  } finally {
    for (const p of pending) tf.dispose([p.logits, p.loss]);
    bar?.close();
    ownGuard?.release();
  }
  return { logits, labels, loss: lossSum / seen, numSamples: seen, numSteps: steps, runtimeSeconds: (performance.now() - start) / 1000 };
}
