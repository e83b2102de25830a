// The wasm backend with threads under Node (src/backends/wasmThreads.ts): each case runs
// test/wasmThreadsWorker.ts in a child process (the thread count is fixed once per process), which must report
// its thread count, give the same numbers as the 1-thread backend (matrix products, a tiny BERT's forward and every
// gradient) and exit by itself within a few seconds of its last line (pthread workers must not keep it alive).
// Threads need at least 2 CPUs only for speed: BERT_IMDB_WASM_THREADS=2 starts 2 on any machine.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { test } from "node:test";
import { WASM_MAX_THREADS, WASM_THREADS_ENV, wasmThreadsWanted } from "../src/backends/wasmThreads";

const WORKER = path.join(__dirname, "wasmThreadsWorker.ts");
/** Longest wait from the child's last line ("DONE") to its exit. */
const EXIT_WITHIN_MS = 5000;

interface ChildResult {
  device: string;
  threads: number | null;
  sharedHeap: boolean;
  heapBytes: number | null;
  pthreads: { running: number; unused: number } | null;
  values: Record<string, string>;
  /** Milliseconds from "DONE" on stdout to the process's exit. */
  exitMs: number;
  stderr: string;
}

function runChild(threads: string, args: string[] = []): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, [WASM_THREADS_ENV]: threads, BERT_IMDB_BACKEND: "wasm" };
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], { cwd: path.join(__dirname, ".."), env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let doneAt = 0;
    let killer: NodeJS.Timeout | undefined;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (!doneAt && /^DONE$/m.test(stdout)) {
        doneAt = performance.now();
        killer = setTimeout(() => child.kill("SIGKILL"), EXIT_WITHIN_MS * 4);
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
      if (code !== 0 || !line || !doneAt) {
        reject(new Error(`child (${WASM_THREADS_ENV}=${threads} ${args.join(" ")}) ended with code ${code}, signal ${signal}:\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`));
        return;
      }
      resolve({ ...JSON.parse(line.slice("RESULT ".length)), exitMs: performance.now() - doneAt, stderr });
    });
  });
}

function floats(b64: string): Float32Array {
  const buf = Buffer.from(b64, "base64");
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

/** Largest |a − b| / max(|a|, |b|, 1e-3) over the arrays (the floor keeps near-zero gradients from inflating it). */
function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]), 1e-3));
  return worst;
}

function assertExitedPromptly(r: ChildResult, label: string): void {
  assert.ok(r.exitMs < EXIT_WITHIN_MS, `${label}: the process took ${r.exitMs.toFixed(0)} ms to exit after its last line`);
}

let single: Promise<ChildResult> | undefined;
const oneThread = () => (single ??= runChild("1"));

test("thread count: BERT_IMDB_WASM_THREADS, else os.availableParallelism() (at most 8); malformed values refused", () => {
  assert.deepEqual(wasmThreadsWanted({ [WASM_THREADS_ENV]: "3" }), { threads: 3, source: `${WASM_THREADS_ENV}=3` });
  assert.equal(wasmThreadsWanted({ [WASM_THREADS_ENV]: "64" }).threads, WASM_MAX_THREADS);
  assert.equal(wasmThreadsWanted({}).threads, Math.min(require("node:os").availableParallelism(), WASM_MAX_THREADS));
  for (const bad of ["0", "-1", "1.5", "two"]) assert.throws(() => wasmThreadsWanted({ [WASM_THREADS_ENV]: bad }), /is not a thread count/);
});

test("2 threads: reported, shared heap, same numbers as 1 thread (matMul, tiny BERT forward + gradients), process exits", async () => {
  const [one, two] = await Promise.all([oneThread(), runChild("2")]);
  assert.equal(one.threads, 1);
  assert.match(one.device, /1 thread \(BERT_IMDB_WASM_THREADS=1\)/);
  assert.equal(one.sharedHeap, false);
  assert.equal(two.threads, 2, `${two.device}\n${two.stderr}`);
  assert.match(two.device, /WebAssembly SIMD \(XNNPACK\), 2 threads/);
  assert.equal(two.sharedHeap, true, "the threaded build's heap is a SharedArrayBuffer");
  assert.ok(two.heapBytes !== null && two.heapBytes > 0 && two.heapBytes <= 4 * 1024 ** 3);
  // One pthread runs XNNPACK's second thread; the pool's idle workers were terminated.
  assert.deepEqual(two.pthreads, { running: 1, unused: 0 });
  assert.deepEqual(Object.keys(two.values).sort(), Object.keys(one.values).sort());
  assert.ok(Object.keys(one.values).filter((k) => k.startsWith("grad:")).length > 10);
  for (const key of Object.keys(one.values)) {
    const d = maxRelDiff(floats(one.values[key]), floats(two.values[key]));
    assert.ok(d <= 1e-6, `${key}: 2 threads differ from 1 by ${d.toExponential(2)} (relative)`);
  }
  assertExitedPromptly(one, "1 thread");
  assertExitedPromptly(two, "2 threads");
});

for (const mode of ["error", "throw"] as const) {
  test(`threads that cannot start (pthread worker ${mode === "error" ? "fails to load" : "cannot be created"}): 1 thread, with the reason, same numbers`, async () => {
    const [one, broken] = await Promise.all([oneThread(), runChild("2", ["--inject-worker-failure", mode])]);
    assert.equal(broken.threads, 1);
    assert.match(broken.device, /1 thread \(threads could not start: a pthread worker (failed during start-up|could not be created) \(.*injected/);
    assert.equal(broken.sharedHeap, false);
    for (const key of Object.keys(one.values)) assert.equal(broken.values[key], one.values[key], key);
    assertExitedPromptly(broken, `fallback (${mode})`);
  });
}
