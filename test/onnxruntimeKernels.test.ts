// ONNX Runtime's kernels (src/backends/onnxruntime/kernels.ts) and the wasm kernels that call them
// (src/backends/host/native.ts, registered by src/models/ops.ts): the synchronous native session loads on the
// pinned onnxruntime-node, the products match float64 arithmetic in every transpose form with and without a
// bias, GELU and its gradient match float64 erf, LayerNorm matches float64 statistics, the kernels write into the wasm heap correctly even when the
// heap grows between calls, nothing leaks, and the per-slice XNNPACK products that remain the fallback agree.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tf } from "../src/backends/tf";
import * as host from "../src/backends/host/index";
import { canFreeBuffers, freeBuffer, nativeKernels, nativeKernelsUnavailable } from "../src/backends/onnxruntime/index";
import { addLayerNorm, BATCH_MATMUL_KERNEL, batchMatMul, gelu, layerNorm, MATMUL_KERNEL, matMul } from "../src/models/ops";
import { initBackend } from "../src/backends/initBackend";
import { Rng } from "../src/random";

require("@tensorflow/tfjs-backend-wasm");

function randomValues(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

/** op(a)·op(b) (+ bias) in float64, a [.., r, c] stored row-major; `batch` slices. */
function reference(a: Float32Array, aDims: number[], b: Float32Array, bDims: number[], tA: boolean, tB: boolean, bias: Float32Array | null, batch = 1): Float64Array {
  const [ar, ac] = aDims.slice(-2);
  const [br, bc] = bDims.slice(-2);
  const [m, k] = tA ? [ac, ar] : [ar, ac];
  const n = tB ? br : bc;
  const out = new Float64Array(batch * m * n);
  for (let s = 0; s < batch; s++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = bias ? bias[j] : 0;
        for (let q = 0; q < k; q++) {
          const x = a[s * ar * ac + (tA ? q * ac + i : i * ac + q)];
          const y = b[s * br * bc + (tB ? j * bc + q : q * bc + j)];
          sum += x * y;
        }
        out[(s * m + i) * n + j] = sum;
      }
    }
  }
  return out;
}

function maxRelDiff(got: ArrayLike<number>, want: Float64Array): number {
  assert.equal(got.length, want.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return worst / scale;
}

const FORMS: Array<[boolean, boolean]> = [[false, false], [false, true], [true, false], [true, true]];

test("onnxruntime-node's native session loads (the pinned version's dist/binding)", () => {
  const native = nativeKernels();
  assert.ok(native, `nativeKernels() is null: ${nativeKernelsUnavailable()}`);
  assert.ok(native.threads >= 1);
});

test("gemm: every transpose form, with and without a bias, odd sizes, against float64", () => {
  const native = nativeKernels()!;
  const rng = new Rng(11);
  const [m, k, n] = [37, 19, 23];
  for (const [tA, tB] of FORMS) {
    for (const withBias of [false, true]) {
      const aDims = tA ? [k, m] : [m, k];
      const bDims = tB ? [n, k] : [k, n];
      const a = randomValues(rng, m * k);
      const b = randomValues(rng, k * n);
      const bias = withBias ? randomValues(rng, n) : null;
      const out = new Float32Array(m * n).fill(Number.NaN);
      native.gemm(a, aDims, b, bDims, tA, tB, bias, out);
      const d = maxRelDiff(out, reference(a, aDims, b, bDims, tA, tB, bias));
      assert.ok(d <= 1e-6, `transposeA ${tA}, transposeB ${tB}, bias ${withBias}: ${d}`);
    }
  }
});

test("freeBuffer frees an ArrayBuffer's memory at once; the kernels free the binding's copies of their outputs", () => {
  assert.ok(canFreeBuffers(), "ArrayBuffer.prototype.transfer is reachable (natively, or through V8's flag on Node 20)");
  const before = process.memoryUsage().arrayBuffers;
  const buffer = new ArrayBuffer(32 << 20);
  const view = new Float32Array(buffer);
  assert.ok(process.memoryUsage().arrayBuffers - before >= 32 << 20);
  freeBuffer(buffer);
  assert.equal(view.length, 0, "views of a freed buffer read as empty");
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, "the memory went back at once, without a collection");
  // 40 products of 4 MiB each: kept until a collection, their copies would add ≥ 64 MiB before V8 collects them.
  const native = nativeKernels()!;
  const [m, k, n] = [1024, 16, 1024];
  const a = new Float32Array(m * k).fill(1);
  const b = new Float32Array(k * n).fill(0.5);
  const out = new Float32Array(m * n);
  const start = process.memoryUsage().arrayBuffers;
  let most = 0;
  for (let i = 0; i < 40; i++) {
    native.gemm(a, [m, k], b, [k, n], false, false, null, out);
    most = Math.max(most, process.memoryUsage().arrayBuffers - start);
  }
  assert.equal(out[0], 8, "the result is in the caller's array");
  assert.ok(most < 8 << 20, `the output copies were kept: ${(most / 2 ** 20).toFixed(0)} MiB more array-buffer memory`);
});

test("batchMatMul: every transpose form against float64, operands and output views into one larger buffer", () => {
  const native = nativeKernels()!;
  const rng = new Rng(13);
  const [batch, m, k, p] = [3, 9, 5, 7];
  for (const [tA, tB] of FORMS) {
    const aDims = tA ? [batch, k, m] : [batch, m, k];
    const bDims = tB ? [batch, p, k] : [batch, k, p];
    // As on the wasm heap: the three arrays are windows of one buffer, at offsets that are not 0.
    const heap = new Float32Array(8 + batch * (m * k + k * p + m * p) + 8);
    const a = heap.subarray(8, 8 + batch * m * k);
    const b = heap.subarray(a.byteOffset / 4 + a.length, a.byteOffset / 4 + a.length + batch * k * p);
    const out = heap.subarray(b.byteOffset / 4 + b.length, b.byteOffset / 4 + b.length + batch * m * p);
    a.set(randomValues(rng, a.length));
    b.set(randomValues(rng, b.length));
    const before = heap.slice();
    native.batchMatMul(a, aDims, b, bDims, tA, tB, out);
    const d = maxRelDiff(out, reference(a, aDims, b, bDims, tA, tB, null, batch));
    assert.ok(d <= 1e-6, `transposeA ${tA}, transposeB ${tB}: ${d}`);
    // Only the output's window was written.
    const end = out.byteOffset / 4 + out.length;
    for (let i = 0; i < heap.length; i++) if (i < out.byteOffset / 4 || i >= end) assert.equal(heap[i], before[i]);
  }
});

/** erf in float64 by its Taylor series (|x| ≤ 4: the terms stay below 1e5, so ≈ 1e-11 is kept). */
function erf64(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-17; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

test("gelu and its gradient: float64 erf's values to float32 rounding, on [-4, 4]", () => {
  const native = nativeKernels()!;
  const rng = new Rng(19);
  const shape = [33, 65];
  const x = Float32Array.from({ length: shape[0] * shape[1] }, () => rng.next() * 8 - 4);
  const dy = randomValues(rng, x.length);
  const y = new Float32Array(x.length);
  const dx = new Float32Array(x.length);
  native.gelu(x, shape, y);
  native.geluGrad(x, dy, shape, dx);
  let worstY = 0;
  let worstDx = 0;
  for (let i = 0; i < x.length; i++) {
    const cdf = 0.5 * (1 + erf64(x[i] / Math.SQRT2));
    const pdf = Math.exp(-0.5 * x[i] * x[i]) / Math.sqrt(2 * Math.PI);
    worstY = Math.max(worstY, Math.abs(y[i] - x[i] * cdf));
    worstDx = Math.max(worstDx, Math.abs(dx[i] - dy[i] * (cdf + x[i] * pdf)));
  }
  // |y| ≤ 4 and |dx| ≤ 1.13: a few float32 ulps
  assert.ok(worstY <= 2e-6, `gelu: ${worstY}`);
  assert.ok(worstDx <= 1e-6, `gelu gradient: ${worstDx}`);
});

test("layerNorm, with and without a residual: float64 statistics' values to float32 rounding", () => {
  const native = nativeKernels()!;
  const rng = new Rng(23);
  const [n, h, eps] = [29, 48, 1e-12];
  const x = Float32Array.from({ length: n * h }, () => rng.next() * 4 - 1);
  const residual = randomValues(rng, n * h);
  const gamma = randomValues(rng, h);
  const beta = randomValues(rng, h);
  for (const withResidual of [false, true]) {
    const out = new Float32Array(n * h);
    native.layerNorm(x, withResidual ? residual : null, gamma, beta, [n, h], eps, out);
    let worst = 0;
    for (let r = 0; r < n; r++) {
      const row = Array.from({ length: h }, (_, j) => x[r * h + j] + (withResidual ? residual[r * h + j] : 0));
      const mean = row.reduce((a, b) => a + b, 0) / h;
      const rstd = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / h + eps);
      row.forEach((v, j) => (worst = Math.max(worst, Math.abs(out[r * h + j] - ((v - mean) * rstd * gamma[j] + beta[j])))));
    }
    assert.ok(worst <= 2e-6, `residual ${withResidual}: ${worst}`);
  }
});

test("wasm: the product kernels write into the heap while it grows and leak nothing; the per-slice fallback agrees", async () => {
  await tf.setBackend("wasm");
  const rng = new Rng(17);
  const [m, k, n] = [64, 48, 80];
  const a = tf.tensor(randomValues(rng, m * k), [m, k]);
  const w = tf.tensor(randomValues(rng, n * k), [n, k]);
  const bias = tf.tensor(randomValues(rng, n), [n]);
  const want = reference(a.dataSync() as Float32Array, [m, k], w.dataSync() as Float32Array, [n, k], false, true, bias.dataSync() as Float32Array);
  const tensorsBefore = tf.memory().numTensors;
  for (let round = 0; round < 3; round++) {
    // A large allocation between the calls grows the heap: views made before it would be detached.
    const big = tf.zeros([64 * 1024 * 1024 / 4 * (round + 1)]);
    const y = matMul(a, w, false, true, bias);
    assert.deepEqual(y.shape, [m, n]);
    assert.ok(maxRelDiff(y.dataSync(), want) <= 1e-6, `round ${round}`);
    tf.dispose([big, y]);
  }
  assert.equal(tf.memory().numTensors, tensorsBefore);

  // the "gelu" activation (evaluation: no tape) is the product, then the GELU kernel
  const viaKernel = tf.engine().runKernel(MATMUL_KERNEL, { a, b: w, bias }, { transposeA: false, transposeB: true, activation: "gelu" }) as tf.Tensor;
  const composed = tf.tidy(() => gelu(matMul(a, w, false, true, bias)));
  assert.deepEqual(Array.from(viaKernel.dataSync()), Array.from(composed.dataSync()));
  tf.dispose([viaKernel, composed]);

  const [bt, bm, bk, bp] = [4, 16, 8, 12];
  const x = tf.tensor(randomValues(rng, bt * bm * bk), [bt, bk, bm]);
  const z = tf.tensor(randomValues(rng, bt * bk * bp), [bt, bp, bk]);
  const ours = batchMatMul(x, z, true, true);
  const slices = host.batchMatMulSlices(tf.backend(), x, z, true, true);
  const ref = reference(x.dataSync() as Float32Array, [bt, bk, bm], z.dataSync() as Float32Array, [bt, bp, bk], true, true, null, bt);
  assert.ok(tf.getKernel(BATCH_MATMUL_KERNEL, "wasm"));
  assert.ok(maxRelDiff(ours.dataSync(), ref) <= 1e-6, "ONNX Runtime's batched product");
  // the fallback where onnxruntime-node cannot load: one XNNPACK product per slice
  assert.ok(maxRelDiff(slices.dataSync(), ref) <= 1e-6, "per-slice XNNPACK products");
  tf.dispose([a, w, bias, x, z, ours, slices]);
});

test("wasm: the model's products, GELU (and its gradient) and LayerNorm reach ONNX Runtime; cpu keeps tfjs's own", async () => {
  const native = nativeKernels() as unknown as Record<string, (...args: unknown[]) => void>;
  const names = ["gemm", "batchMatMul", "gelu", "geluGrad", "layerNorm"];
  const calls: Record<string, number> = {};
  const originals = names.map((n) => native[n]);
  names.forEach((n, i) => {
    calls[n] = 0;
    native[n] = (...args: unknown[]) => {
      calls[n]++;
      return originals[i](...args);
    };
  });
  const rng = new Rng(31);
  const run = () =>
    tf.tidy(() => {
      const x = tf.tensor(randomValues(rng, 8 * 6), [8, 6]);
      const w = tf.tensor(randomValues(rng, 5 * 6), [5, 6]);
      const g = tf.ones([6]);
      const b = tf.zeros([6]);
      matMul(x, w, false, true);
      batchMatMul(tf.reshape(x, [2, 4, 6]), tf.reshape(x, [2, 4, 6]), false, true);
      tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(x);
      layerNorm(x, g, b, 1e-12);
      addLayerNorm(x, x, g, b, 1e-12);
    });
  try {
    const info = await initBackend("wasm", { quiet: true });
    assert.match(info.device, /products, GELU and LayerNorm in ONNX Runtime \(MLAS\), \d+ threads?/);
    run();
    assert.deepEqual(calls, { gemm: 1, batchMatMul: 1, gelu: 1, geluGrad: 1, layerNorm: 2 });
    await tf.setBackend("cpu");
    for (const n of names) (calls as Record<string, number>)[n] = 0;
    run();
    assert.deepEqual(calls, { gemm: 0, batchMatMul: 0, gelu: 0, geluGrad: 0, layerNorm: 0 });
  } finally {
    names.forEach((n, i) => (native[n] = originals[i]));
  }
});
