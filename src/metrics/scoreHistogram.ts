// The model's positive-class probability per example (softmax of the logits), and its histogram split by
// true label: how confidently and how separately the classifier scores negative and positive reviews.
import { plotHistogram, HistogramOptions } from "../plots/figures";
import type { Figure } from "../plots/figureHtml";

/** softmax(logits)[positiveLabel] for each row, computed stably. */
export function positiveScores(logits: ReadonlyArray<ArrayLike<number>>, positiveLabel = 1): Float64Array {
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    const row = logits[i];
    if (positiveLabel >= row.length) throw new Error(`positiveScores: row ${i} has ${row.length} logits, no label ${positiveLabel}`);
    let max = -Infinity;
    for (let j = 0; j < row.length; j++) max = Math.max(max, row[j]);
    let sum = 0;
    for (let j = 0; j < row.length; j++) sum += Math.exp(row[j] - max);
    out[i] = Math.exp(row[positiveLabel] - max) / sum;
  }
  return out;
}

/**
 * Overlaid histograms of P(positive) for the examples of each true label (label names default to
 * negative/positive). Returns the figure.
 */
export function plotScoreHistogram(
  logits: ReadonlyArray<ArrayLike<number>>,
  labels: ArrayLike<number> | ArrayLike<bigint>,
  opts: HistogramOptions & { labelNames?: string[] } = {},
): Figure {
  if (logits.length !== labels.length) throw new Error(`plotScoreHistogram: ${logits.length} logit rows for ${labels.length} labels`);
  const names = opts.labelNames ?? ["negative", "positive"];
  const scores = positiveScores(logits);
  const groups = names.map((name, k) => {
    const values: number[] = [];
    for (let i = 0; i < scores.length; i++) if (Number(labels[i]) === k) values.push(scores[i]);
    return { name: `true ${name} (${values.length})`, values };
  });
  const { labelNames: _ignored, ...rest } = opts;
  return plotHistogram(groups, { title: "Predicted probability of the positive class", xTitle: "P(positive)", nbins: 40, ...rest });
}
