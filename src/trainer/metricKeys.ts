// Builds the metrics dictionary HF's Trainer.evaluate/predict return: <prefix>_loss, the computeMetrics values
// with the prefix, <prefix>_runtime / _samples_per_second / _steps_per_second (rounded like transformers'
// speed_metrics) and, once training has run, epoch.
import { tf } from "../backends/tf";
import type { PredictionLoopResult } from "./predictionLoop";

/**
 * What the Trainer passes to computeMetrics: HF's EvalPrediction as tensors (predictions: logits [n, numLabels],
 * labelIds [n]), so `pred.predictions.argMax(-1)` reads as in Python; the tensors are disposed after the call.
 * `logits`/`labels` hold the same values as plain arrays.
 */
export interface EvalPrediction {
  predictions: tf.Tensor2D;
  labelIds: tf.Tensor1D;
  logits?: number[][];
  labels?: Int32Array;
}

export type ComputeMetricsFn = (p: EvalPrediction) => Record<string, number>;

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function metricsDict(r: PredictionLoopResult, computeMetrics: ComputeMetricsFn | undefined, prefix: string, epoch: number | undefined): Record<string, number> {
  const out: Record<string, number> = { [`${prefix}_loss`]: r.loss };
  if (computeMetrics) {
    const m = tf.tidy(() => {
      const k = r.logits[0]?.length ?? 0;
      const flat = new Float32Array(r.logits.length * k);
      r.logits.forEach((row, i) => flat.set(row, i * k));
      const predictions = tf.tensor2d(flat, [r.logits.length, k]);
      const labelIds = tf.tensor1d(r.labels, "int32");
      const out = computeMetrics({ predictions, labelIds, logits: r.logits, labels: r.labels });
      if (out instanceof Promise) throw new Error("computeMetrics must return its metrics directly, not a Promise");
      return out as unknown as tf.TensorContainer;
    }) as unknown as Record<string, number>;
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== "number") throw new Error(`computeMetrics returned ${k} = ${JSON.stringify(v)}; metrics must be numbers`);
      out[k.startsWith(`${prefix}_`) ? k : `${prefix}_${k}`] = v;
    }
  }
  const t = r.runtimeSeconds;
  out[`${prefix}_runtime`] = round(t, 4);
  out[`${prefix}_samples_per_second`] = round(r.numSamples / t, 3);
  out[`${prefix}_steps_per_second`] = round(r.numSteps / t, 3);
  if (epoch !== undefined) out.epoch = epoch;
  return out;
}
