// Turns a Plotly figure spec into notebook output: an HTML fragment (a div and a script that calls
// Plotly.newPlot once window.Plotly exists), plus the mime bundle that carries it. The library itself is
// sent once per kernel in its own output (see plotlyLibrary.ts).
import { escapeHtml } from "../notebookDisplay";
import { displayBundle, MimeBundle, newDisplayId } from "./notebookOutput";
import { markPlotlyLibrarySent, plotlyLibraryScript, plotlyLibrarySent } from "./plotlyLibrary";

/** A Plotly figure: traces, layout and config, as Plotly.newPlot takes them (JSON-serialisable). */
export interface Figure {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/** JSON that can sit inside a <script> element (no "</script>", no "<!--"). */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * The HTML of one figure. `summary` is shown as text until plotly.js draws (and stays visible where scripts
 * do not run, e.g. an untrusted notebook).
 */
export function figureHtml(fig: Figure, summary: string, id = `bert-imdb-plot-${newDisplayId()}`): string {
  const height = typeof fig.layout.height === "number" ? fig.layout.height : 420;
  const config = { responsive: true, displaylogo: false, ...(fig.config ?? {}) };
  return (
    `<div id="${id}" class="bert-imdb-plot" style="width:100%;min-height:${height}px">` +
    `<pre class="bert-imdb-plot-placeholder" style="margin:0">${escapeHtml(summary)}\n(plot shown when JavaScript runs: run the cell, or trust the notebook)</pre></div>` +
    `<script type="text/javascript">(function () {\n` +
    `var fig = ${scriptSafeJson({ data: fig.data, layout: fig.layout, config })};\n` +
    `var el = document.getElementById(${JSON.stringify(id)});\n` +
    `if (!el) return;\n` +
    `function draw() { el.innerHTML = ""; window.Plotly.newPlot(el, fig.data, fig.layout, fig.config); }\n` +
    `if (window.Plotly) { draw(); return; }\n` +
    `var tries = 0, timer = setInterval(function () {\n` +
    `  if (window.Plotly) { clearInterval(timer); draw(); }\n` +
    `  else if (++tries > 300) { clearInterval(timer); el.firstChild.textContent += "\\nplotly.js is not loaded on this page: run resetPlotlyLibrary() from bert-imdb-ts and re-run this cell."; }\n` +
    `}, 100);\n` +
    `})();</script>`
  );
}

/** The output bundle of a figure: HTML for JupyterLab/Notebook, the plotly mime type, and plain text. */
export function figureBundle(fig: Figure, summary: string, id?: string): MimeBundle {
  return {
    "text/html": figureHtml(fig, summary, id),
    "application/vnd.plotly.v1+json": { data: fig.data, layout: fig.layout, config: fig.config ?? {} },
    "text/plain": summary,
  };
}

/** Sends plotly.js to the notebook page unless this kernel already did (its own output, never updated). */
export function ensurePlotlyLibrary(): void {
  if (plotlyLibrarySent()) return;
  const sent = displayBundle({
    "text/html": `<div class="bert-imdb-plotly-library" style="display:none">plotly.js</div>${plotlyLibraryScript()}`,
    "text/plain": "(plotly.js library for the plots below)",
  });
  if (sent) markPlotlyLibrarySent();
}

/** Makes the next plot send plotly.js again (e.g. after the output that carried it was cleared). */
export function resetPlotlyLibrary(): void {
  markPlotlyLibrarySent(false);
}

/** Shows a figure in a notebook, or prints `summary` outside one. */
export function showFigure(fig: Figure, summary: string): void {
  ensurePlotlyLibrary();
  if (!displayBundle(figureBundle(fig, summary))) console.log(summary);
}
