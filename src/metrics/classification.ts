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
  | { labels: LabelArray | tf.Tensor; predictions: LabelArray | LogitsInput }
  | { labels: LabelArray | tf.Tensor; logits: LogitsInput }
  | { labelIds: LabelArray | tf.Tensor; predictions: LabelArray | LogitsInput };

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
  const given = "labels" in input ? input.labels : input.labelIds;
  const labels = given instanceof tf.Tensor ? classIds(given, "labels") : given;
  if (!labels) throw new Error("computeMetrics needs `labels` (or `labelIds`)");
  let predictions: LabelArray;
  if ("logits" in input) predictions = argmaxRows(input.logits);
  else if (isLogits(input.predictions)) predictions = argmaxRows(input.predictions);
  else if (input.predictions instanceof tf.Tensor) predictions = classIds(input.predictions, "predictions");
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

/** Class ids from labels or predictions given as arrays, bigint arrays or 1-D tensors. */
export type ClassIds = LabelArray | tf.Tensor;

function classIds(values: ClassIds, what: string): Int32Array {
  if (values instanceof tf.Tensor) {
    if (values.rank !== 1) throw new Error(`${what} must be a 1-D tensor of class ids, got shape [${values.shape.join(", ")}] (arg-max logits first: logits.argMax(-1))`);
    return toIntArray(values.dataSync() as unknown as ArrayLike<number>, what);
  }
  return toIntArray(values, what);
}

function pairOf(yTrue: ClassIds, yPred: ClassIds): [Int32Array, Int32Array] {
  const y = classIds(yTrue, "yTrue");
  const p = classIds(yPred, "yPred");
  if (y.length !== p.length) throw new Error(`yTrue (${y.length}) and yPred (${p.length}) must have the same length`);
  return [y, p];
}

/** scikit-learn's accuracy_score: the share of rows where yPred equals yTrue. */
export function accuracyScore(yTrue: ClassIds, yPred: ClassIds): number {
  const [y, p] = pairOf(yTrue, yPred);
  if (y.length === 0) throw new Error("accuracyScore needs at least one example");
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === p[i]) correct++;
  return correct / y.length;
}

export interface PrecisionRecallFscoreOptions {
  /** Only "binary" (the tutorial's): the scores of class posLabel. */
  average?: "binary";
  /** The positive class (default 1). */
  posLabel?: number;
  /** Value for a 0/0 score (default 0; scikit-learn's "warn" also gives 0). */
  zeroDivision?: 0 | 1;
}

/**
 * scikit-learn's precision_recall_fscore_support with average="binary": [precision, recall, f1, support] of the
 * positive class, support being null as scikit-learn returns None when it averages.
 */
export function precisionRecallFscoreSupport(yTrue: ClassIds, yPred: ClassIds, opts: PrecisionRecallFscoreOptions = {}): [number, number, number, null] {
  const average = opts.average ?? "binary";
  if (average !== "binary") throw new Error(`precisionRecallFscoreSupport: average ${JSON.stringify(average)} is not supported; use "binary" (the tutorial's)`);
  const [y, p] = pairOf(yTrue, yPred);
  const pos = opts.posLabel ?? 1;
  for (const [arr, what] of [[y, "yTrue"], [p, "yPred"]] as const) {
    for (let i = 0; i < arr.length; i++) {
      if (arr[i] !== 0 && arr[i] !== 1) throw new Error(`precisionRecallFscoreSupport: ${what}[${i}] = ${arr[i]}; average "binary" needs class ids 0 and 1`);
    }
  }
  const { tp, fp, fn } = countBinary(y, p, pos);
  const zd = opts.zeroDivision ?? 0;
  const ratio = (a: number, b: number) => (b === 0 ? zd : a / b);
  return [ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(2 * tp, 2 * tp + fp + fn), null];
}
