// Turns a Plotly figure spec into notebook output: an HTML fragment (a div and a script that calls
// Plotly.newPlot once window.Plotly exists), plus the mime bundle that carries it. The library itself is
// sent once per kernel in its own output (see plotlyLibrary.ts).
//
// Static images: the kernel cannot draw (no browser), so a live session's bundles carry no image. The headless
// runner (scripts/run-notebooks.ts, scripts/notebooks/staticImages.ts) renders every saved figure to PNG and
// adds it twice: as `image/png` in the bundle (GitHub, VS Code, nbconvert's image-first front ends) and inside
// the HTML's placeholder (withStaticImage below), because JupyterLab shows an untrusted output's sanitised
// `text/html` (scripts removed) before any image, and nbconvert also prefers `text/html`. The script draws
// the interactive plot over the image wherever it runs.
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

/** Class of the element a figure's HTML shows until plotly.js draws (text, later also a static image). */
export const PLACEHOLDER_CLASS = "bert-imdb-plot-placeholder";
/** Class of the static image the runner puts into a figure's HTML. */
export const STATIC_IMAGE_CLASS = "bert-imdb-plot-static";
/** Class marking the output that carries plotly.js itself (see ensurePlotlyLibrary). */
export const PLOTLY_LIBRARY_CLASS = "bert-imdb-plotly-library";
/** What a reader of a saved notebook is told where the interactive plot is not drawn. */
export const INTERACTIVE_HINT = "interactive version: run the notebook (or trust it)";

const PLACEHOLDER_RE = new RegExp(`<pre class="${PLACEHOLDER_CLASS}"[^>]*>[\\s\\S]*?</pre>`);

/**
 * The HTML of one figure. `summary` is shown as text until plotly.js draws (and stays visible where scripts
 * do not run, e.g. an untrusted notebook; the runner then adds a static image, see withStaticImage).
 */
export function figureHtml(fig: Figure, summary: string, id = `bert-imdb-plot-${newDisplayId()}`): string {
  const height = typeof fig.layout.height === "number" ? fig.layout.height : 420;
  const config = { responsive: true, displaylogo: false, ...(fig.config ?? {}) };
  return (
    `<div id="${id}" class="bert-imdb-plot" style="width:100%;min-height:${height}px">` +
    `<pre class="${PLACEHOLDER_CLASS}" style="margin:0">${escapeHtml(summary)}\n(${INTERACTIVE_HINT})</pre></div>` +
    `<script type="text/javascript">(function () {\n` +
    `var fig = ${scriptSafeJson({ data: fig.data, layout: fig.layout, config })};\n` +
    `var el = document.getElementById(${JSON.stringify(id)});\n` +
    `if (!el) return;\n` +
    `function draw() { el.innerHTML = ""; window.Plotly.newPlot(el, fig.data, fig.layout, fig.config); }\n` +
    `if (window.Plotly) { draw(); return; }\n` +
    `var tries = 0, timer = setInterval(function () {\n` +
    `  if (window.Plotly) { clearInterval(timer); draw(); }\n` +
    `  else if (++tries > 300) { clearInterval(timer); var note = el.querySelector(".${PLACEHOLDER_CLASS}"); if (note) note.textContent += "\\nplotly.js is not loaded on this page: run resetPlotlyLibrary() from bert-imdb-ts and re-run this cell."; }\n` +
    `}, 100);\n` +
    `})();</script>`
  );
}

/**
 * A figure's HTML with `pngBase64` shown in place of its text placeholder (under the image: the hint that
 * the interactive version needs the notebook run or trusted). `alt` is the figure's text summary. HTML that
 * is not a figure of ours, or already has its image, is returned unchanged (null).
 */
export function withStaticImage(html: string, pngBase64: string, alt: string, size?: { width: number; height: number }): string | null {
  if (html.includes(STATIC_IMAGE_CLASS) || !PLACEHOLDER_RE.test(html)) return null;
  const dims = size ? ` width="${size.width}" height="${size.height}"` : "";
  const img =
    `<img class="${STATIC_IMAGE_CLASS}" alt="${escapeHtml(alt)}"${dims} style="max-width:100%;height:auto" src="data:image/png;base64,${pngBase64}">` +
    `<pre class="${PLACEHOLDER_CLASS}" style="margin:0;font-size:smaller">(static image; ${INTERACTIVE_HINT})</pre>`;
  return html.replace(PLACEHOLDER_RE, () => img);
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
    "text/html": `<div class="${PLOTLY_LIBRARY_CLASS}" style="display:none">plotly.js</div>${plotlyLibraryScript()}`,
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
