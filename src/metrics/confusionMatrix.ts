// Confusion matrix with scikit-learn's layout: rows are true labels, columns are predicted labels.
import type { LabelArray } from "./classification";

/**
 * `matrix[i][j]` = number of examples with true label i predicted as j. `numLabels` defaults to
 * 1 + the largest id seen (at least 2, so a binary task always gives a 2×2 matrix).
 */
export function confusionMatrix(labels: LabelArray, predictions: LabelArray, numLabels?: number): number[][] {
  if (labels.length !== predictions.length) {
    throw new Error(`labels (${labels.length}) and predictions (${predictions.length}) must have the same length`);
  }
  let k = numLabels ?? 2;
  if (numLabels === undefined) {
    for (let i = 0; i < labels.length; i++) k = Math.max(k, Number(labels[i]) + 1, Number(predictions[i]) + 1);
  }
  const m: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const y = Number(labels[i]);
    const p = Number(predictions[i]);
    if (!(Number.isInteger(y) && y >= 0 && y < k && Number.isInteger(p) && p >= 0 && p < k)) {
      throw new Error(`example ${i}: label ${y} / prediction ${p} is not a class id in [0, ${k}); pass integer class ids (numLabels = ${k})`);
    }
    m[y][p]++;
  }
  return m;
}
