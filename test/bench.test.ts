// npm run bench:train (bench/train.ts) on the cpu backend at a tiny size: the script the GPU figures in
// environment.md come from must keep running, report the backend, and read the steps' figures in the groups the
// bench asks for (--read-every). bert-base's config.json comes from assets/, so no ../shared is needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");

function runBench(args: string[]): string {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/train.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, BERT_IMDB_SHARED: path.join(ROOT, "assets") },
    encoding: "utf8",
    timeout: 180_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `bench/train.ts failed:\n${out}`);
  return out;
}

test("bench:train runs on cpu: backend named, steps read in the groups asked for, train and eval samples/s printed", () => {
  const out = runBench(["--backend", "cpu", "--model", "quick", "--steps", "3", "--batch", "2", "--seq", "16", "--eval-batch", "2", "--eval-batches", "2", "--read-every", "2"]);
  assert.match(out, /^backend: cpu — device: /m);
  for (const step of [1, 2, 3]) assert.match(out, new RegExp(`^step ${step}: loss \\d+\\.\\d+, grad_norm \\d+\\.\\d+`, "m"));
  // Read every 2: steps 1–2 together, then the last step alone at the end.
  assert.match(out, /steps 1–2 \(read together\)/);
  assert.doesNotMatch(out, /steps 3–/);
  const train = out.match(/^TRAIN quick preset .*?: ([\d.]+) samples\/s .*figures read every 2;/m);
  assert.ok(train && Number(train[1]) > 0, `no TRAIN line with samples/s:\n${out}`);
  const evalLine = out.match(/^EVAL quick preset .*?: ([\d.]+) samples\/s \(.* 2 batches\)/m);
  assert.ok(evalLine && Number(evalLine[1]) > 0, `no EVAL line with samples/s over 2 batches:\n${out}`);
});

test("bench:train names a bad argument, the kernels' options included", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/train.ts", "--backend", "cpu", "--model", "large"], { cwd: ROOT, env: { ...process.env, BERT_IMDB_SHARED: path.join(ROOT, "assets") }, encoding: "utf8", timeout: 120_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--model must be base, quick or both, got large/);
  const k = spawnSync(process.execPath, ["--import", "tsx", "bench/train.ts", "--backend", "cpu", "--matmul-variant", "vec8"], { cwd: ROOT, env: { ...process.env, BERT_IMDB_SHARED: path.join(ROOT, "assets") }, encoding: "utf8", timeout: 120_000 });
  assert.notEqual(k.status, 0);
  assert.match(k.stderr, /matMulVariant must be "vec4" or "scalar", got "vec8"/);
});

test("bench:train --profile prints the step's time per kernel", () => {
  const out = runBench(["--backend", "cpu", "--model", "quick", "--steps", "1", "--batch", "2", "--seq", "16", "--eval-batch", "2", "--eval-batches", "1", "--profile"]);
  assert.match(out, /^PROFILE one step: \d+ ms wall under tf\.profile, \d+ kernel calls/m);
  assert.match(out, /^ +[\d.]+ ms +×\d+ +BertImdbMatMul$/m, "the project's matMul kernel is in the list by name");
  assert.match(out, /^ +[\d.]+ ms +×\d+ +BertImdbMatMul \[\[/m, "and by input shapes");
});

test("the GPU host's bundles (scripts/gpu/bundle.ts, what pack.sh carries) build and start without node_modules", () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { bundleForGpuHost } = require("../scripts/gpu/bundle") as { bundleForGpuHost(dest: string): string[] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gpu-bundle-"));
  try {
    const files = bundleForGpuHost(dir);
    assert.deepEqual(files.map((f) => path.basename(f)).sort(), ["gpu.cjs", "train.cjs"]);
    // From a folder with no node_modules above it, as on the GPU host: bench:train's own argument check runs.
    const r = spawnSync(process.execPath, [path.join(dir, "train.cjs"), "--model", "nope"], { cwd: dir, encoding: "utf8", timeout: 120_000, env: { ...process.env, BERT_IMDB_BACKEND: "cpu" } });
    assert.match(`${r.stdout}\n${r.stderr}`, /--model must be base, quick or both, got nope/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
