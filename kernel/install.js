#!/usr/bin/env node
// `npm run kernel:install [-- --heap-mb 16384] [--prefix DIR | --sys-prefix]`: registers the kernel
// "TypeScript (bert-imdb-ts)" with Jupyter (JupyterLab and the classic Notebook read the same kernel specs).
// Environment variables set now (BERT_IMDB_BACKEND, IMDB_DATA_DIR, HF_HOME, ...) are recorded in the spec.
"use strict";
const { execFileSync } = require("node:child_process");
const os = require("node:os");
const path = require("node:path");
const fs = require("node:fs");
const { writeKernelSpec, KERNEL_NAME, DISPLAY_NAME } = require("./kernelspec");

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function jupyterDataDir() {
  try {
    return execFileSync("jupyter", ["--data-dir"], { encoding: "utf8" }).trim();
  } catch {
    // Jupyter's documented default per platform when `jupyter` is not on PATH.
    if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
    if (process.platform === "darwin") return path.join(os.homedir(), "Library", "Jupyter");
    if (process.platform === "win32") return path.join(process.env.APPDATA ?? os.homedir(), "jupyter");
    return path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local", "share"), "jupyter");
  }
}

function main() {
  const heapMb = Number(arg("--heap-mb") ?? 8192);
  if (!Number.isInteger(heapMb) || heapMb < 512) throw new Error(`--heap-mb must be an integer ≥ 512, got ${arg("--heap-mb")}`);
  let prefix = arg("--prefix");
  if (process.argv.includes("--sys-prefix")) {
    prefix = execFileSync("python3", ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).trim();
  }
  const kernelsDir = prefix ? path.join(prefix, "share", "jupyter", "kernels") : path.join(jupyterDataDir(), "kernels");
  const dir = writeKernelSpec(kernelsDir, { heapMb });
  const spec = JSON.parse(fs.readFileSync(path.join(dir, "kernel.json"), "utf8"));
  console.log(`Installed kernel "${DISPLAY_NAME}" (name ${KERNEL_NAME}) in ${dir}`);
  console.log(`  command: ${spec.argv.join(" ")}`);
  console.log(`  env: ${JSON.stringify(spec.env)}`);
  console.log("Open notebooks/01-load.ipynb in JupyterLab and pick this kernel (Kernel → Change Kernel).");
}

try {
  main();
} catch (err) {
  console.error(`kernel:install failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
