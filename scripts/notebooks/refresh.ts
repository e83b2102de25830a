// npm run notebooks:refresh — runs the quick preset's ten notebooks headless (scripts/run-notebooks.ts, which
// adds a static PNG to every plot) and writes their committed copies into docs/notebooks/: cleaned by
// publish.ts (no plotly.js, no machine paths, no timestamps), signed as trusted with the local Jupyter
// secret, plus a README listing them.
// The run uses a fresh run folder of its own, runs/notebooks-refresh/ (emptied first): in runs/quick/ an
// earlier run's checkpoints would make notebook 07 resume instead of train, and the user's run stays as it
// is. Outputs name that folder as runs/quick/, the folder a reader's own quick run uses.
//   npm run notebooks:refresh                      run all ten, then publish
//   npm run notebooks:refresh -- --timeout 3000    per-cell timeout for the run (seconds)
//   npm run notebooks:refresh -- --publish-only [--from DIR]   publish an earlier run's executed copies
// Nothing in docs/notebooks/ changes unless every notebook ran and every copy passes the checks (each plot has
// its image, no absolute path is left, the data is IMDb and not the synthetic fallback). Exit 1 otherwise,
// with every problem listed; 2 for bad usage.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { joinText, outputsOf, readNotebook, writeNotebook } from "./ipynb";
import { cleanForDocsOrThrow, machinePathRules, PublishError } from "./publish";

const ROOT = path.resolve(__dirname, "..", "..");
const NOTEBOOKS_DIR = path.join(ROOT, "notebooks");
const DOCS_DIR = path.join(ROOT, "docs", "notebooks");
const SYNTHETIC_MARK = "SYNTHETIC review set";
const RUN_DIR = path.join(ROOT, "runs", "notebooks-refresh");
const SHOWN_RUN_DIR = "runs/quick";

interface Args {
  publishOnly: boolean;
  from?: string;
  out: string;
  timeout?: string;
  allowSynthetic: boolean;
}

function usage(msg: string): never {
  console.error(`notebooks:refresh: ${msg}`);
  console.error("usage: notebooks:refresh [--timeout SECONDS_PER_CELL] [--publish-only [--from DIR]] [--out DIR] [--allow-synthetic]");
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { publishOnly: false, out: DOCS_DIR, allowSynthetic: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i] ?? usage(`${k} needs a value`);
    if (k === "--publish-only") a.publishOnly = true;
    else if (k === "--from") a.from = path.resolve(v());
    else if (k === "--out") a.out = path.resolve(v());
    else if (k === "--timeout") a.timeout = v();
    else if (k === "--allow-synthetic") a.allowSynthetic = true;
    else if (k === "-h" || k === "--help") usage("help");
    else usage(`unknown argument ${k}`);
  }
  if (a.from && !a.publishOnly) usage("--from needs --publish-only");
  return a;
}

/** A Python with nbformat (for signing): BERT_IMDB_PYTHON, python3, /usr/bin/python3. */
function findPython(): string | null {
  for (const py of [process.env.BERT_IMDB_PYTHON, "python3", "/usr/bin/python3"]) {
    if (py && spawnSync(py, ["-c", "import nbformat"], { stdio: "ignore" }).status === 0) return py;
  }
  return null;
}

let outDir = DOCS_DIR;

function fail(msg: string): never {
  console.error(`\nnotebooks:refresh: ${msg}\nNothing in ${path.relative(ROOT, outDir) || outDir}/ was changed.`);
  process.exit(1);
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KB`;
}

function main(): void {
  const a = parseArgs(process.argv.slice(2));
  outDir = a.out;
  const executedDir = a.from ?? path.join(RUN_DIR, "notebooks");
  const stages = fs.readdirSync(NOTEBOOKS_DIR).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();

  if (!a.publishOnly) {
    fs.rmSync(RUN_DIR, { recursive: true, force: true });
    const args = ["--import", "tsx", path.join(ROOT, "scripts", "run-notebooks.ts"), "--preset", "quick", "--out-dir", executedDir];
    if (a.timeout) args.push("--timeout", a.timeout);
    const env = { ...process.env, BERT_IMDB_PRESET: "quick", BERT_IMDB_RUN_DIR: RUN_DIR };
    const r = spawnSync(process.execPath, args, { stdio: "inherit", cwd: ROOT, env });
    if (r.status !== 0) fail(`the run failed (exit ${r.status ?? r.signal}): see its output above`);
  }

  // Every stage notebook ran, in this run.
  const summaryFile = path.join(executedDir, "summary.json");
  const summary = fs.existsSync(summaryFile)
    ? (JSON.parse(fs.readFileSync(summaryFile, "utf8")) as { preset: string; finishedAt: string; results: Array<{ notebook: string; ok: boolean; seconds: number }> })
    : null;
  const missing = stages.filter((s) => !fs.existsSync(path.join(executedDir, s)));
  if (missing.length) fail(`no executed copy of ${missing.join(", ")} in ${executedDir}`);
  if (summary) {
    const bad = stages.filter((s) => !summary.results.some((r) => r.notebook === s && r.ok));
    if (bad.length) fail(`${executedDir}/summary.json does not show ${bad.join(", ")} as run successfully in the last run (run them: npm run notebooks:refresh)`);
    if (summary.preset !== "quick") fail(`the executed copies are of preset "${summary.preset}", not quick`);
  }

  const relRunDir = path.relative(ROOT, RUN_DIR);
  const rules = machinePathRules(ROOT, process.env, [
    { from: RUN_DIR + "/", to: SHOWN_RUN_DIR + "/" },
    { from: RUN_DIR, to: SHOWN_RUN_DIR },
    { from: relRunDir + "/", to: SHOWN_RUN_DIR + "/" },
    { from: relRunDir, to: SHOWN_RUN_DIR },
  ]);
  const problems: string[] = [];
  const cleaned: Array<{ name: string; nb: ReturnType<typeof readNotebook>; plots: number }> = [];
  for (const name of stages) {
    const nb = readNotebook(path.join(executedDir, name));
    if (!a.allowSynthetic && [...outputsOf(nb)].some(({ output }) => joinText(output.text).includes(SYNTHETIC_MARK)))
      problems.push(`${name}: the run used the synthetic review set, not IMDb (set IMDB_DATA_DIR or go online; --allow-synthetic to publish anyway)`);
    try {
      const r = cleanForDocsOrThrow(nb, name, rules, [ROOT]);
      cleaned.push({ name, nb: r.notebook, plots: r.plots });
    } catch (e) {
      if (!(e instanceof PublishError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length) fail(`the executed copies cannot be published:\n  ${problems.join("\n  ")}`);

  const python = findPython();
  if (!python) fail("no Python with nbformat to sign the notebooks (apt-get install python3-nbformat, or set BERT_IMDB_PYTHON)");
  fs.mkdirSync(a.out, { recursive: true });
  for (const f of fs.readdirSync(a.out)) if (f.endsWith(".ipynb") && !stages.includes(f)) fs.rmSync(path.join(a.out, f));
  const written = cleaned.map(({ name, nb }) => {
    const file = path.join(a.out, name);
    writeNotebook(file, nb, { compactNumbers: true });
    return file;
  });
  const sign = spawnSync(python, [path.join(__dirname, "sign_notebooks.py"), ...written], { stdio: "inherit" });
  if (sign.status !== 0) fail("signing failed (see above)");
  fs.writeFileSync(path.join(a.out, "README.md"), readme(relRunDir, cleaned, summary));

  console.log(`\nCommitted copies in ${path.relative(ROOT, a.out) || a.out}/ (signed as trusted here):`);
  for (const { name, plots } of cleaned) console.log(`  ${name.padEnd(20)} ${kb(fs.statSync(path.join(a.out, name)).size).padStart(8)}   ${plots} plot(s)`);
}

function readme(relRunDir: string, nbs: Array<{ name: string; plots: number }>, summary: { finishedAt: string; results: Array<{ notebook: string; seconds: number }> } | null): string {
  const secs = (name: string) => summary?.results.find((r) => r.notebook === name)?.seconds;
  const rows = nbs.map(({ name, plots }) => {
    const s = secs(name);
    return `| [\`${name.replace(/\.ipynb$/, "")}\`](${name}) | ${s === undefined ? "" : s.toFixed(0)} | ${plots} |`;
  });
  return [
    "# Executed notebooks (quick preset)",
    "",
    "The ten notebooks of [`notebooks/`](../../notebooks/) with the outputs of one headless run of the quick preset",
    "(BERT-Tiny's shape on a seeded sample of IMDb; see the main README), so that they can be read without running",
    "anything: on GitHub, in JupyterLab, or as HTML (`jupyter nbconvert --to html`).",
    "",
    "Plots are static PNG images here: plotly.js is not kept in these copies. Run a notebook for its interactive plots.",
    "Paths of the machine that ran them are written relative to the repository, `~` or `$IMDB_DATA_DIR`; the run's",
    `own folder (\`${relRunDir}/\`, fresh for each refresh) appears as \`${SHOWN_RUN_DIR}/\`, where a quick run of yours writes.`,
    "",
    "Written by `npm run notebooks:refresh` (needs IMDb: `IMDB_DATA_DIR` or the network, and Chromium for the images);",
    `this run finished ${summary ? summary.finishedAt.slice(0, 10) : "(date unknown)"}.`,
    "",
    "| notebook | seconds | plots |",
    "|---|---:|---:|",
    ...rows,
    "",
  ].join("\n");
}

main();
