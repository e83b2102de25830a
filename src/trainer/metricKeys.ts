// Builds the metrics dictionary HF's Trainer.evaluate/predict return: <prefix>_loss, the computeMetrics values
// with the prefix, <prefix>_runtime / _samples_per_second / _steps_per_second (rounded like transformers'
// speed_metrics) and, once training has run, epoch.
import type { PredictionLoopResult } from "./predictionLoop";

/** What the Trainer passes to computeMetrics: HF's EvalPrediction fields plus `labels`/`logits` aliases. */
export interface EvalPrediction {
  /** Logits [n][numLabels] (HF: predictions). */
  predictions: number[][];
  /** True labels (HF: label_ids). */
  labelIds: Int32Array;
  /** Same as predictions (so src/metrics' computeMetrics can be passed directly). */
  logits: number[][];
  labels: Int32Array;
}

export type ComputeMetricsFn = (p: EvalPrediction) => Record<string, number>;

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function metricsDict(r: PredictionLoopResult, computeMetrics: ComputeMetricsFn | undefined, prefix: string, epoch: number | undefined): Record<string, number> {
  const out: Record<string, number> = { [`${prefix}_loss`]: r.loss };
  if (computeMetrics) {
    const m = computeMetrics({ predictions: r.logits, labelIds: r.labels, logits: r.logits, labels: r.labels });
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
