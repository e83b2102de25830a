// The tutorial's reported test-set results (bert-base-uncased fine-tuned 3 epochs on IMDb) and a table that
// puts a run's evaluation metrics beside them.
import { showTable } from "../tables";

/** Values the tutorial reports for trainer.evaluate() on the IMDb test split. */
export const TUTORIAL_REFERENCE: Readonly<Record<string, number>> = Object.freeze({
  eval_loss: 0.4636,
  eval_accuracy: 0.8912,
  eval_precision: 0.8787,
  eval_recall: 0.9077,
  eval_f1: 0.893,
});

export interface ComparisonRow {
  metric: string;
  ours: number | null;
  tutorial: number;
  difference: number | null;
}

/** One row per reference metric: our value (null if missing), the tutorial's, and ours − tutorial. */
export function compareWithReference(metrics: Record<string, number>, reference: Readonly<Record<string, number>> = TUTORIAL_REFERENCE): ComparisonRow[] {
  return Object.entries(reference).map(([metric, tutorial]) => {
    const key = metric in metrics ? metric : metric.replace(/^eval_/, "test_") in metrics ? metric.replace(/^eval_/, "test_") : metric;
    const ours = typeof metrics[key] === "number" ? metrics[key] : null;
    return { metric, ours, tutorial, difference: ours === null ? null : ours - tutorial };
  });
}

/** Shows the comparison as a table (HTML in a notebook, text elsewhere) and returns its rows. */
export function showComparisonWithReference(metrics: Record<string, number>, opts: { caption?: string; reference?: Readonly<Record<string, number>> } = {}): ComparisonRow[] {
  const rows = compareWithReference(metrics, opts.reference);
  showTable(
    rows.map((r) => ({ metric: r.metric, ours: r.ours ?? "—", tutorial: r.tutorial, "ours − tutorial": r.difference ?? "—" })),
    { caption: opts.caption ?? "Evaluation metrics beside the tutorial's reported values", digits: 4 },
  );
  return rows;
}
