// The headless notebook runner must fail loudly: a failing cell, a timeout, a dead kernel and a type error
// each give a non-zero exit and print the cause; a passing notebook gives 0 and an executed copy.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import * as assert from "node:assert/strict";

const ROOT = path.resolve(__dirname, "..");
const FIX = path.join(__dirname, "fixtures", "notebooks");

function run(notebook: string, extra: string[] = []) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "runner-"));
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "runner-run-"));
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "scripts", "run-notebooks.ts"), "--notebook", path.join(FIX, notebook), "--out-dir", out, ...extra],
    { cwd: ROOT, encoding: "utf8", env: { ...process.env, BERT_IMDB_RUN_DIR: runDir }, timeout: 120_000 },
  );
  return { status: r.status, text: `${r.stdout}\n${r.stderr}`, executed: path.join(out, notebook) };
}

test("a passing notebook exits 0 and writes the executed copy with outputs", () => {
  const r = run("passing.ipynb");
  assert.equal(r.status, 0, r.text);
  const nb = JSON.parse(fs.readFileSync(r.executed, "utf8"));
  assert.match(JSON.stringify(nb.cells[0].outputs), /preset/);
  assert.match(JSON.stringify(nb.cells[1].outputs), /42/);
});

test("a failing cell exits non-zero and prints the cell's error text", () => {
  const r = run("failing.ipynb");
  assert.equal(r.status, 1, r.text);
  assert.match(r.text, /deliberate failure in cell 2/);
  assert.match(r.text, /code cell #1 ended with status 'error'/);
  const nb = JSON.parse(fs.readFileSync(r.executed, "utf8"));
  assert.doesNotMatch(JSON.stringify(nb.cells[2].outputs), /must not run/);
});

test("a type error reported by tslab fails the run", () => {
  const r = run("typeerror.ipynb");
  assert.equal(r.status, 1, r.text);
  assert.match(r.text, /not assignable to type 'number'/);
});

test("a cell past the per-cell timeout fails the run", () => {
  const r = run("timeout.ipynb", ["--timeout", "3"]);
  assert.equal(r.status, 1, r.text);
  assert.match(r.text, /per-cell timeout of 3 s/);
});

test("a dead kernel fails the run", () => {
  const r = run("dying.ipynb");
  assert.equal(r.status, 1, r.text);
  assert.match(r.text, /kernel died/i);
});

test("a burst of display updates and prints does not break the kernel (queued zmq sends)", () => {
  // Without kernel/launch.js's send queue, zeromq 6 rejects overlapping sends and this cell fails.
  const r = run("burst.ipynb");
  assert.equal(r.status, 0, r.text);
  const nb = JSON.parse(fs.readFileSync(r.executed, "utf8"));
  assert.match(JSON.stringify(nb.cells[0].outputs), /update 299/);
  assert.match(JSON.stringify(nb.cells[1].outputs), /done/);
});
