// Turns classifier logits into the pipeline's { label, score } as Hugging Face's text-classification
// pipeline does: softmax for single-label models (sigmoid for multi-label or one-output models), then the
// top class (first one on ties) with its probability and its name from config.id2label.

export type ScoreFunction = "softmax" | "sigmoid";

export interface ClassificationResult {
  label: string;
  score: number;
}

/** HF's choice of function_to_apply from the model config. */
export function scoreFunctionFor(problemType: unknown, numLabels: number): ScoreFunction {
  if (problemType === "multi_label_classification" || numLabels === 1) return "sigmoid";
  return "softmax";
}

/** The label name of class `i` (config id2label, else HF's default LABEL_i). */
export function labelName(id2label: Record<string, string> | undefined, i: number): string {
  return id2label?.[String(i)] ?? `LABEL_${i}`;
}

/** Scores one row of logits (computed in float64, as numpy does on the float32 logits' values). */
export function scoreRow(logits: ArrayLike<number>, offset: number, numLabels: number, fn: ScoreFunction, id2label?: Record<string, string>): ClassificationResult {
  let best = 0;
  for (let j = 1; j < numLabels; j++) if (logits[offset + j] > logits[offset + best]) best = j;
  let score: number;
  if (fn === "sigmoid") {
    score = 1 / (1 + Math.exp(-logits[offset + best]));
  } else {
    const max = logits[offset + best];
    let sum = 0;
    for (let j = 0; j < numLabels; j++) sum += Math.exp(logits[offset + j] - max);
    score = 1 / sum;
  }
  if (!Number.isFinite(score)) throw new Error(`the model produced non-finite logits (${Array.from({ length: numLabels }, (_, j) => logits[offset + j]).join(", ")}); its weights are broken (NaN/Inf)`);
  return { label: labelName(id2label, best), score };
}
