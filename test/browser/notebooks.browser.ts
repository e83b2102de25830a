// Browser test (`npm run test:browser`): the notebooks run and render in JupyterLab 4, the front end users run.
// A JupyterLab server (`jupyter-lab` from .jupyterlab-venv/, BERT_IMDB_JUPYTER_LAB or PATH; the user's own
// Jupyter config, kernels, settings and workspaces are not read) serves a temporary copy of notebooks/ with the
// project's tslab kernel (the one `node kernel/install.js --prefix <venv>` registered, else the same spec in a
// private folder) under the quick preset and a temporary run directory. Headless Chromium, driven by
// playwright-core, opens 01-load, 07-train and 10-pipeline and runs each from the menu bar (Run → Run All
// Cells); the headless runner executes 02–06 (whose map() results 07 reads from the cache) and 08–09 (09
// saves the model 10 loads) with the same settings in between. Checked for each notebook: every code cell ran
// (a number in its prompt), no error output and no stderr box (in the page and in the notebook JupyterLab
// saved), the plots drawn (SVG traces from the text/html output's script; JupyterLab has no plotly renderer)
// with no placeholder left, the tables shown, the kernel shown Busy in the status bar while cells run. For
// 07 also: one training progress display, updated in place, seen in several states while the status bar and
// the toolbar say Busy, ending at 100 % with status=finished. Screenshots of each notebook (the whole notebook)
// and report.json land in <runDir>/browser/, the only thing kept; the test prints the folder.
// Needs JupyterLab 4 (`pip install jupyterlab`), /usr/bin/chromium (BERT_IMDB_CHROMIUM), and nbclient for the
// runner. Missing tools skip the test with the reason (fail under CI=true). Bounded by
// BERT_IMDB_BROWSER_TIMEOUT_S (default 3000 s); server, kernels and browser are stopped on every path.
import { after, before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { inspectPage, kernelState, openNotebook, PageReport, runAllFromMenu, Sample, saveNotebook, screenshotNotebook, waitForRunAll } from "./jupyterLab";
import { findJupyterLab, LabInstall, LabServer, startLabServer } from "./labServer";
import { exited, killProcessesMentioning, startGroup, stopGroup } from "./processes";
import { sharedPath } from "../shared";

const ROOT = path.resolve(__dirname, "..", "..");
const CHROMIUM = process.env.BERT_IMDB_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const TOTAL_MS = 1000 * Number(process.env.BERT_IMDB_BROWSER_TIMEOUT_S ?? 3000);
const STARTED = Date.now();
const DEADLINE = STARTED + TOTAL_MS;
const KEEP_ALL = process.env.BERT_IMDB_BROWSER_KEEP === "1";
const KERNEL_DISPLAY_NAME = "TypeScript (bert-imdb-ts)";
/**
 * Uncaught errors of JupyterLab's own code that say nothing about the notebooks: its debugger extension asks
 * for the variables of a kernel that has no debugger ("No active debugger session") as cells run.
 */
const JUPYTERLAB_NOISE = [/^No active debugger session$/];

function log(line: string): void {
  console.log(`# [browser ${((Date.now() - STARTED) / 1000).toFixed(0).padStart(4)} s] ${line}`);
}

let lab: LabInstall | undefined;
/** Why the test cannot run here (a missing tool), or null. */
function missingTools(): string | null {
  const found = findJupyterLab();
  if (typeof found === "string") return found;
  lab = found;
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium, or set BERT_IMDB_CHROMIUM)`;
  return null;
}

const skipReason = missingTools();
if (skipReason && process.env.CI === "true") throw new Error(`CI=true: the browser test cannot run: ${skipReason}`);
if (skipReason) console.log(`# browser test skipped: ${skipReason}`);

const tmpRoot = skipReason ? "" : fs.mkdtempSync(path.join(os.tmpdir(), "bert-imdb-browser-"));
const runDir = path.join(tmpRoot, "run");
const shotsDir = path.join(runDir, "browser");
const notebookDir = path.join(tmpRoot, "notebooks");
let server: LabServer | undefined;
let context: BrowserContext | undefined;
let cleanedUp = false;
let kernelEnv: Record<string, string> = {};
const pageErrors: string[] = [];
const ignoredPageErrors: string[] = [];

interface NotebookRun {
  report: PageReport;
  /** What the page showed while the cells ran, one sample a second. */
  samples: Sample[];
  /** Seconds from Run All Cells to the end of the last cell. */
  seconds: number;
  /** Code cells, error outputs and stderr streams of the .ipynb JupyterLab saved. */
  saved: { codeCells: number; unnumbered: number[]; errors: string[]; stderr: string[] };
}
const runs: Record<string, NotebookRun> = {};

/** Stops everything this test started and removes the temporary folder except the screenshots. */
async function cleanUp(): Promise<void> {
  if (cleanedUp || !tmpRoot) return;
  cleanedUp = true;
  const withTimeout = (p: Promise<unknown>, ms: number) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, ms).unref())]);
  await withTimeout(context?.close() ?? Promise.resolve(), 15_000);
  await withTimeout(server?.stop() ?? Promise.resolve(), 30_000);
  const stragglers = killProcessesMentioning(tmpRoot);
  if (stragglers.length) log(`killed leftover processes ${stragglers.join(", ")}`);
  if (KEEP_ALL) {
    log(`kept everything in ${tmpRoot}`);
    return;
  }
  // Keep only <runDir>/browser (screenshots, report.json).
  for (const e of fs.readdirSync(tmpRoot)) if (e !== "run") fs.rmSync(path.join(tmpRoot, e), { recursive: true, force: true });
  if (fs.existsSync(runDir)) for (const e of fs.readdirSync(runDir)) if (e !== "browser") fs.rmSync(path.join(runDir, e), { recursive: true, force: true });
  if (!fs.existsSync(shotsDir) || fs.readdirSync(shotsDir).length === 0) fs.rmSync(tmpRoot, { recursive: true, force: true });
  else log(`screenshots and report.json: ${shotsDir}`);
}

// A hard stop: whatever hangs, the test ends (and cleans up) shortly after its time budget.
const watchdog = setTimeout(() => {
  console.error(`# browser test: over its ${TOTAL_MS / 1000} s budget; stopping everything`);
  void cleanUp().finally(() => process.exit(1));
}, TOTAL_MS + 60_000);
watchdog.unref();
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => void cleanUp().finally(() => process.exit(130)));
}

function writeReport(): void {
  fs.mkdirSync(shotsDir, { recursive: true });
  const body = { jupyterLab: server?.version, kernelSpec: server?.kernelSpecDir, kernelEnv, runs, pageErrors, ignoredPageErrors };
  fs.writeFileSync(path.join(shotsDir, "report.json"), JSON.stringify(body, null, 1) + "\n");
}

/** Reads the notebook JupyterLab saved: its code cells' execution counts and any error or stderr output. */
function readSaved(notebook: string): NotebookRun["saved"] {
  const nb = JSON.parse(fs.readFileSync(path.join(notebookDir, notebook), "utf8")) as {
    cells: Array<{ cell_type: string; execution_count?: number | null; outputs?: Array<{ output_type: string; name?: string; text?: string | string[]; ename?: string; evalue?: string }> }>;
  };
  const code = nb.cells.filter((c) => c.cell_type === "code");
  const text = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join("") : (t ?? ""));
  const errors: string[] = [];
  const stderr: string[] = [];
  code.forEach((c, i) => {
    for (const o of c.outputs ?? []) {
      if (o.output_type === "error") errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
      if (o.output_type === "stream" && o.name === "stderr") stderr.push(`cell ${i}: ${text(o.text).slice(0, 2000)}`);
    }
  });
  return { codeCells: code.length, unnumbered: code.map((c, i) => (typeof c.execution_count === "number" ? -1 : i)).filter((i) => i >= 0), errors, stderr };
}

function codeCellCount(notebook: string): number {
  const nb = JSON.parse(fs.readFileSync(path.join(notebookDir, notebook), "utf8")) as { cells: Array<{ cell_type: string }> };
  return nb.cells.filter((c) => c.cell_type === "code").length;
}

/** Opens `notebook`, runs all cells from the menu, saves it, checks the page, screenshots it, shuts its kernel down. */
async function runInBrowser(notebook: string, budgetMs: number): Promise<NotebookRun> {
  assert.ok(server && context, "server and browser are running");
  const page: Page = await context.newPage();
  page.on("pageerror", (err) => {
    const line = `${notebook}: ${err.message}`;
    if (JUPYTERLAB_NOISE.some((re) => re.test(err.message))) ignoredPageErrors.push(line);
    else pageErrors.push(line);
  });
  const deadline = Math.min(DEADLINE, Date.now() + budgetMs);
  const name = notebook.replace(/\.ipynb$/, "");
  const samples: Sample[] = [];
  try {
    log(`${name}: opening in JupyterLab`);
    await openNotebook(page, server, notebook, codeCellCount(notebook), deadline);
    log(`${name}: kernel ready; Run → Run All Cells`);
    const t0 = Date.now();
    await runAllFromMenu(page);
    await waitForRunAll(page, deadline, { onSample: (s) => samples.push(s), onTick: (l) => log(`${name}: ${l}`) });
    const seconds = (Date.now() - t0) / 1000;
    log(`${name}: Run All Cells over in ${seconds.toFixed(1)} s`);
    await saveNotebook(page, deadline);
    const report = await inspectPage(page);
    const run: NotebookRun = { report, samples, seconds, saved: readSaved(notebook) };
    runs[notebook] = run;
    writeReport();
    await screenshotNotebook(page, path.join(shotsDir, `${name}.png`));
    return run;
  } catch (err) {
    // Keep what the page showed when it went wrong.
    runs[notebook] = { report: await inspectPage(page).catch(() => ({}) as PageReport), samples, seconds: NaN, saved: { codeCells: 0, unnumbered: [], errors: [], stderr: [] } };
    writeReport();
    await page.screenshot({ path: path.join(shotsDir, `${name}.failed.png`), timeout: 20_000 }).catch(() => undefined);
    throw err;
  } finally {
    await server.shutdownKernels();
    await page.close().catch(() => undefined);
  }
}

/**
 * The kernel is shown Busy while cells run: no two samples in a row show a cell at [*] with the status bar
 * saying anything else (the first cell's compile included: kernel/launch.js sends "busy" before it), and Busy
 * was seen while a cell ran.
 */
function assertBusyWhileRunning(name: string, samples: Sample[]): void {
  const running = samples.filter((s) => s.running.length > 0);
  assert.ok(running.some((s) => kernelState(s) === "Busy"), `${name}: the status bar showed Busy while a cell ran (states seen: ${[...new Set(running.map(kernelState))].join(", ")})`);
  const bad: string[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    const idleWhileRunning = (s: Sample) => s.running.length > 0 && kernelState(s) !== "Busy";
    if (idleWhileRunning(a) && idleWhileRunning(b)) bad.push(`${((b.t - samples[0].t) / 1000).toFixed(0)} s: "${b.status}", cells ${JSON.stringify(b.running)} at [*]`);
  }
  assert.deepEqual(bad, [], `${name}: the status bar did not say Busy while cells ran`);
}

/** The checks every notebook shares. */
function assertRendered(notebook: string, run: NotebookRun, minPlots: number): void {
  const name = notebook.replace(/\.ipynb$/, "");
  const r = run.report;
  assert.equal(r.kernelName, KERNEL_DISPLAY_NAME, `${name}: kernel`);
  assert.equal(r.cells.length, run.saved.codeCells, `${name}: every code cell is in the page`);
  for (const c of r.cells) {
    assert.equal(typeof c.prompt, "number", `${name}: code cell ${c.index} did not run (prompt [${c.prompt}]; Run All stops after a failing cell)`);
    assert.deepEqual(c.stderr, [], `${name}: code cell ${c.index} shows an error or stderr box`);
  }
  assert.deepEqual(run.saved.unnumbered, [], `${name}: the saved notebook has an execution count for every code cell`);
  assert.deepEqual(run.saved.errors, [], `${name}: the saved notebook has no error output`);
  assert.deepEqual(run.saved.stderr, [], `${name}: the saved notebook has no stderr output`);
  assertBusyWhileRunning(name, run.samples);
  const plotlyExtensions = r.labExtensions.filter((e) => /plotly/i.test(e));
  assert.deepEqual(plotlyExtensions, [], `${name}: no plotly extension is loaded (extensions: ${r.labExtensions.join(", ")})`);
  const plotlyMime = r.cells.filter((c) => c.outputTypes.includes("application/vnd.plotly.v1+json"));
  assert.deepEqual(plotlyMime, [], `${name}: no output is rendered by a plotly mime renderer`);
  if (minPlots > 0) assert.ok(r.plotlyVersion, `${name}: window.Plotly is defined by the inlined library`);
  assert.ok(r.plots.length >= minPlots, `${name}: expected at least ${minPlots} drawn plot(s), found ${r.plots.length}; placeholders: ${r.placeholders.join(" | ")}`);
  for (const p of r.plots) {
    assert.ok(p.inHtmlOutput, `${name}: plot ${p.id} is drawn inside a text/html output`);
    assert.ok(p.traces > 0 && p.points.every((n) => n > 0), `${name}: plot "${p.title}" has traces with data (${JSON.stringify(p.points)})`);
    assert.ok(p.svgTraceGroups > 0, `${name}: plot "${p.title}" drew its traces into SVG`);
    assert.ok(p.width > 100 && p.height > 100, `${name}: plot "${p.title}" has a visible size (${p.width}×${p.height})`);
    assert.ok(new Set(p.binSizes).size <= 1, `${name}: overlaid histograms in "${p.title}" share one bin width (${p.binSizes.join(", ")})`);
  }
  assert.deepEqual(r.placeholders, [], `${name}: every plot replaced its text placeholder`);
  assert.deepEqual(pageErrors.filter((e) => e.startsWith(notebook)), [], `${name}: no JavaScript error in the page`);
}

/** Runs the headless runner on `only` with the browser session's settings. */
async function runHeadless(only: string, reserveMs: number): Promise<void> {
  const runtime = path.join(tmpRoot, "runner-runtime");
  const child = startGroup(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "run-notebooks.ts"), "--preset", "quick", "--only", only, "--no-static-images"], {
    cwd: ROOT,
    env: { ...process.env, ...kernelEnv, JUPYTER_RUNTIME_DIR: runtime },
    label: "runner",
  });
  const budget = Math.max(0, DEADLINE - Date.now() - reserveMs);
  const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), budget).unref());
  const t0 = Date.now();
  const code = await Promise.race([exited(child), timer]);
  if (code === "timeout") {
    await stopGroup(child);
    killProcessesMentioning(runtime);
    assert.fail(`the runner did not finish notebooks ${only} within ${(budget / 1000).toFixed(0)} s`);
  }
  assert.equal(code, 0, `the runner executed notebooks ${only} without a failing cell`);
  log(`notebooks ${only} done headless in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

before(async () => {
  if (skipReason) return;
  fs.mkdirSync(shotsDir, { recursive: true });
  // A temporary copy of the notebooks, outputs cleared (the repository's files are never opened for writing).
  fs.mkdirSync(notebookDir);
  for (const f of fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb"))) {
    const nb = JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", f), "utf8"));
    for (const c of nb.cells) if (c.cell_type === "code") Object.assign(c, { outputs: [], execution_count: null });
    fs.writeFileSync(path.join(notebookDir, f), JSON.stringify(nb, null, 1) + "\n");
  }
  const imdb = process.env.IMDB_DATA_DIR ?? (fs.existsSync(sharedPath("imdb")) ? sharedPath("imdb") : undefined);
  kernelEnv = { BERT_IMDB_PRESET: "quick", BERT_IMDB_RUN_DIR: runDir, HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE ?? "1", ...(imdb ? { IMDB_DATA_DIR: imdb } : {}) };
  server = await startLabServer({ lab: lab!, notebookDir, tmpDir: tmpRoot, kernelEnv, startTimeoutMs: 120_000, onLog: log });
  log(`JupyterLab ${server.version} (${lab!.exe}) at ${server.baseUrl}; kernel spec ${server.kernelSpecDir}${server.kernelSpecInstalled ? " (installed in JupyterLab's prefix)" : ""}`);
  log(`run directory ${runDir}; IMDb ${imdb ?? "(none: synthetic)"}; screenshots ${shotsDir}`);
  context = await chromium.launchPersistentContext(path.join(tmpRoot, "chromium-profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
});

after(async () => {
  clearTimeout(watchdog);
  if (!skipReason) writeReport();
  await cleanUp();
});

test("JupyterLab: 01-load runs from Run → Run All Cells, shows its tables and draws its histogram", { skip: skipReason ?? false, timeout: TOTAL_MS }, async () => {
  const run = await runInBrowser("01-load.ipynb", 300_000);
  assertRendered("01-load.ipynb", run, 1);
  assert.ok(run.report.tables >= 2, `01-load: its tables are shown (${run.report.tables})`);
  const hist = run.report.plots[0];
  assert.ok(hist.traces >= 2 && hist.traceTypes.every((t) => t === "histogram"), `01-load: a histogram per label (${hist.traceTypes.join(", ")})`);
});

let before07 = false;
test("headless runner: notebooks 02–06 with the same kernel settings (their map() results are cached for 07)", { skip: skipReason ?? false, timeout: TOTAL_MS }, async (t) => {
  if (!runs["01-load.ipynb"]) return t.skip("01-load did not run in the browser");
  await runHeadless("02,03,04,05,06", 900_000); // leave 07–10 fifteen minutes
  before07 = true;
});

test("JupyterLab: 07-train trains from Run → Run All Cells: Busy, live progress in place to 100 %, loss plot drawn", { skip: skipReason ?? false, timeout: TOTAL_MS }, async (t) => {
  if (!before07) return t.skip("notebooks 02–06 did not run");
  const run = await runInBrowser("07-train.ipynb", DEADLINE - Date.now() - 300_000);
  assertRendered("07-train.ipynb", run, 1);
  const r = run.report;
  assert.ok(r.tables >= 1, `07-train: its tables are shown (${r.tables})`);
  // One training progress display, updated in place (never a second one, never a pile of outputs).
  assert.equal(r.progress.length, 1, `07-train: one progress display (${r.progress.map((p) => p.text).join(" | ")})`);
  assert.ok(run.samples.every((s) => s.bars <= 1), `07-train: never more than one progress display (${Math.max(...run.samples.map((s) => s.bars))})`);
  const final = r.progress[0];
  assert.ok(/^Training/.test(final.text), `07-train: the progress display is the Trainer's ("${final.text}")`);
  assert.ok(final.total > 0 && final.done === final.total, `07-train: the progress display reached 100 % (${final.done}/${final.total}: ${final.text})`);
  assert.match(final.text, /100%/, "07-train: the final progress text says 100%");
  assert.match(final.text, /status=finished/, "07-train: the final progress text says status=finished");
  // Seen while training: several states, each with the kernel Busy (status bar and toolbar) and the train cell at [*].
  const training = run.samples.filter((s) => s.progress && s.progress.done < s.progress.total);
  const states = [...new Set(training.map((s) => s.progress!.done))];
  log(`07-train: ${training.length} samples during training, ${states.length} distinct progress states (${states.slice(0, 12).join(", ")}${states.length > 12 ? ", ..." : ""})`);
  assert.ok(states.length >= 3, `07-train: the progress display was seen in several states while training (${states.join(", ")})`);
  const notBusy = training.filter((s) => kernelState(s) !== "Busy" || s.indicator !== "busy" || s.running.length === 0);
  assert.deepEqual(
    notBusy.map((s) => `${s.progress!.done}/${s.progress!.total}: status "${s.status}", indicator ${s.indicator}, [*] ${JSON.stringify(s.running)}`),
    [],
    "07-train: while training, the status bar and the toolbar say Busy and the training cell shows [*]",
  );
  const loss = r.plots.find((p) => /^loss$/i.test(p.title));
  assert.ok(loss, `07-train: the loss plot is drawn (titles: ${r.plots.map((p) => p.title).join(", ")})`);
});

let before10 = false;
test("headless runner: notebooks 08–09 with the same kernel settings (09 saves the model 10 loads)", { skip: skipReason ?? false, timeout: TOTAL_MS }, async (t) => {
  if (!runs["07-train.ipynb"]?.report.progress?.length) return t.skip("07-train did not run in the browser");
  await runHeadless("08,09", 240_000);
  before10 = true;
});

test("JupyterLab: 10-pipeline classifies the tutorial's sentences from Run → Run All Cells and draws its bar chart", { skip: skipReason ?? false, timeout: TOTAL_MS }, async (t) => {
  if (!before10) return t.skip("notebooks 08–09 did not run");
  const run = await runInBrowser("10-pipeline.ipynb", DEADLINE - Date.now());
  assertRendered("10-pipeline.ipynb", run, 1);
  const bar = run.report.plots.find((p) => p.traceTypes.includes("bar"));
  assert.ok(bar, `10-pipeline: a bar chart is drawn (${run.report.plots.map((p) => p.traceTypes.join("+")).join(", ")})`);
  assert.ok(bar.points.some((n) => n >= 10), `10-pipeline: one bar per tutorial sentence (${JSON.stringify(bar.points)})`);
});
