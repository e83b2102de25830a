// Headless runner: executes the project's notebooks in order through the real tslab kernel (Jupyter protocol,
// via nbclient in scripts/execute_notebook.py) and writes executed copies under the run directory.
//   npm run pipeline -- --preset quick            all ten notebooks, the quick preset
//   npm run pipeline -- --preset paper --from 05  stages 05-10 of the paper run
//   node --import tsx scripts/run-notebooks.ts --notebook some.ipynb --out-dir /tmp/x   any notebook(s)
// Exit status 0 when every cell of every notebook ran; 1 when a cell failed, was aborted, timed out or the
// kernel died (the failing cell's source and stderr are printed); 2 for bad usage or a missing prerequisite.
// Each executed copy then gets a static PNG of every plot beside the interactive one (headless Chromium, one
// browser for the run; scripts/notebooks/staticImages.ts; without Chromium one line says none were made, or
// --no-static-images) and is signed as trusted with the local Jupyter secret, as Jupyter signs a notebook you
// ran and saved (scripts/notebooks/sign_notebooks.py).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PresetName, presetRunDir } from "../src/presets";
import { StaticImageSession } from "./notebooks/staticImages";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { writeKernelSpec, KERNEL_NAME } = require("../kernel/kernelspec") as {
  writeKernelSpec(dir: string, opts?: { heapMb?: number; env?: Record<string, string> }): string;
  KERNEL_NAME: string;
};

const ROOT = path.resolve(__dirname, "..");
const NOTEBOOKS_DIR = path.join(ROOT, "notebooks");

interface Args {
  preset?: string;
  only?: string[];
  from?: string;
  timeout?: number;
  notebooks: string[];
  outDir?: string;
  heapMb: number;
  staticImages: boolean;
}

function usage(msg: string): never {
  console.error(`run-notebooks: ${msg}`);
  console.error("usage: run-notebooks [--preset quick|paper] [--only 01,03] [--from 05] [--timeout SECONDS_PER_CELL] [--notebook FILE ...] [--out-dir DIR] [--heap-mb N] [--no-static-images]");
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { notebooks: [], heapMb: 8192, staticImages: true };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) usage(`${k} needs a value`);
      return x;
    };
    if (k === "--preset") a.preset = v();
    else if (k === "--only") a.only = v().split(",").map((s) => s.trim().padStart(2, "0"));
    else if (k === "--from") a.from = v().padStart(2, "0");
    else if (k === "--timeout") a.timeout = Number(v());
    else if (k === "--notebook") a.notebooks.push(path.resolve(v()));
    else if (k === "--out-dir") a.outDir = path.resolve(v());
    else if (k === "--heap-mb") a.heapMb = Number(v());
    else if (k === "--no-static-images") a.staticImages = false;
    else if (k === "-h" || k === "--help") usage("help");
    else usage(`unknown argument ${k}`);
  }
  if (a.timeout !== undefined && !(a.timeout > 0)) usage("--timeout must be a positive number of seconds");
  return a;
}

/** A Python that has nbclient: BERT_IMDB_PYTHON, else python3 on PATH, else Debian's /usr/bin/python3. */
function findPython(): string {
  const candidates = [process.env.BERT_IMDB_PYTHON, "python3", "/usr/bin/python3"].filter((x): x is string => !!x);
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", "import nbclient, nbformat, jupyter_client"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  console.error(
    "run-notebooks: no Python with nbclient found (tried " + candidates.join(", ") + ").\n" +
      "  Install Jupyter's execution libraries: `pip install jupyterlab nbclient` (or on Debian/Ubuntu:\n" +
      "  `apt-get install python3-nbclient python3-nbformat jupyter-client`), or point BERT_IMDB_PYTHON at a Python that has them.",
  );
  process.exit(2);
}

function stageNotebooks(a: Args): string[] {
  const all = fs.readdirSync(NOTEBOOKS_DIR).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
  return all
    .filter((f) => !a.only || a.only.includes(f.slice(0, 2)))
    .filter((f) => !a.from || f.slice(0, 2) >= a.from)
    .map((f) => path.join(NOTEBOOKS_DIR, f));
}

/** Signs the executed copies as trusted (the local Jupyter secret); a failure only warns. */
function signNotebooks(python: string, files: string[]): void {
  const existing = files.filter((f) => fs.existsSync(f));
  if (existing.length === 0) return;
  const r = spawnSync(python, [path.join(__dirname, "notebooks", "sign_notebooks.py"), ...existing], { encoding: "utf8" });
  if (r.status !== 0) console.log(`(the executed notebooks are not signed as trusted: ${(r.stderr || r.stdout || "").trim().split("\n").pop()})`);
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const preset = (a.preset ?? process.env.BERT_IMDB_PRESET ?? "quick") as PresetName;
  if (preset !== "quick" && preset !== "paper") usage(`unknown preset ${preset}: use quick or paper`);
  const cfg = { preset, runDir: presetRunDir(preset) };
  const outDir = a.outDir ?? path.join(cfg.runDir, "notebooks");
  const notebooks = a.notebooks.length ? a.notebooks : stageNotebooks(a);
  if (notebooks.length === 0) usage("no notebooks selected");
  const timeout = a.timeout ?? (cfg.preset === "quick" ? 900 : 48 * 3600);
  const python = findPython();

  // A private kernel spec: the runner never depends on (or changes) the user's installed kernels.
  const jupyterDir = path.join(cfg.runDir, ".jupyter");
  const env: Record<string, string> = { BERT_IMDB_PRESET: cfg.preset, BERT_IMDB_RUN_DIR: cfg.runDir };
  writeKernelSpec(path.join(jupyterDir, "kernels"), { heapMb: a.heapMb, env });
  fs.mkdirSync(outDir, { recursive: true });
  const childEnv = {
    ...process.env,
    ...env,
    JUPYTER_PATH: [jupyterDir, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    PYTHONUNBUFFERED: "1",
  };

  console.log(`Running ${notebooks.length} notebook(s), preset "${cfg.preset}", run directory ${cfg.runDir}, per-cell timeout ${timeout} s`);
  // One Python runs them all in order, each on a fresh kernel; it starts each next kernel while the notebook
  // before it runs (scripts/execute_notebook.py), and stops at the first failure: later notebooks build on it.
  const resultsFile = path.join(outDir, ".results.json");
  fs.rmSync(resultsFile, { force: true });
  const started = Date.now();
  spawnSync(
    python,
    [path.join(__dirname, "execute_notebook.py"), ...notebooks, "--out-dir", outDir, "--results", resultsFile, "--kernel", KERNEL_NAME, "--timeout", String(timeout)],
    { stdio: "inherit", env: childEnv },
  );
  const ran = fs.existsSync(resultsFile) ? (JSON.parse(fs.readFileSync(resultsFile, "utf8")) as Array<{ notebook: string; out: string; ok: boolean; seconds: number }>) : [];
  fs.rmSync(resultsFile, { force: true });
  const results = ran.map((r) => ({ notebook: path.basename(r.notebook), ok: r.ok, seconds: r.seconds, output: r.out }));
  const images = a.staticImages ? new StaticImageSession() : null;
  for (const r of results) if (images && fs.existsSync(r.output)) await addImages(images, r.output);
  await images?.close();
  signNotebooks(python, results.map((r) => r.output));
  const summary = { preset: cfg.preset, runDir: cfg.runDir, finishedAt: new Date().toISOString(), results };
  fs.writeFileSync(path.join(outDir, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
  const wall = (Date.now() - started) / 1000;
  console.log("\nnotebook                     status   seconds");
  for (const r of results) console.log(`${r.notebook.padEnd(28)} ${r.ok ? "ok    " : "FAILED"} ${r.seconds.toFixed(1).padStart(8)}`);
  const skipped = notebooks.length - results.length;
  if (skipped > 0) console.log(`(${skipped} later notebook(s) not run because of the failure)`);
  console.log(`(each from asking for its kernel to its last cell; ${results.length} notebook(s) in ${wall.toFixed(1)} s of wall time, static images included)`);
  console.log(`\nExecuted notebooks: ${outDir}`);
  console.log(`Run folder:         ${cfg.runDir}`);
  process.exit(results.every((r) => r.ok) && skipped === 0 ? 0 : 1);
}

async function addImages(images: StaticImageSession, file: string): Promise<void> {
  try {
    const r = await images.addToFile(file);
    if (!r || r.figures === 0) return;
    const failed = r.failed.map((f) => `cell ${f.cellIndex}: ${f.error}`).join("; ");
    console.log(`static images: ${r.added} added, ${r.figures} plot(s) in ${path.basename(file)}${failed ? ` — not rendered: ${failed}` : ""}`);
  } catch (e) {
    console.log(`static images: ${path.basename(file)} left without them: ${e instanceof Error ? e.message : String(e)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
