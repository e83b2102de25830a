// Backend selection and the backend-wide gradient fixes (gather through ScatterNd, matMul gradients).
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { BACKEND_ENV, backendInfo, initBackend } from "../src/backends/initBackend";
import { tf } from "../src/backends/tf";
import { guardWasmHeap, WasmHeapExhaustedError, wasmHeapBytes } from "../src/backends/wasmGuard";

let chosen = "";
before(async () => {
  chosen = (await initBackend(undefined, { quiet: true })).backend;
});

test("automatic choice: no native TensorFlow here (tfjs-node is only an alias of tfjs), so wasm, else cpu", async () => {
  const info = backendInfo();
  assert.equal(info.backend, tf.getBackend());
  if (process.env[BACKEND_ENV]) {
    assert.equal(info.backend, process.env[BACKEND_ENV]);
    return;
  }
  assert.ok(info.backend === "wasm" || info.backend === "tensorflow", `picked ${info.backend}`);
  if (info.backend === "wasm") {
    assert.ok(info.skipped.some((s) => /tfjs-node: an alias of @tensorflow\/tfjs@/.test(s)), info.skipped.join("; "));
    assert.match(info.device, /WebAssembly SIMD/);
  }
});

test("asking for a backend by name or env; unknown names are refused", async () => {
  await assert.rejects(initBackend("metal" as never), /"metal" is not a backend/);
  const saved = process.env[BACKEND_ENV];
  process.env[BACKEND_ENV] = "tpu";
  try {
    await assert.rejects(initBackend(), /BERT_IMDB_BACKEND="tpu" is not a backend/);
  } finally {
    if (saved === undefined) delete process.env[BACKEND_ENV];
    else process.env[BACKEND_ENV] = saved;
  }
  const cpu = await initBackend("cpu", { quiet: true });
  assert.equal(cpu.backend, "cpu");
  assert.equal(tf.getBackend(), "cpu");
  await initBackend(chosen as never, { quiet: true });
  assert.equal(tf.getBackend(), chosen);
});

function numericCheck(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, analytic: Float32Array): void {
  const base = x.arraySync() as number[][];
  const xs = x.dataSync();
  const h = 1e-2;
  for (let i = 0; i < xs.length; i++) {
    const plus = Float32Array.from(xs);
    const minus = Float32Array.from(xs);
    plus[i] += h;
    minus[i] -= h;
    const fp = tf.tidy(() => f(tf.tensor(plus, x.shape)).dataSync()[0]);
    const fm = tf.tidy(() => f(tf.tensor(minus, x.shape)).dataSync()[0]);
    const num = (fp - fm) / (2 * h);
    assert.ok(Math.abs(num - analytic[i]) < 2e-2 * Math.max(1, Math.abs(num)), `d/dx[${i}] numeric ${num} analytic ${analytic[i]} (${base.length})`);
  }
}

test("gather gradient sums repeated rows (ScatterNd), on a 30,522-row table in milliseconds", () => {
  const table = tf.variable(tf.randomNormal([30522, 8], 0, 1, "float32", 1));
  const idx = tf.tensor1d([5, 7, 5, 5, 30521], "int32");
  const w = tf.randomNormal([5, 8], 0, 1, "float32", 2);
  const t0 = performance.now();
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.gather(table, idx), w)) as tf.Scalar, [table]);
  const g = grads[table.name];
  const ms = performance.now() - t0;
  const wv = w.arraySync() as number[][];
  const rows = g.arraySync() as number[][];
  for (let j = 0; j < 8; j++) {
    assert.ok(Math.abs(rows[5][j] - (wv[0][j] + wv[2][j] + wv[3][j])) < 1e-5);
    assert.ok(Math.abs(rows[7][j] - wv[1][j]) < 1e-6);
    assert.ok(Math.abs(rows[30521][j] - wv[4][j]) < 1e-6);
    assert.equal(rows[0][j], 0);
  }
  assert.ok(ms < 5000, `gather gradient took ${ms} ms`);
  // Another axis and 2-D indices.
  const x = tf.randomNormal([3, 4, 2], 0, 1, "float32", 3);
  const ix = tf.tensor2d([[0, 3], [3, 3]], [2, 2], "int32");
  const wy = tf.randomNormal([3, 2, 2, 2], 0, 1, "float32", 4);
  const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, ix, 1), wy)) as tf.Scalar;
  numericCheck(f, x, tf.grad(f)(x).dataSync() as Float32Array);
  tf.dispose([table, idx, w, g, x, ix, wy]);
});

test("matMul gradients for every transpose combination, rank 2 and batched (with broadcast)", () => {
  for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]] as const) {
    const a = tf.randomNormal(ta ? [3, 2] : [2, 3], 0, 1, "float32", 5);
    const b = tf.randomNormal(tb ? [4, 3] : [3, 4], 0, 1, "float32", 6);
    const w = tf.randomNormal([2, 4], 0, 1, "float32", 7);
    const fa = (x: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, b, ta, tb), w)) as tf.Scalar;
    const fb = (x: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a, x, ta, tb), w)) as tf.Scalar;
    numericCheck(fa, a, tf.grad(fa)(a).dataSync() as Float32Array);
    numericCheck(fb, b, tf.grad(fb)(b).dataSync() as Float32Array);
    tf.dispose([a, b, w]);
  }
  const a = tf.randomNormal([2, 3, 4], 0, 1, "float32", 8);
  const b = tf.randomNormal([1, 4, 2], 0, 1, "float32", 9);
  const fb = (x: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, x))) as tf.Scalar;
  const gb = tf.grad(fb)(b);
  assert.deepEqual(gb.shape, [1, 4, 2]);
  numericCheck(fb, b, gb.dataSync() as Float32Array);
  tf.dispose([a, b, gb]);
});

test("wasm heap guard: an allocation past the 4 GiB cap throws instead of aliasing memory", (t) => {
  if (tf.getBackend() !== "wasm") {
    t.skip(`backend is ${tf.getBackend()}, not wasm`);
    return;
  }
  assert.equal(guardWasmHeap(), true);
  const keep: tf.Tensor[] = [];
  try {
    assert.throws(() => {
      for (let i = 0; i < 24; i++) keep.push(tf.zeros([64, 1024, 1024])); // 256 MiB each
    }, WasmHeapExhaustedError);
    assert.ok((wasmHeapBytes() ?? 0) <= 4 * 1024 ** 3);
  } finally {
    tf.dispose(keep);
  }
  // Still usable afterwards.
  assert.deepEqual(Array.from(tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 1).dataSync())), [2, 3]);
});
