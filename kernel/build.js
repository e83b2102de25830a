// Keeps dist/ (what the notebooks import, `./dist/index`) in step with src/: the kernel calls this before tslab
// starts. Used by kernel/launch.js; tested in test/kernel.build.test.ts.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

/** The newest modification time of the files under `dir` whose names end in `ext`, 0 when there are none. */
function newestMtime(dir, ext) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds `root`/dist (tsc -p tsconfig.json, with the tsc that `npm run build` runs: node_modules/.bin/tsc) when
 * dist/index.js is missing or older than a .ts file under src/. `log` gets one line before and one after, and
 * tsc's messages; a type error is reported and the build still emits, as tsc does.
 * Returns "fresh" (nothing to do), "built" or "failed".
 */
function rebuildIfSourcesChanged(root, log) {
  const entry = path.join(root, "dist", "index.js");
  const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
  if (built > 0 && newestMtime(path.join(root, "src"), ".ts") <= built) return "fresh";
  const started = Date.now();
  log(`bert-imdb-ts: ${built ? "src/ changed since dist/ was built" : "dist/ is not built yet"}; building it (tsc -p tsconfig.json) ...`);
  let tsc;
  try {
    tsc = fs.realpathSync(path.join(root, "node_modules", ".bin", "tsc"));
  } catch {
    log("bert-imdb-ts: node_modules/.bin/tsc is missing: run `npm ci` in the project folder; the notebooks import the dist/ that is there");
    return "failed";
  }
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.json")], { cwd: root, encoding: "utf8" });
  if (r.stdout && r.stdout.trim()) log(r.stdout.trimEnd());
  if (r.status !== 0) {
    log(`bert-imdb-ts: tsc exited with ${r.status}${r.error ? ` (${r.error.message})` : ""}; the notebooks import what it emitted`);
    return "failed";
  }
  log(`bert-imdb-ts: dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return "built";
}

module.exports = { rebuildIfSourcesChanged, newestMtime };
