// Drives one notebook in the classic Jupyter Notebook (6.x) page through its real UI: opens it, waits for the
// kernel, runs every cell from the menu (Cell → Run All), waits until no cell is queued or running, then reads
// what the page shows (cells, errors, plots, progress displays, tables) and takes a full-page screenshot.
// The in-page code is passed as strings: tsx compiles test files with helpers (e.g. __name) that do not exist
// in the browser, so functions must not be serialised from here.
import type { Page } from "playwright-core";
import type { NotebookServer } from "./notebookServer";

export interface CellReport {
  index: number;
  prompt: number | string | null;
  outputTypes: string[];
  errors: string[];
  stderr: string[];
}

export interface PlotReport {
  id: string;
  title: string;
  traces: number;
  points: number[];
  traceTypes: string[];
  /** Bin width of each histogram trace as plotly computed it (distance between its first two bins). */
  binSizes: number[];
  width: number;
  height: number;
  svgTraceGroups: number;
  inHtmlOutput: boolean;
}

export interface PageReport {
  /** The notebook's trust flag (the classic Notebook recomputes it on load and on save). */
  trusted: boolean;
  /** Whether every code cell's output area is trusted (decides whether HTML outputs keep their scripts). */
  outputsTrusted: boolean;
  kernelName: string | null;
  cells: CellReport[];
  plots: PlotReport[];
  placeholders: string[];
  progress: Array<{ done: number; total: number; text: string }>;
  tables: number;
  plotlyVersion: string | null;
  /** Modules the page loaded from nbextensions/ (none expected: the server runs with a clean config). */
  nbextensions: string[];
  /** Mime types the notebook's output area renders, in its order of preference. */
  mimeTypes: string[];
}

const STATE = `(() => {
  const nb = window.Jupyter && window.Jupyter.notebook;
  if (!nb || !nb._fully_loaded) return null;
  const icon = document.getElementById("kernel_indicator_icon");
  const cells = nb.get_cells().filter((c) => c.cell_type === "code");
  const bars = Array.from(document.querySelectorAll(".bert-imdb-progress"));
  const last = bars.length ? bars[bars.length - 1] : null;
  return {
    kernel: icon ? String(icon.className) : "",
    kernelName: nb.kernel ? nb.kernel.name : null,
    connected: !!(nb.kernel && nb.kernel.is_connected()),
    prompts: cells.map((c) => (c.input_prompt_number === undefined ? null : c.input_prompt_number)),
    progress: last ? last.textContent : null,
  };
})()`;

const INSPECT = `(() => {
  const nb = window.Jupyter.notebook;
  const len = (a) => (a && typeof a.length === "number" ? a.length : 0);
  const cells = nb.get_cells().filter((c) => c.cell_type === "code");
  const text = (e) => String(e.textContent || "").slice(0, 4000);
  let nbextensions = [];
  try { nbextensions = Object.keys(window.require.s.contexts._.defined).filter((k) => k.indexOf("nbextensions/") === 0); } catch (e) { nbextensions = ["(unknown: " + e + ")"]; }
  return {
    trusted: !!nb.trusted,
    outputsTrusted: cells.every((c) => c.output_area.trusted === true),
    kernelName: nb.kernel ? nb.kernel.name : null,
    cells: cells.map((c, i) => ({
      index: i,
      prompt: c.input_prompt_number === undefined ? null : c.input_prompt_number,
      outputTypes: c.output_area.outputs.map((o) => o.output_type + (o.name ? ":" + o.name : "") + (o.data ? ":" + Object.keys(o.data).join("|") : "")),
      errors: Array.from(c.element[0].querySelectorAll(".output_error")).map(text),
      stderr: Array.from(c.element[0].querySelectorAll(".output_stderr")).map(text),
    })),
    plots: Array.from(document.querySelectorAll(".js-plotly-plot")).map((el) => {
      const r = el.getBoundingClientRect();
      const data = Array.isArray(el.data) ? el.data : [];
      const t = el.layout && el.layout.title;
      return {
        id: el.id,
        title: String((t && (t.text || t)) || ""),
        traces: data.length,
        points: data.map((d) => Math.max(len(d.x), len(d.y), len(d.values))),
        traceTypes: data.map((d) => String(d.type || "scatter")),
        binSizes: (Array.isArray(el.calcdata) ? el.calcdata : [])
          .filter((cd) => cd.length > 1 && cd[0].trace && cd[0].trace.type === "histogram")
          .map((cd) => cd[1].ph0 - cd[0].ph0),
        width: r.width,
        height: r.height,
        svgTraceGroups: el.querySelectorAll("svg.main-svg g.trace").length,
        inHtmlOutput: !!el.closest(".output_html"),
      };
    }),
    placeholders: Array.from(document.querySelectorAll(".bert-imdb-plot-placeholder")).map(text),
    progress: Array.from(document.querySelectorAll(".bert-imdb-progress")).map((e) => ({
      done: Number(e.getAttribute("data-done")),
      total: Number(e.getAttribute("data-total")),
      text: text(e),
    })),
    tables: document.querySelectorAll(".output_html table").length,
    plotlyVersion: window.Plotly ? String(window.Plotly.version) : null,
    nbextensions,
    mimeTypes: cells.length ? cells[0].output_area.mime_types().slice() : [],
  };
})()`;

interface PageState {
  kernel: string;
  kernelName: string | null;
  connected: boolean;
  prompts: Array<number | string | null>;
  progress: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function remaining(deadline: number, what: string): number {
  const ms = deadline - Date.now();
  if (ms <= 0) throw new Error(`timed out ${what}`);
  return ms;
}

async function state(page: Page): Promise<PageState | null> {
  return (await page.evaluate(STATE)) as PageState | null;
}

/** Opens `notebook` and waits until its kernel (the project's) is connected and idle. */
export async function openNotebook(page: Page, server: NotebookServer, notebook: string, deadline: number): Promise<void> {
  await page.goto(server.notebookUrl(notebook), { waitUntil: "load", timeout: remaining(deadline, `opening ${notebook}`) });
  for (;;) {
    const s = await state(page);
    if (s && s.kernel.includes("kernel_dead")) throw new Error(`the kernel of ${notebook} died while starting`);
    if (s && s.connected && s.kernel.includes("kernel_idle")) {
      if (s.kernelName !== server.kernelName) throw new Error(`${notebook} runs kernel "${s.kernelName}", expected "${server.kernelName}"`);
      return;
    }
    remaining(deadline, `waiting for the kernel of ${notebook} (last state ${JSON.stringify(s)})`);
    await sleep(500);
  }
}

/** Cell → Run All through the menu bar, as a user would. */
export async function runAllFromMenu(page: Page): Promise<void> {
  await page.click("#celllink");
  await page.click("#run_all_cells > a");
  const s = await state(page);
  if (!s || !s.prompts.some((p) => p !== null)) throw new Error("Cell → Run All did not queue any cell");
}

/**
 * Waits until no code cell shows [*] and the kernel is idle (twice in a row, a second apart). Calls `onTick`
 * every ~15 s with a one-line status. Throws when the kernel dies or at `deadline`.
 */
export async function waitForRunAll(page: Page, deadline: number, onTick?: (line: string) => void): Promise<void> {
  let quietPolls = 0;
  let lastTick = Date.now();
  for (;;) {
    const s = await state(page);
    if (!s) throw new Error("the notebook page is gone");
    if (s.kernel.includes("kernel_dead")) throw new Error("the kernel died during Run All");
    const running = s.prompts.filter((p) => p === "*").length;
    quietPolls = running === 0 && s.kernel.includes("kernel_idle") ? quietPolls + 1 : 0;
    if (quietPolls >= 2) return;
    if (onTick && Date.now() - lastTick > 15_000) {
      lastTick = Date.now();
      const done = s.prompts.filter((p) => typeof p === "number").length;
      onTick(`${done}/${s.prompts.length} cells done, ${running} queued/running${s.progress ? `; progress: ${s.progress}` : ""}`);
    }
    remaining(deadline, `waiting for Run All (prompts ${JSON.stringify(s.prompts)}; last progress ${s.progress ?? "none"})`);
    await sleep(1000);
  }
}

/** File → Save (the save also recomputes the notebook's trust flag from its live outputs). */
export async function saveNotebook(page: Page): Promise<void> {
  await page.evaluate("window.Jupyter.notebook.save_notebook().then(() => true)");
}

/** What the page shows once the run is over. */
export async function inspectPage(page: Page): Promise<PageReport> {
  return (await page.evaluate(INSPECT)) as PageReport;
}

/**
 * A screenshot of the whole notebook. The classic Notebook scrolls inside #site, sized to the window, so
 * the window is made as tall as the notebook first (capped at 16000 px, Chromium's limit for one capture).
 */
export async function screenshotNotebook(page: Page, file: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  const full = (await page.evaluate(`(() => {
    const header = document.getElementById("header");
    const nb = document.getElementById("notebook");
    return (header ? header.getBoundingClientRect().height : 0) + (nb ? nb.scrollHeight : 0) + 40;
  })()`)) as number;
  await page.setViewportSize({ width: viewport.width, height: Math.min(16_000, Math.max(viewport.height, Math.ceil(full))) });
  await sleep(1500); // the notebook's resize handler and plotly's responsive relayout
  try {
    await page.screenshot({ path: file, fullPage: true, timeout: 60_000 });
  } finally {
    await page.setViewportSize(viewport);
  }
}
