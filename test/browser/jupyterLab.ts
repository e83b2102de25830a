// Drives one notebook in JupyterLab 4 through its real UI: opens it (its own workspace), waits for the kernel
// to be idle, runs every cell from the menu bar (Run → Run All Cells), samples what the page shows while the
// cells run (the kernel status in the status bar, the toolbar's execution indicator, the [*] prompts, the
// progress display), waits until no cell is queued or running, saves it, then reads what the page shows (cells,
// error and stderr outputs, plots, tables, progress displays) and takes a screenshot of the whole notebook.
// The in-page code is passed as strings: tsx compiles test files with helpers (e.g. __name) that do not exist
// in the browser, so functions must not be serialised from here.
import type { Page } from "playwright-core";
import type { LabServer } from "./labServer";

export interface CellReport {
  index: number;
  /** The input prompt's number, "*" (running), " " (queued or never run) or null (no prompt). */
  prompt: number | string | null;
  /** The mime type of each rendered output, in order. */
  outputTypes: string[];
  /** Text of each stderr-styled output box (stream stderr and error tracebacks render alike in JupyterLab). */
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
  /** Drawn inside an output JupyterLab rendered as text/html. */
  inHtmlOutput: boolean;
}

export interface ProgressState {
  done: number;
  total: number;
  text: string;
}

export interface PageReport {
  kernelName: string | null;
  /** The status bar's kernel item, e.g. "TypeScript (bert-imdb-ts) | Idle". */
  kernelStatus: string | null;
  cells: CellReport[];
  plots: PlotReport[];
  placeholders: string[];
  progress: ProgressState[];
  tables: number;
  plotlyVersion: string | null;
  /** Prebuilt (federated) JupyterLab extensions the page loaded (none expected from a plain `pip install jupyterlab`). */
  labExtensions: string[];
}

/** One look at the page while cells run. */
export interface Sample {
  t: number;
  /** The status bar's kernel item text. */
  status: string;
  /** The notebook toolbar's execution indicator (data-status: idle, busy, connecting, ...). */
  indicator: string | null;
  /** Whether the tab's favicon is JupyterLab's busy one. */
  faviconBusy: boolean;
  /** Index (among code cells) of each cell whose prompt shows [*]. */
  running: number[];
  done: number;
  cells: number;
  /** The last progress display in the notebook. */
  progress: ProgressState | null;
  /** How many progress displays the notebook shows. */
  bars: number;
}

// The notebook shown in the main area (the current tab's panel).
const PANEL = `(() => {
  const panels = Array.from(document.querySelectorAll(".jp-NotebookPanel")).filter((p) => !p.classList.contains("lm-mod-hidden"));
  return panels.length ? panels[panels.length - 1] : null;
})()`;

const KERNEL_ITEM = `Array.from(document.querySelectorAll("#jp-main-statusbar .jp-StatusBar-TextItem")).find((e) => /^Change kernel/.test(e.getAttribute("title") || ""))`;

const STATE = `(() => {
  const panel = ${PANEL};
  if (!panel) return null;
  const item = ${KERNEL_ITEM};
  const indicator = panel.querySelector(".jp-Notebook-ExecutionIndicator");
  const prompts = Array.from(panel.querySelectorAll(".jp-Notebook .jp-Cell.jp-CodeCell")).map((c) => {
    const p = c.querySelector(".jp-InputArea-prompt");
    const m = p ? /\\[(.*)\\]/.exec(p.textContent || "") : null;
    return m ? m[1] : null;
  });
  const bars = Array.from(panel.querySelectorAll(".bert-imdb-progress"));
  const last = bars.length ? bars[bars.length - 1] : null;
  const icon = document.querySelector('link[rel="icon"]');
  return {
    t: Date.now(),
    status: item ? String(item.textContent || "").trim() : "",
    indicator: indicator ? indicator.getAttribute("data-status") : null,
    faviconBusy: !!(icon && /busy/.test(icon.getAttribute("href") || "")),
    running: prompts.map((p, i) => (p === "*" ? i : -1)).filter((i) => i >= 0),
    done: prompts.filter((p) => p !== null && /^\\d+$/.test(p)).length,
    cells: prompts.length,
    bars: bars.length,
    progress: last ? { done: Number(last.getAttribute("data-done")), total: Number(last.getAttribute("data-total")), text: String(last.textContent || "").trim() } : null,
  };
})()`;

const INSPECT = `(() => {
  const panel = ${PANEL};
  const len = (a) => (a && typeof a.length === "number" ? a.length : 0);
  const text = (e) => String(e.textContent || "").slice(0, 4000);
  const item = ${KERNEL_ITEM};
  const status = item ? String(item.textContent || "").trim() : null;
  let labExtensions = [];
  try {
    const cfg = JSON.parse(document.getElementById("jupyter-config-data").textContent);
    labExtensions = (cfg.federated_extensions || []).map((e) => e.name);
  } catch (e) { labExtensions = ["(unknown: " + e + ")"]; }
  const cells = Array.from(panel.querySelectorAll(".jp-Notebook .jp-Cell.jp-CodeCell"));
  return {
    kernelName: status ? status.split(" | ")[0] : null,
    kernelStatus: status,
    cells: cells.map((c, i) => {
      const p = c.querySelector(".jp-InputArea-prompt");
      const m = p ? /\\[(.*)\\]/.exec(p.textContent || "") : null;
      const prompt = m ? (/^\\d+$/.test(m[1]) ? Number(m[1]) : m[1]) : null;
      const outs = Array.from(c.querySelectorAll(".jp-OutputArea-output"));
      return {
        index: i,
        prompt,
        outputTypes: outs.map((o) => o.getAttribute("data-mime-type") || "?"),
        stderr: outs.filter((o) => o.getAttribute("data-mime-type") === "application/vnd.jupyter.stderr").map(text),
      };
    }),
    plots: Array.from(panel.querySelectorAll(".js-plotly-plot")).map((el) => {
      const r = el.getBoundingClientRect();
      const data = Array.isArray(el.data) ? el.data : [];
      const t = el.layout && el.layout.title;
      const out = el.closest(".jp-OutputArea-output");
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
        inHtmlOutput: !!(out && out.getAttribute("data-mime-type") === "text/html"),
      };
    }),
    placeholders: Array.from(panel.querySelectorAll(".bert-imdb-plot-placeholder")).map(text),
    progress: Array.from(panel.querySelectorAll(".bert-imdb-progress")).map((e) => ({
      done: Number(e.getAttribute("data-done")),
      total: Number(e.getAttribute("data-total")),
      text: String(e.textContent || "").trim(),
    })),
    tables: panel.querySelectorAll('.jp-OutputArea-output[data-mime-type="text/html"] table').length,
    plotlyVersion: window.Plotly ? String(window.Plotly.version) : null,
    labExtensions,
  };
})()`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function remaining(deadline: number, what: string): number {
  const ms = deadline - Date.now();
  if (ms <= 0) throw new Error(`timed out ${what}`);
  return ms;
}

export async function sample(page: Page): Promise<Sample | null> {
  return (await page.evaluate(STATE)) as Sample | null;
}

/** The status bar's kernel state: "Idle", "Busy", "Connecting", ... ("" before the item exists). */
export function kernelState(s: Sample): string {
  const m = / \| (.+)$/.exec(s.status);
  return m ? m[1].trim() : "";
}

/**
 * Opens `notebook` in its own workspace and waits until JupyterLab shows its kernel (the project's) idle and
 * every code cell is in the page.
 */
export async function openNotebook(page: Page, server: LabServer, notebook: string, codeCells: number, deadline: number): Promise<void> {
  await page.goto(server.notebookUrl(notebook), { waitUntil: "load", timeout: remaining(deadline, `opening ${notebook}`) });
  let last: Sample | null = null;
  for (;;) {
    last = await sample(page).catch(() => null);
    if (last) {
      const st = kernelState(last);
      if (/Dead/.test(st)) throw new Error(`the kernel of ${notebook} is ${st} after opening (status bar: ${last.status})`);
      if (st === "Idle" && last.cells === codeCells) {
        const name = last.status.split(" | ")[0];
        if (name !== "TypeScript (bert-imdb-ts)") throw new Error(`${notebook} runs kernel "${name}", expected "TypeScript (bert-imdb-ts)"`);
        return;
      }
    }
    // A kernel-selection dialog means JupyterLab did not find the notebook's kernel.
    const dialog = await page.$(".jp-Dialog");
    if (dialog) throw new Error(`JupyterLab shows a dialog while opening ${notebook}: ${(await dialog.innerText()).slice(0, 500)}`);
    remaining(deadline, `waiting for the kernel of ${notebook} (last state ${JSON.stringify(last)})`);
    await sleep(500);
  }
}

/** Run → Run All Cells through the menu bar, as a user would. */
export async function runAllFromMenu(page: Page): Promise<void> {
  // Focus the notebook first (the Run menu's items act on the current notebook).
  await page.click(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook", { position: { x: 5, y: 5 } });
  await page.click('#jp-MainMenu .lm-MenuBar-item:has(.lm-MenuBar-itemLabel:text-is("Run"))');
  const item = page.locator('.lm-Menu .lm-Menu-item:has(.lm-Menu-itemLabel:text-is("Run All Cells"))');
  await item.waitFor({ state: "visible", timeout: 10_000 });
  await item.click();
  for (let i = 0; i < 20; i++) {
    const s = await sample(page);
    if (s && (s.running.length > 0 || s.done > 0)) return;
    await sleep(250);
  }
  throw new Error("Run → Run All Cells did not start any cell");
}

/**
 * Waits until no code cell shows [*] and the kernel is idle (three polls in a row). Hands every sample to `onSample`; calls `onTick` every ~15 s with a one-line status. Throws
 * when the kernel dies or at `deadline`.
 */
export async function waitForRunAll(
  page: Page,
  deadline: number,
  opts: { onSample?: (s: Sample) => void; onTick?: (line: string) => void; pollMs?: number } = {},
): Promise<void> {
  let quietPolls = 0;
  let lastTick = Date.now();
  for (;;) {
    const s = await sample(page);
    if (!s) throw new Error("the notebook is no longer shown");
    opts.onSample?.(s);
    const st = kernelState(s);
    if (/Dead|Unknown|Restarting/.test(st)) throw new Error(`the kernel is ${st} during Run All (status bar: ${s.status})`);
    // Run All queues every cell at once ([*] on each), so no [*] and an idle kernel means it is over: every
    // cell ran, or JupyterLab cancelled the rest after a failing cell (the caller's checks say which).
    quietPolls = s.running.length === 0 && st === "Idle" ? quietPolls + 1 : 0;
    if (quietPolls >= 3) return;
    if (opts.onTick && Date.now() - lastTick > 15_000) {
      lastTick = Date.now();
      opts.onTick(`${s.done}/${s.cells} cells done, running ${JSON.stringify(s.running)}, kernel ${st}${s.progress ? `; progress: ${s.progress.text}` : ""}`);
    }
    remaining(deadline, `waiting for Run All (last state ${JSON.stringify(s)})`);
    await sleep(opts.pollMs ?? 1000);
  }
}

/** File → Save through the toolbar's save button; waits until the tab is no longer marked dirty. */
export async function saveNotebook(page: Page, deadline: number): Promise<void> {
  await page.click('.jp-NotebookPanel:not(.lm-mod-hidden) jp-button[data-command="docmanager:save"]');
  for (;;) {
    const dirty = await page.evaluate(`!!document.querySelector(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")`);
    if (!dirty) return;
    remaining(deadline, "saving the notebook");
    await sleep(300);
  }
}

/** What the page shows once the run is over. */
export async function inspectPage(page: Page): Promise<PageReport> {
  return (await page.evaluate(INSPECT)) as PageReport;
}

/**
 * A screenshot of the whole notebook. JupyterLab lays itself out in the window and the notebook scrolls inside
 * its panel, so the window is made as tall as the notebook's content first (capped at 16000 px, Chromium's
 * limit for one capture), the left sidebar is closed, and the capture ends below the last cell.
 */
export async function screenshotNotebook(page: Page, file: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  // Close the file browser (a click on its tab in the left bar, the current one).
  const current = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current");
  if ((await current.count()) === 1) await current.click().catch(() => undefined);
  const extra = (await page.evaluate(`(() => {
    const panel = ${PANEL};
    const scroller = panel && (panel.querySelector(".jp-WindowedPanel-outer") || panel.querySelector(".jp-Notebook"));
    return scroller ? Math.max(0, scroller.scrollHeight - scroller.clientHeight) : 0;
  })()`)) as number;
  await page.setViewportSize({ width: viewport.width, height: Math.min(16_000, viewport.height + Math.ceil(extra) + 40) });
  await sleep(2000); // JupyterLab's layout and plotly's responsive relayout
  await page.evaluate(`(() => { const p = ${PANEL}; const s = p && p.querySelector(".jp-WindowedPanel-outer"); if (s) s.scrollTop = 0; })()`).catch(() => undefined);
  // Down to the last cell (JupyterLab pads the end of a notebook with blank space to scroll into).
  const bottom = (await page.evaluate(`(() => {
    const p = ${PANEL};
    const cells = p ? p.querySelectorAll(".jp-Notebook .jp-Cell") : [];
    return cells.length ? cells[cells.length - 1].getBoundingClientRect().bottom : 0;
  })()`)) as number;
  const size = page.viewportSize() ?? viewport;
  const height = bottom > 0 ? Math.min(size.height, Math.ceil(bottom) + 24) : size.height;
  try {
    await page.screenshot({ path: file, timeout: 60_000, clip: { x: 0, y: 0, width: size.width, height } });
  } finally {
    await page.setViewportSize(viewport);
  }
}
