// Binary classification metrics of the tutorial's compute_metrics: accuracy, precision, recall and F1 of the
// positive class (label 1), with scikit-learn's conventions (average="binary", zero_division=0).
import { tf } from "../backends/tf";

// A type alias (not an interface) so it is assignable to Record<string, number> (the Trainer's computeMetrics).
export type ClassificationMetrics = {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
};

/** Integer class ids: numbers, bigints (parquet int64 columns), or typed arrays. */
export type LabelArray = ArrayLike<number> | ArrayLike<bigint>;

/** Logits of shape [n, numLabels]: rows of numbers, or a 2-D tensor. */
export type LogitsInput = ReadonlyArray<ArrayLike<number>> | tf.Tensor;

/**
 * What computeMetrics takes: labels (or HF's `labelIds`) with either predicted class ids or logits.
 * `predictions` may also hold logits rows (HF's EvalPrediction.predictions); they are arg-maxed.
 */
export type MetricsInput =
  | { labels: LabelArray; predictions: LabelArray | LogitsInput }
  | { labels: LabelArray; logits: LogitsInput }
  | { labelIds: LabelArray; predictions: LabelArray | LogitsInput };

function isLogits(x: LabelArray | LogitsInput): x is LogitsInput {
  if (x instanceof tf.Tensor) return x.rank === 2;
  return x.length > 0 && typeof (x as ArrayLike<unknown>)[0] === "object" && (x as ArrayLike<unknown>)[0] !== null;
}

function toIntArray(values: LabelArray, what: string): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isInteger(v)) throw new Error(`${what}[${i}] = ${String(values[i])} is not an integer class id; pass class ids (0/1), not scores`);
    out[i] = v;
  }
  return out;
}

/** Index of the largest value in each row (the first one on ties, like numpy.argmax). */
export function argmaxRows(logits: LogitsInput): Int32Array {
  if (logits instanceof tf.Tensor) {
    if (logits.rank !== 2) throw new Error(`logits must have shape [n, numLabels], got [${logits.shape.join(", ")}]`);
    const [n, k] = logits.shape as [number, number];
    const data = logits.dataSync();
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (data[i * k + j] > data[i * k + best]) best = j;
      out[i] = best;
    }
    return out;
  }
  const out = new Int32Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    const row = logits[i];
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
    out[i] = best;
  }
  return out;
}

/** Counts of true/false positives/negatives for the positive label. */
export interface BinaryCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export function binaryCounts(labels: LabelArray, predictions: LabelArray, positiveLabel = 1): BinaryCounts {
  if (labels.length !== predictions.length) {
    throw new Error(`labels (${labels.length}) and predictions (${predictions.length}) must have the same length`);
  }
  return countBinary(toIntArray(labels, "labels"), toIntArray(predictions, "predictions"), positiveLabel);
}

function countBinary(y: Int32Array, p: Int32Array, positiveLabel: number): BinaryCounts {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < y.length; i++) {
    const truePos = y[i] === positiveLabel;
    const predPos = p[i] === positiveLabel;
    if (truePos && predPos) tp++;
    else if (predPos) fp++;
    else if (truePos) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

/** a / b, or 0 when b is 0 (scikit-learn's zero_division=0). */
function divide(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/**
 * Accuracy, and precision/recall/F1 of the positive class (label 1), as the tutorial's `compute_metrics`
 * computes them with scikit-learn (`precision_recall_fscore_support(average="binary")`, zero division → 0).
 * Takes either predicted class ids or logits (arg-max per row, like `np.argmax(logits, axis=-1)`), so it can
 * be passed as the Trainer's `computeMetrics` directly (it receives { predictions: logits, labelIds, ... }).
 */
export function computeMetrics(input: MetricsInput): ClassificationMetrics {
  const labels = "labels" in input ? input.labels : input.labelIds;
  if (!labels) throw new Error("computeMetrics needs `labels` (or `labelIds`)");
  let predictions: LabelArray;
  if ("logits" in input) predictions = argmaxRows(input.logits);
  else if (isLogits(input.predictions)) predictions = argmaxRows(input.predictions);
  else if (input.predictions instanceof tf.Tensor) predictions = input.predictions.dataSync() as Int32Array;
  else predictions = input.predictions as LabelArray;
  const n = labels.length;
  if (n === 0) throw new Error("computeMetrics needs at least one example (labels is empty)");
  const y = toIntArray(labels, "labels");
  const p = toIntArray(predictions, "predictions");
  if (y.length !== p.length) throw new Error(`labels (${y.length}) and predictions (${p.length}) must have the same length`);
  let correct = 0;
  for (let i = 0; i < n; i++) if (y[i] === p[i]) correct++;
  const { tp, fp, fn } = countBinary(y, p, 1);
  // scikit-learn: precision = tp/(tp+fp), recall = tp/(tp+fn), F1 = 2tp/(2tp+fp+fn) (its F-beta form with beta=1).
  return {
    accuracy: correct / n,
    precision: divide(tp, tp + fp),
    recall: divide(tp, tp + fn),
    f1: divide(2 * tp, 2 * tp + fp + fn),
  };
}
