// Small saved notebooks for the tests of scripts/notebooks/ (static images, publishing): built from the real
// figure bundles of src/plots, stored the way nbformat stores them (text as lists of lines).
import { figureBundle } from "../src/plots/figureHtml";
import { confusionMatrixFigure, lineFigure } from "../src/plots/figures";
import type { Notebook } from "../scripts/notebooks/ipynb";

/** A saved notebook as the kernel leaves it: the plotly.js output, a stream, a plot, a fixed-size plot. */
export function fixtureNotebook(): Notebook {
  const plot = figureBundle(lineFigure({ name: "loss", y: [0.7, 0.5, 0.3] }, { title: "Training loss" }), 'line plot "Training loss" — loss: 3 points');
  const cm = figureBundle(confusionMatrixFigure([[5, 1], [2, 7]], ["neg", "pos"], { width: 500, height: 300 }), "confusion matrix");
  const asSaved = (b: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(b).map(([k, v]) => [k, typeof v === "string" ? (v.match(/[^\n]*\n|[^\n]+$/g) ?? []) : v]));
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "bert-imdb-ts", display_name: "TypeScript (bert-imdb-ts)", language: "typescript" } },
    cells: [
      {
        cell_type: "code",
        id: "c0",
        source: "plotLine(...)",
        metadata: {},
        execution_count: 1,
        outputs: [
          { output_type: "display_data", metadata: {}, data: { "text/html": ['<div class="bert-imdb-plotly-library" style="display:none">plotly.js</div><script>/* 4.8 MB */</script>'], "text/plain": ["(plotly.js library for the plots below)"] } },
          { output_type: "stream", name: "stdout", text: ["hello\n"] },
          { output_type: "display_data", metadata: {}, data: asSaved(plot) },
        ],
      },
      { cell_type: "markdown", id: "m1", source: "text", metadata: {} },
      { cell_type: "code", id: "c2", source: "plotConfusionMatrix(...)", metadata: {}, execution_count: 2, outputs: [{ output_type: "display_data", metadata: {}, data: asSaved(cm) }] },
    ],
  };
}

