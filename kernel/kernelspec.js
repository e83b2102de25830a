// Builds the Jupyter kernel spec of this project's tslab kernel ("TypeScript (bert-imdb-ts)").
// Shared by `npm run kernel:install` (installs it for JupyterLab/Notebook) and the headless notebook runner
// (which writes it into a private JUPYTER_PATH so it never touches the user's Jupyter setup).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const KERNEL_NAME = "bert-imdb-ts";
const DISPLAY_NAME = "TypeScript (bert-imdb-ts)";
const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Environment variables the project reads that a kernel should inherit when they are set at install time. */
const PASSED_ENV = ["BERT_IMDB_BACKEND", "BERT_IMDB_PRESET", "BERT_IMDB_RUN_DIR", "IMDB_DATA_DIR", "HF_HOME", "HF_HUB_CACHE", "HF_DATASETS_CACHE", "HF_HUB_OFFLINE", "LD_LIBRARY_PATH"];

/**
 * @param {{ heapMb?: number, env?: Record<string, string>, node?: string }} [opts]
 * @returns {object} the kernel.json content, with absolute paths
 */
function kernelSpec(opts = {}) {
  const heapMb = opts.heapMb ?? 8192;
  const env = { BERT_IMDB_ROOT: PROJECT_ROOT };
  for (const k of PASSED_ENV) if (process.env[k]) env[k] = process.env[k];
  Object.assign(env, opts.env ?? {});
  return {
    argv: [
      opts.node ?? process.execPath,
      `--max-old-space-size=${heapMb}`,
      path.join(PROJECT_ROOT, "kernel", "launch.js"),
      "kernel",
      "--config-path",
      "{connection_file}",
    ],
    display_name: DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "signal",
    env,
    metadata: { project: "bert-imdb-ts", root: PROJECT_ROOT },
  };
}

/** Writes `<kernelsDir>/bert-imdb-ts/kernel.json`; returns the spec folder. */
function writeKernelSpec(kernelsDir, opts) {
  const dir = path.join(kernelsDir, KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelSpec(opts), null, 2) + "\n");
  return dir;
}

module.exports = { KERNEL_NAME, DISPLAY_NAME, PROJECT_ROOT, kernelSpec, writeKernelSpec };
