// The WebAssembly SIMD kernels on tfjs-wasm's heap (src/backends/wasmSimd/): the committed module is the one
// kernels.wat assembles to; AdamW is bit for bit torch's float32 order of operations (emulated below with
// Math.fround), also when the moments pass through the scratch memory in chunks; the sum of squares and
// LayerNorm's gradient agree with float64 arithmetic; the registered kernels reach them on wasm and not on cpu.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tf } from "../src/backends/tf";
import { wasmSimdKernels, type WasmSimdKernels } from "../src/backends/wasmSimd/index";
import { KERNELS_WASM_BASE64 } from "../src/backends/wasmSimd/kernelsWasm";
import { adamwStepFused, adamwUpdateArrays, sumOfSquaresTensor, type AdamWStepAttrs } from "../src/trainer/adamwKernels";
import { dropoutMask, embedding, LAYER_NORM_GRAD_KERNEL, mergeHeads, SOFTMAX_GRAD_KERNEL, splitHeads, SUM_ROWS_KERNEL } from "../src/models/ops";
import { Rng } from "../src/random";
import { assembleKernels } from "../scripts/build-wasm-simd";

require("@tensorflow/tfjs-backend-wasm");

type WasmBackend = { makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo; typedArrayFromHeap(t: tf.TensorInfo): Float32Array };

async function onWasm(): Promise<{ backend: WasmBackend; simd: WasmSimdKernels }> {
  await tf.setBackend("wasm");
  const backend = tf.backend() as unknown as WasmBackend;
  const simd = wasmSimdKernels(backend);
  assert.ok(simd, "the SIMD kernels instantiate on the wasm backend's memory");
  return { backend, simd };
}

/** A heap view of n values (the tensor is kept alive by the caller's tidy scope). */
function heapArray(backend: WasmBackend, values: Float32Array): Float32Array {
  const t = tf.tensor1d(values);
  return backend.typedArrayFromHeap(t as unknown as tf.TensorInfo);
}

function randoms(rng: Rng, n: number, scale = 1, offset = 0): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale + offset);
}

/** torch.optim.AdamW's single-tensor update, every operation rounded to float32 as torch's CPU kernels do. */
function torchOrderAdamW(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, a: AdamWStepAttrs): Float32Array {
  const f = Math.fround;
  const [scale, decay, c1, b2, c2] = [f(a.gradScale), f(1 - a.lr * a.weightDecay), f(1 - a.beta1), f(a.beta2), f(1 - a.beta2)];
  const [bc2, eps, negStep] = [f(Math.sqrt(1 - a.beta2 ** a.step)), f(a.eps), f(-a.lr / (1 - a.beta1 ** a.step))];
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const gi = f(g[i] * scale);
    m[i] = f(m[i] + f(c1 * f(gi - m[i])));
    v[i] = f(f(v[i] * b2) + f(f(c2 * gi) * gi));
    out[i] = f(f(p[i] * decay) + f(negStep * f(m[i] / f(f(f(Math.sqrt(v[i])) / bc2) + eps))));
  }
  return out;
}

test("the committed kernelsWasm.ts holds what kernels.wat assembles to (npm run build:wasm-simd)", async () => {
  const bytes: Uint8Array = await assembleKernels();
  assert.equal(Buffer.from(bytes).toString("base64"), KERNELS_WASM_BASE64, "kernelsWasm.ts is stale: run npm run build:wasm-simd");
});

test("wasm SIMD: present on the wasm backend, absent on cpu", async () => {
  await onWasm();
  await tf.setBackend("cpu");
  assert.equal(wasmSimdKernels(tf.backend()), null);
});

test("wasm SIMD AdamW: torch's float32 arithmetic bit for bit, moments in the heap or passed through in chunks", async () => {
  const { backend, simd } = await onWasm();
  const rng = new Rng(7);
  const a: AdamWStepAttrs = { lr: 5e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 3, gradScale: 0.37 };
  for (const n of [3, 1001, 40_003]) {
    tf.tidy(() => {
      const [p0, g0, m0, v0] = [randoms(rng, n), randoms(rng, n, 0.1), randoms(rng, n, 0.01), randoms(rng, n, 1e-4, 1.1e-4)];
      const [wm, wv] = [m0.slice(), v0.slice()];
      const want = torchOrderAdamW(p0, g0, wm, wv, a);
      // moments outside the heap (as the optimizer keeps them): they go through the scratch memory in chunks
      const [hm, hv] = [m0.slice(), v0.slice()];
      const p = heapArray(backend, p0);
      const g = heapArray(backend, g0);
      const out = heapArray(backend, new Float32Array(n));
      simd.adamw(p, g, hm, hv, out, a);
      assert.deepEqual(Array.from(out), Array.from(want), `param, n = ${n}`);
      assert.deepEqual(Array.from(hm), Array.from(wm), `exp_avg, n = ${n}`);
      assert.deepEqual(Array.from(hv), Array.from(wv), `exp_avg_sq, n = ${n}`);
      // moments in the heap, the parameter updated in place
      const [im, iv] = [heapArray(backend, m0), heapArray(backend, v0)];
      simd.adamw(p, g, im, iv, p, a);
      assert.deepEqual(Array.from(p), Array.from(want), `in place, n = ${n}`);
      assert.deepEqual(Array.from(iv), Array.from(wv));
      // and within float32 rounding of the float64 loop the cpu backend runs
      const [dm, dv, dp] = [m0.slice(), v0.slice(), new Float32Array(n)];
      adamwUpdateArrays(p0, g0, dm, dv, dp, dm, dv, a);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(dp[i] - want[i]) <= 2e-7 * Math.max(1, Math.abs(dp[i])), `param ${i}: ${dp[i]} vs ${want[i]}`);
    });
  }
});

test("wasm SIMD: a view taken before the heap grew is refused, not written through", async () => {
  const { backend, simd } = await onWasm();
  const x = tf.tensor1d([1, 2, 3]);
  const view = backend.typedArrayFromHeap(x as unknown as tf.TensorInfo);
  const big = tf.zeros([64 * 1024 * 1024]); // 256 MiB: grows the heap, detaching earlier views
  try {
    assert.throws(() => simd.sumOfSquares(view), /not a view of the backend's current heap/);
    assert.equal(simd.sumOfSquares(backend.typedArrayFromHeap(x as unknown as tf.TensorInfo)), 14);
  } finally {
    tf.dispose([x, big]);
  }
});

test("wasm SIMD: the sum of squares is the float64 sum; LayerNorm's gradient falls back to JavaScript where h is odd", async () => {
  const { backend, simd } = await onWasm();
  const rng = new Rng(9);
  tf.tidy(() => {
    const xs = randoms(rng, 100_003, 3);
    let want = 0;
    for (const x of xs) want += x * x;
    assert.ok(Math.abs(simd.sumOfSquares(heapArray(backend, xs)) - want) <= 1e-12 * want);
    assert.ok(Math.abs(sumOfSquaresTensor(tf.tensor1d(xs)).dataSync()[0] - Math.fround(want)) <= 2 ** -23 * want);
    const [n, h] = [5, 7];
    const [x, gamma, dy] = [tf.tensor2d(randoms(rng, n * h), [n, h]), tf.tensor1d(randoms(rng, h)), tf.tensor2d(randoms(rng, n * h), [n, h])];
    const views = [x, gamma, dy].map((t) => backend.typedArrayFromHeap(t as unknown as tf.TensorInfo));
    assert.equal(simd.layerNormGrad(views[0], views[1], views[2], new Float32Array(0), new Float32Array(0), new Float32Array(0), h, 1e-12), false);
    const got = tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x, gamma, dy }, { eps: 1e-12 }) as tf.Tensor[];
    tf.setBackend("cpu");
    const ref = tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x: tf.tensor2d(x.dataSync(), [n, h]), gamma: tf.tensor1d(gamma.dataSync()), dy: tf.tensor2d(dy.dataSync(), [n, h]) }, { eps: 1e-12 }) as tf.Tensor[];
    got.forEach((t, i) => assert.deepEqual(Array.from(t.dataSync()), Array.from(ref[i].dataSync()), `output ${i}`));
  });
});

test("wasm SIMD: LayerNorm's gradient equals the float64 JavaScript loop of the cpu backend (h a multiple of 4; else it falls back)", async () => {
  const { backend, simd } = await onWasm();
  const rng = new Rng(21);
  for (const [n, h] of [[37, 128], [5, 12], [3, 768], [4, 6]]) {
    const values = [randoms(rng, n * h, 2, 0.5), randoms(rng, h, 1, 1), randoms(rng, n * h)];
    await tf.setBackend("wasm");
    const got = tf.tidy(() => {
      const [x, gamma, dy] = [tf.tensor2d(values[0], [n, h]), tf.tensor1d(values[1]), tf.tensor2d(values[2], [n, h])];
      const views = [x, gamma, dy].map((t) => backend.typedArrayFromHeap(t as unknown as tf.TensorInfo));
      const outs = [n * h, h, h].map((len) => heapArray(backend, new Float32Array(len)));
      const ran = simd.layerNormGrad(views[0], views[1], views[2], outs[0], outs[1], outs[2], h, 1e-12);
      assert.equal(ran, h % 4 === 0, `h = ${h}: the SIMD kernel runs exactly where h is a multiple of 4`);
      return (tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x, gamma, dy }, { eps: 1e-12 }) as tf.Tensor[]).map((t) => Array.from(t.dataSync()))
        .concat(ran ? outs.map((o) => Array.from(o)) : []);
    });
    await tf.setBackend("cpu");
    const want = tf.tidy(() =>
      (tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x: tf.tensor2d(values[0], [n, h]), gamma: tf.tensor1d(values[1]), dy: tf.tensor2d(values[2], [n, h]) }, { eps: 1e-12 }) as tf.Tensor[]).map((t) => Array.from(t.dataSync())),
    );
    for (let i = 0; i < got.length; i++) {
      const w = want[i % 3];
      const scale = Math.max(...w.map(Math.abs));
      const worst = Math.max(...got[i].map((v, j) => Math.abs(v - w[j])));
      assert.ok(worst <= 2 ** -23 * scale, `[${n}, ${h}] output ${i % 3}: ${worst} from the cpu backend's (max ${scale})`);
    }
  }
});

test("wasm SIMD: the row sums are the cpu backend's bit for bit, the softmax gradient within float32 rounding (widths a multiple of 4; else JavaScript)", async () => {
  const { backend, simd } = await onWasm();
  const rng = new Rng(33);
  const onBoth = async (kernel: string, inputs: Record<string, [Float32Array, number[]]>, attrs: Record<string, unknown>) => {
    const run = () => tf.tidy(() => {
      const ts = Object.fromEntries(Object.entries(inputs).map(([k, [v, shape]]) => [k, tf.tensor(v, shape)]));
      return Array.from((tf.engine().runKernel(kernel, ts, attrs as tf.NamedAttrMap) as tf.Tensor).dataSync());
    });
    await tf.setBackend("wasm");
    const got = run();
    await tf.setBackend("cpu");
    return { got, want: run() };
  };
  for (const [n, h] of [[2048, 128], [7, 12], [3, 6]]) {
    const x = randoms(rng, n * h, 3, 0.2);
    const { got, want } = await onBoth(SUM_ROWS_KERNEL, { x: [x, [n, h]] }, {});
    assert.deepEqual(got, want, `row sums of [${n}, ${h}]`);
    const p = randoms(rng, n * h, 0.5, 0.5);
    const d = randoms(rng, n * h);
    const sg = await onBoth(SOFTMAX_GRAD_KERNEL, { probs: [p, [n, h]], dprobs: [d, [n, h]] }, { scale: 0.125 });
    const scale = sg.want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const worst = sg.got.reduce((m, v, i) => Math.max(m, Math.abs(v - sg.want[i])), 0);
    assert.ok(worst <= 2 ** -24 * scale, `softmax gradient of [${n}, ${h}]: ${worst} from the cpu backend's (max ${scale})`);
  }
  await tf.setBackend("wasm");
  tf.tidy(() => {
    const x = backend.typedArrayFromHeap(tf.ones([3, 6]) as unknown as tf.TensorInfo);
    assert.equal(simd.sumRows(x, 6, heapArray(backend, new Float32Array(6))), false, "h = 6 falls back");
    assert.equal(simd.softmaxGrad(x, x, heapArray(backend, new Float32Array(18)), 6, 1), false, "n = 6 falls back");
  });
});

test("wasm SIMD: embedding lookups and their gradient are the cpu backend's bit for bit (repeated ids; h = 6 falls back)", async () => {
  const rng = new Rng(44);
  for (const [rows, h] of [[300, 128], [11, 8], [11, 6]]) {
    const table = randoms(rng, rows * h, 1);
    const ids = Int32Array.from({ length: 200 }, (_, i) => (i % 7 === 0 ? 3 : Math.floor(rng.next() * rows)));
    const dy = randoms(rng, ids.length * h, 1);
    const run = () => tf.tidy(() => {
      const [t, d] = [tf.tensor2d(table, [rows, h]), tf.tensor2d(dy, [ids.length, h])];
      const idx = tf.tensor1d(ids, "int32");
      const looked = Array.from(embedding(t, idx).dataSync());
      const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(embedding(x, idx), d)))(t);
      return { looked, grad: Array.from(grad.dataSync()) };
    });
    await tf.setBackend("wasm");
    const got = run();
    await tf.setBackend("cpu");
    const want = run();
    assert.deepEqual(got.looked, want.looked, `lookup, h = ${h}`);
    assert.deepEqual(got.grad, want.grad, `gradient, h = ${h}`);
  }
});

test("wasm: AdamW, the sum of squares, LayerNorm's gradient, the dropout masks, the row sums, the softmax gradient, the heads' layout and the embeddings run in the SIMD kernels", async () => {
  const { simd } = await onWasm();
  const target = simd as unknown as Record<string, (...args: unknown[]) => unknown>;
  const names = ["adamw", "sumOfSquares", "layerNormGrad", "dropoutMask", "sumRows", "softmaxGrad", "splitHeads", "mergeHeads", "embeddingLookup", "embeddingGrad"];
  const calls: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const originals = names.map((n) => target[n]);
  names.forEach((n, i) => (target[n] = (...args: unknown[]) => (calls[n]++, originals[i](...args))));
  try {
    tf.tidy(() => {
      const p = tf.ones([6, 4]);
      const a = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1, gradScale: 1, expAvg: new Float32Array(24), expAvgSq: new Float32Array(24) };
      adamwStepFused(p, tf.onesLike(p), a);
      sumOfSquaresTensor(p);
      tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x: tf.randomNormal([6, 4]), gamma: tf.ones([4]), dy: tf.ones([6, 4]) }, { eps: 1e-12 });
      dropoutMask([6, 4], 0.1, 3);
      tf.engine().runKernel(SUM_ROWS_KERNEL, { x: tf.ones([6, 4]) }, {});
      tf.engine().runKernel(SOFTMAX_GRAD_KERNEL, { probs: tf.ones([6, 4]), dprobs: tf.ones([6, 4]) }, { scale: 1 });
      const heads = { batch: 2, seq: 3, heads: 2, headSize: 4 };
      mergeHeads(tf.stack(splitHeads(tf.ones([6, 24]), heads)), heads);
      tf.grad((t: tf.Tensor) => tf.sum(embedding(t, tf.tensor1d([1, 0, 1], "int32"))))(tf.ones([3, 4]));
    });
    assert.deepEqual(calls, { adamw: 1, sumOfSquares: 1, layerNormGrad: 1, dropoutMask: 1, sumRows: 1, softmaxGrad: 1, splitHeads: 1, mergeHeads: 1, embeddingLookup: 1, embeddingGrad: 1 });
  } finally {
    names.forEach((n, i) => (target[n] = originals[i]));
  }
});
