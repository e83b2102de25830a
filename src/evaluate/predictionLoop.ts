// HF's evaluation_loop: the model in eval mode over a dataset in order, collecting logits and labels and the
// mean loss (each batch's mean weighted by its size, as transformers averages the repeated batch losses).
import { tf } from "../backend/tf";
import { disposeBatch } from "../format/index";
import { progressBar } from "../progress";
import type { LossFn, TrainableModel } from "../train/trainStep";
import { InterruptGuard, yieldToEventLoop } from "../train/interrupt";
import { LabeledDataset, makeLoader } from "./dataset";

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
}

export async function predictionLoop(model: TrainableModel, dataset: LabeledDataset, lossFn: LossFn, opts: PredictionLoopOptions): Promise<PredictionLoopResult> {
  const loader = makeLoader(dataset, "the evaluation dataset", { batchSize: opts.batchSize, shuffle: false, dynamicPadding: opts.dynamicPadding });
  const n = loader.numRows;
  if (n === 0) throw new Error("the evaluation dataset is empty");
  const start = performance.now();
  const bar = opts.progress === false ? null : progressBar({ total: loader.numBatches, description: opts.description ?? "Evaluating", unit: "batch" });
  const ownGuard = opts.guard ? null : await InterruptGuard.install("evaluation stops after the current batch");
  const logits: number[][] = [];
  const labels = new Int32Array(n);
  let lossSum = 0;
  let seen = 0;
  let steps = 0;
  try {
    for (const batch of loader.batches(0)) {
      let out: { logits: Float32Array; numLabels: number; loss: number; size: number };
      try {
        out = tf.tidy(() => {
          const { logits: lg } = model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds }, { training: false });
          const loss = lossFn(lg, batch.labels);
          return { logits: lg.dataSync() as Float32Array, numLabels: lg.shape[1] as number, loss: loss.dataSync()[0], size: lg.shape[0] as number };
        });
        labels.set(batch.labels.dataSync() as Int32Array, seen);
      } finally {
        disposeBatch(batch);
      }
      for (let i = 0; i < out.size; i++) logits.push(Array.from(out.logits.subarray(i * out.numLabels, (i + 1) * out.numLabels)));
      lossSum += out.loss * out.size;
      seen += out.size;
      steps += 1;
      bar?.update(steps);
      await yieldToEventLoop();
      // A standalone evaluation stops at an interrupt; inside training (a guard passed in) it runs to the end,
      // short next to training, so the checkpoint that follows gets its metrics.
      if (ownGuard && ownGuard.interrupted) throw new Error(`Evaluation interrupted after ${seen} of ${n} examples; no metrics were computed`);
    }
  } finally {
    bar?.close();
    ownGuard?.release();
  }
  return { logits, labels, loss: lossSum / seen, numSamples: seen, numSteps: steps, runtimeSeconds: (performance.now() - start) / 1000 };
}
