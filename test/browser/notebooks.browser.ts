// Browser test (`npm run test:browser`): the notebooks render and run in a real Jupyter front end. Debian's
// classic Notebook server (jupyter-notebook 6.x, clean config: no extension) serves a temporary copy of
// notebooks/ with the project's tslab kernel (quick preset, a temporary run directory); headless Chromium,
// driven by playwright-core, opens 01-load and runs it from the menu (Cell → Run All); the headless runner then
// runs notebooks 02–06 with the same settings; the browser runs 07-train. Each notebook must finish with no
// error output, draw its plotly plots (traces in the page, SVG drawn, from the plain HTML output), and 07's
// progress display must reach 100 %. Full-page screenshots land in <runDir>/browser/, the only thing kept.
// Needs: /usr/bin/jupyter-notebook (apt jupyter-notebook), /usr/bin/chromium (apt chromium), python3-nbclient
// for the runner. Missing tools skip the test with the reason (fail under CI=true). Bounded by
// BERT_IMDB_BROWSER_TIMEOUT_S (default 600 s); server, kernels and browser are stopped on every path.
import { after, before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { inspectPage, openNotebook, PageReport, runAllFromMenu, saveNotebook, screenshotNotebook, waitForRunAll } from "./classicNotebook";
import { JUPYTER_NOTEBOOK, notebookVersion, NotebookServer, startNotebookServer } from "./notebookServer";
import { exited, killProcessesMentioning, startGroup, stopGroup } from "./processes";
import { sharedPath } from "../shared";

const ROOT = path.resolve(__dirname, "..", "..");
const CHROMIUM = process.env.BERT_IMDB_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const TOTAL_MS = 1000 * Number(process.env.BERT_IMDB_BROWSER_TIMEOUT_S ?? 600);
const STARTED = Date.now();
const DEADLINE = STARTED + TOTAL_MS;
const KEEP_ALL = process.env.BERT_IMDB_BROWSER_KEEP === "1";

function log(line: string): void {
  console.log(`# [browser ${((Date.now() - STARTED) / 1000).toFixed(0).padStart(3)} s] ${line}`);
}

/** Why the test cannot run here (a missing tool), or null. */
function missingTools(): string | null {
  if (!notebookVersion()) return `${JUPYTER_NOTEBOOK} is missing or broken (apt-get install jupyter-notebook)`;
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium)`;
  return null;
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "bert-imdb-browser-"));
const runDir = path.join(tmpRoot, "run");
const shotsDir = path.join(runDir, "browser");
const notebookDir = path.join(tmpRoot, "notebooks");
let server: NotebookServer | undefined;
let context: BrowserContext | undefined;
let cleanedUp = false;
const pageErrors: string[] = [];
const reports: Record<string, PageReport> = {};

/** Stops everything this test started and removes the temporary folder except the screenshots. */
async function cleanUp(): Promise<void> {
  if (cleanedUp) return;
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
  else log(`screenshots: ${shotsDir}`);
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

/** Opens `notebook`, runs all cells, checks the page, screenshots it, shuts its kernel down. */
async function runInBrowser(notebook: string, budgetMs: number): Promise<PageReport> {
  assert.ok(server && context, "server and browser are running");
  const page: Page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(`${notebook}: ${err.message}`));
  const deadline = Math.min(DEADLINE, Date.now() + budgetMs);
  try {
    log(`${notebook}: opening`);
    await openNotebook(page, server, notebook, deadline);
    log(`${notebook}: kernel ready; Cell → Run All`);
    const t0 = Date.now();
    await runAllFromMenu(page);
    await waitForRunAll(page, deadline, (l) => log(`${notebook}: ${l}`));
    log(`${notebook}: all cells ran in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const before = await inspectPage(page);
    await saveNotebook(page);
    const report = { ...(await inspectPage(page)), outputsTrusted: before.outputsTrusted };
    reports[notebook] = report;
    fs.mkdirSync(shotsDir, { recursive: true });
    fs.writeFileSync(path.join(shotsDir, "report.json"), JSON.stringify({ notebookVersion: server.version, reports, pageErrors }, null, 2) + "\n");
    await screenshotNotebook(page, path.join(shotsDir, notebook.replace(/\.ipynb$/, ".png")));
    return report;
  } catch (err) {
    // Keep what the page showed when it went wrong.
    fs.mkdirSync(shotsDir, { recursive: true });
    await page.screenshot({ path: path.join(shotsDir, notebook.replace(/\.ipynb$/, ".failed.png")), timeout: 20_000 }).catch(() => undefined);
    throw err;
  } finally {
    await server.shutdownKernels();
    await page.close().catch(() => undefined);
  }
}

/** The checks every notebook shares: all cells ran, no error output, the plots are drawn from plain HTML. */
function assertRendered(name: string, r: PageReport, minPlots: number): void {
  assert.equal(r.kernelName, "bert-imdb-ts", `${name}: kernel`);
  assert.ok(r.outputsTrusted, `${name}: outputs of the live session are trusted (their scripts run)`);
  assert.ok(r.trusted, `${name}: once saved, the notebook is trusted`);
  for (const c of r.cells) {
    assert.equal(typeof c.prompt, "number", `${name}: code cell ${c.index} did not run (prompt ${JSON.stringify(c.prompt)})`);
    assert.deepEqual(c.errors, [], `${name}: code cell ${c.index} shows an error output`);
    const bad = c.stderr.filter((s) => /Error/.test(s));
    assert.deepEqual(bad, [], `${name}: code cell ${c.index} wrote an error to stderr`);
  }
  assert.deepEqual(r.nbextensions, [], `${name}: no Jupyter extension is loaded`);
  assert.ok(!r.mimeTypes.includes("application/vnd.plotly.v1+json"), `${name}: no plotly renderer is registered (${r.mimeTypes.join(", ")})`);
  assert.ok(r.plotlyVersion, `${name}: window.Plotly is defined by the inlined library`);
  assert.ok(r.plots.length >= minPlots, `${name}: expected at least ${minPlots} drawn plot(s), found ${r.plots.length}; placeholders: ${r.placeholders.join(" | ")}`);
  for (const p of r.plots) {
    assert.ok(p.inHtmlOutput, `${name}: plot ${p.id} is drawn by the HTML output`);
    assert.ok(p.traces > 0 && p.points.every((n) => n > 0), `${name}: plot "${p.title}" has traces with data (${JSON.stringify(p.points)})`);
    assert.ok(p.svgTraceGroups > 0, `${name}: plot "${p.title}" drew its traces into SVG`);
    assert.ok(p.width > 100 && p.height > 100, `${name}: plot "${p.title}" has a visible size (${p.width}×${p.height})`);
    assert.ok(new Set(p.binSizes).size <= 1, `${name}: overlaid histograms in "${p.title}" share one bin width (${p.binSizes.join(", ")})`);
  }
  assert.equal(r.placeholders.length, 0, `${name}: every plot replaced its text placeholder`);
  assert.deepEqual(pageErrors.filter((e) => e.startsWith(name)), [], `${name}: no JavaScript error in the page`);
}

const skipReason = missingTools();
if (skipReason && process.env.CI === "true") throw new Error(`CI=true: the browser test cannot run: ${skipReason}`);

before(async () => {
  if (skipReason) return;
  fs.mkdirSync(runDir, { recursive: true });
  // A temporary copy of the notebooks, outputs cleared (the repository's files are never opened for writing).
  fs.mkdirSync(notebookDir);
  for (const f of fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => f.endsWith(".ipynb"))) {
    const nb = JSON.parse(fs.readFileSync(path.join(ROOT, "notebooks", f), "utf8"));
    for (const c of nb.cells) if (c.cell_type === "code") Object.assign(c, { outputs: [], execution_count: null });
    fs.writeFileSync(path.join(notebookDir, f), JSON.stringify(nb, null, 1) + "\n");
  }
  const imdb = process.env.IMDB_DATA_DIR ?? (fs.existsSync(sharedPath("imdb")) ? sharedPath("imdb") : undefined);
  const kernelEnv: Record<string, string> = { BERT_IMDB_PRESET: "quick", BERT_IMDB_RUN_DIR: runDir, ...(imdb ? { IMDB_DATA_DIR: imdb } : {}) };
  server = await startNotebookServer({ notebookDir, tmpDir: tmpRoot, kernelEnv, startTimeoutMs: 90_000 });
  log(`Jupyter Notebook ${server.version} at ${server.baseUrl}; run directory ${runDir}; IMDb ${imdb ?? "(none: synthetic)"}`);
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
  await cleanUp();
});

test("classic Notebook: 01-load runs from Cell → Run All and draws its plot", { skip: skipReason ?? false, timeout: TOTAL_MS }, async () => {
  const r = await runInBrowser("01-load.ipynb", 150_000);
  assertRendered("01-load", r, 1);
  assert.ok(r.tables >= 2, `01-load: its tables are shown (${r.tables})`);
  const hist = r.plots[0];
  assert.ok(hist.traces >= 2 && hist.traceTypes.every((t) => t === "histogram"), `01-load: a histogram per label (${hist.traceTypes.join(", ")})`);
});

let runnerOk = false;
test("headless runner: notebooks 02–06 with the same kernel settings (their map() results are cached for 07)", { skip: skipReason ?? false, timeout: TOTAL_MS }, async (t) => {
  if (!reports["01-load.ipynb"]) return t.skip("01-load did not run in the browser");
  const child = startGroup(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "run-notebooks.ts"), "--preset", "quick", "--only", "02,03,04,05,06"], {
    cwd: ROOT,
    env: { ...process.env, BERT_IMDB_PRESET: "quick", BERT_IMDB_RUN_DIR: runDir, JUPYTER_RUNTIME_DIR: path.join(tmpRoot, "runner-runtime") },
    label: "runner",
  });
  const budget = Math.max(0, DEADLINE - Date.now() - 300_000); // leave 07 five minutes
  const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), budget).unref());
  const code = await Promise.race([exited(child), timer]);
  if (code === "timeout") {
    await stopGroup(child);
    killProcessesMentioning(path.join(tmpRoot, "runner-runtime"));
    assert.fail(`the runner did not finish stages 02–06 within ${(budget / 1000).toFixed(0)} s`);
  }
  assert.equal(code, 0, "the runner executed 02–06 without a failing cell");
  runnerOk = true;
  log("stages 02–06 done (headless)");
});

test("classic Notebook: 07-train trains from Cell → Run All, live progress to 100 %, loss plot drawn", { skip: skipReason ?? false, timeout: TOTAL_MS }, async (t) => {
  if (!runnerOk) return t.skip("notebooks 02–06 did not run");
  const r = await runInBrowser("07-train.ipynb", DEADLINE - Date.now());
  assertRendered("07-train", r, 1);
  assert.ok(r.progress.length > 0, "07-train shows a progress display");
  const last = r.progress[r.progress.length - 1];
  assert.ok(last.total > 0 && last.done === last.total, `07-train: the last progress display reached 100 % (${last.done}/${last.total}: ${last.text})`);
  const loss = r.plots.find((p) => /loss/i.test(p.title));
  assert.ok(loss, `07-train: a loss plot is drawn (titles: ${r.plots.map((p) => p.title).join(", ")})`);
});
