#!/usr/bin/env node
// Entry point of the project's tslab kernel. Jupyter starts kernels in the notebook's folder (notebooks/), but
// tslab only compiles imported .ts files below its working directory (its rootDir), so `../src` would be
// rejected. Starting tslab from the project root lets every notebook `import ... from "./src"` directly: the
// notebooks use the live sources, no copies, no symlinks.
"use strict";
const path = require("node:path");

const root = path.resolve(__dirname, "..");
// Jupyter hands over an absolute connection file, but resolve it before changing directory to be safe.
const i = process.argv.indexOf("--config-path");
if (i >= 0 && process.argv[i + 1]) process.argv[i + 1] = path.resolve(process.argv[i + 1]);
process.env.BERT_IMDB_ROOT = root;
process.env.BERT_IMDB_NOTEBOOK_DIR = process.env.BERT_IMDB_NOTEBOOK_DIR || process.cwd();
process.chdir(root);
require("tslab/dist/main.js").main();
