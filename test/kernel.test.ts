// The kernel spec: absolute paths, the project's launcher, a larger heap, and an install that lands where
// Jupyter looks (tested with --prefix so the user's own Jupyter folders are untouched).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import * as assert from "node:assert/strict";

const ROOT = path.resolve(__dirname, "..");

test("kernel:install writes an absolute-path spec for 'TypeScript (bert-imdb-ts)'", () => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "kernel-prefix-"));
  const r = spawnSync(process.execPath, [path.join(ROOT, "kernel", "install.js"), "--prefix", prefix, "--heap-mb", "4096"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const spec = JSON.parse(fs.readFileSync(path.join(prefix, "share", "jupyter", "kernels", "bert-imdb-ts", "kernel.json"), "utf8"));
  assert.equal(spec.display_name, "TypeScript (bert-imdb-ts)");
  assert.equal(spec.language, "typescript");
  assert.ok(path.isAbsolute(spec.argv[0]));
  assert.equal(spec.argv[1], "--max-old-space-size=4096");
  assert.equal(spec.argv[2], path.join(ROOT, "kernel", "launch.js"));
  assert.deepEqual(spec.argv.slice(3), ["kernel", "--config-path", "{connection_file}"]);
  assert.equal(spec.env.BERT_IMDB_ROOT, ROOT);
});

test("kernel:install rejects a silly heap size with a clear message", () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, "kernel", "install.js"), "--prefix", os.tmpdir(), "--heap-mb", "12"], { encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--heap-mb must be an integer/);
});
