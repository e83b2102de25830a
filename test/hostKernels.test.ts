// The kernels of src/backends/host/ (registered by src/models/ops.ts for cpu and wasm) against the tf ops they
// replace and against float64 arithmetic: the heads' layout is a pure copy (bit-identical to the transposes),
// the per-slice products agree with tf.matMul in every transpose form, the row sums and the softmax gradient
// are the float64 results rounded once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tf } from "../src/backends/tf";
import {
  BATCH_MATMUL_KERNEL,
  batchMatMul,
  composedKernelConfigs,
  embedding,
  EMBEDDING_GRAD_KERNEL,
  EMBEDDING_KERNEL,
  composed,
  DROPOUT_MASK_KERNEL,
  dropoutMask,
  LAYER_NORM_GRAD_KERNEL,
  MERGE_HEADS_KERNEL,
  mergeHeads,
  SOFTMAX_GRAD_KERNEL,
  softmaxGrad,
  SPLIT_HEADS_KERNEL,
  splitHeads,
  SUM_ROWS_KERNEL,
  sumRows,
} from "../src/models/ops";
import { Rng } from "../src/random";
import { dropoutMaskValues } from "../src/models/dropout";
import { registerSharedIdentity } from "../src/backends/host/index";

require("@tensorflow/tfjs-backend-wasm");

const shape = { batch: 3, seq: 5, heads: 2, headSize: 4 };

function random(rng: Rng, dims: number[]): tf.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.next() * 2 - 1), dims, "float32");
}

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    worst = Math.max(worst, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return worst / scale;
}

/** The transposes splitHeads/mergeHeads stand for, written out with tf ops. */
function splitComposed(x: tf.Tensor): tf.Tensor[] {
  const { batch: B, seq: S, heads: nh, headSize: dh } = shape;
  const parts = x.shape[1]! / (nh * dh);
  return tf.unstack(tf.reshape(tf.transpose(tf.reshape(x, [B, S, parts, nh, dh]), [2, 0, 3, 1, 4]), [parts, B * nh, S, dh]));
}

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: the host kernels are registered, and not for tensorflow or webgpu`, async () => {
    await tf.setBackend(backend);
    const names = (b: string) => composedKernelConfigs(b).map((k) => k.kernelName);
    for (const k of [SOFTMAX_GRAD_KERNEL, SPLIT_HEADS_KERNEL, MERGE_HEADS_KERNEL, SUM_ROWS_KERNEL, EMBEDDING_KERNEL, EMBEDDING_GRAD_KERNEL, DROPOUT_MASK_KERNEL]) {
      assert.ok(tf.getKernel(k, backend), `${k} on ${backend}`);
      // tensorflow (tfjs-node-gpu may hold its tensors on a GPU) and webgpu keep the composed tf ops
      assert.ok(!names("tensorflow").includes(k) && !names("webgpu").includes(k), `${k} only on the host backends`);
    }
    // Per-slice products pay off only where tfjs's batched product is a plain loop.
    assert.equal(!!tf.getKernel(BATCH_MATMUL_KERNEL, backend), backend === "wasm");
  });

  test(`${backend}: splitHeads and mergeHeads are the transposes, bit for bit (3 parts and 1)`, async () => {
    await tf.setBackend(backend);
    const rng = new Rng(3);
    const { batch: B, seq: S, heads: nh, headSize: dh } = shape;
    for (const parts of [3, 1]) {
      tf.tidy(() => {
        const x = random(rng, [B * S, parts * nh * dh]);
        const ours = splitHeads(x, shape);
        const theirs = splitComposed(x);
        assert.equal(ours.length, parts);
        ours.forEach((t, i) => {
          assert.deepEqual(t.shape, [B * nh, S, dh]);
          assert.deepEqual(Array.from(t.dataSync()), Array.from(theirs[i].dataSync()), `part ${i}`);
        });
        const back = mergeHeads(tf.stack(ours), shape);
        assert.deepEqual(back.shape, x.shape);
        assert.deepEqual(Array.from(back.dataSync()), Array.from(x.dataSync()), "mergeHeads(splitHeads(x)) = x");
      });
    }
  });

  test(`${backend}: batchMatMul agrees with tf.matMul in every transpose form (odd sizes)`, async () => {
    await tf.setBackend(backend);
    const rng = new Rng(5);
    const [n, m, k, p] = [3, 5, 7, 4];
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
      tf.tidy(() => {
        const a = random(rng, tA ? [n, k, m] : [n, m, k]);
        const b = random(rng, tB ? [n, p, k] : [n, k, p]);
        const ours = batchMatMul(a, b, tA, tB);
        assert.deepEqual(ours.shape, [n, m, p]);
        const d = maxRelDiff(ours, tf.matMul(a, b, tA, tB));
        assert.ok(d <= 1e-6, `transposeA ${tA}, transposeB ${tB}: ${d}`);
      });
    }
  });

  test(`${backend}: sumRows and softmaxGrad are float64 sums rounded once`, async () => {
    await tf.setBackend(backend);
    const rng = new Rng(7);
    tf.tidy(() => {
      const [n, h] = [300, 6];
      const x = random(rng, [n, h]);
      const xv = x.dataSync();
      const want = Array.from({ length: h }, (_, j) => {
        let s = 0;
        for (let r = 0; r < n; r++) s += xv[r * h + j];
        return Math.fround(s);
      });
      assert.deepEqual(Array.from(sumRows(x).dataSync()), want);

      const probs = tf.softmax(random(rng, [4, 9]), -1);
      const dprobs = random(rng, [4, 9]);
      const [p, d] = [probs.dataSync(), dprobs.dataSync()];
      const expected: number[] = [];
      for (let r = 0; r < 4; r++) {
        let dot = 0;
        for (let j = 0; j < 9; j++) dot += p[r * 9 + j] * d[r * 9 + j];
        for (let j = 0; j < 9; j++) expected.push(Math.fround(p[r * 9 + j] * (d[r * 9 + j] - dot) * 0.125));
      }
      assert.deepEqual(Array.from(softmaxGrad(probs, dprobs, 0.125).dataSync()), expected);
    });
  });

  test(`${backend}: embedding is tf.gather bit for bit, its gradient the rows of dy added per id (repeats included)`, async () => {
    await tf.setBackend(backend);
    const rng = new Rng(9);
    const [rows, h] = [11, 6];
    const idList = [3, 0, 10, 3, 7, 3, 0];
    tf.tidy(() => {
      const table = random(rng, [rows, h]);
      const ids = tf.tensor1d(idList, "int32");
      assert.deepEqual(Array.from(embedding(table, ids).dataSync()), Array.from(tf.gather(table, ids).dataSync()));
      const dy = random(rng, [idList.length, h]);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embedding(t, ids), dy)))(table);
      const d = dy.dataSync();
      const want = new Float32Array(rows * h);
      idList.forEach((id, i) => {
        for (let j = 0; j < h; j++) want[id * h + j] += d[i * h + j];
      });
      assert.deepEqual(grad.shape, [rows, h]);
      assert.deepEqual(Array.from(grad.dataSync()), Array.from(want));
      assert.throws(() => embedding(table, tf.tensor1d([2, rows], "int32")), /id 11 at position 1 is outside the table's 11 rows/);
    });
  });

  test(`${backend}: LayerNorm's gradient is the float64 one rounded once, and agrees with the tf-op form`, async () => {
    await tf.setBackend(backend);
    const rng = new Rng(21);
    const [n, h, eps] = [37, 24, 1e-12];
    tf.tidy(() => {
      const x = tf.add(tf.mul(random(rng, [n, h]), 3), 0.5);
      const gamma = random(rng, [h]);
      const dy = random(rng, [n, h]);
      const [dx, dgamma, dbeta] = tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x, gamma, dy }, { eps }) as tf.Tensor[];
      const [xv, gv, dv] = [x.dataSync(), gamma.dataSync(), dy.dataSync()];
      const wantDx: number[] = [];
      const wantDg = new Float64Array(h);
      const wantDb = new Float64Array(h);
      for (let r = 0; r < n; r++) {
        const row = Array.from(xv.subarray(r * h, (r + 1) * h));
        const mean = row.reduce((a, b) => a + b, 0) / h;
        const rstd = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / h + eps);
        const xhat = row.map((v) => (v - mean) * rstd);
        const dxhat = xhat.map((_, j) => dv[r * h + j] * gv[j]);
        const m1 = dxhat.reduce((a, b) => a + b, 0) / h;
        const m2 = dxhat.reduce((a, b, j) => a + b * xhat[j], 0) / h;
        xhat.forEach((xh, j) => {
          wantDx.push(Math.fround((dxhat[j] - m1 - xh * m2) * rstd));
          wantDg[j] += dv[r * h + j] * xh;
          wantDb[j] += dv[r * h + j];
        });
      }
      const ulps = (got: ArrayLike<number>, want: ArrayLike<number>) => Math.max(...Array.from(want, (w, i) => Math.abs(got[i] - w) / Math.max(1e-30, Math.abs(w) * 2 ** -23)));
      // the sums' order differs from this reference's: at most an ulp or two apart
      assert.ok(ulps(dx.dataSync(), wantDx) <= 2, `dx: ${ulps(dx.dataSync(), wantDx)} ulps`);
      assert.ok(ulps(dgamma.dataSync(), Float32Array.from(wantDg)) <= 2, "dgamma");
      assert.ok(ulps(dbeta.dataSync(), Float32Array.from(wantDb)) <= 2, "dbeta");
      const viaOps = composed.layerNormGrad(x, gamma, dy, eps);
      [dx, dgamma, dbeta].forEach((t, i) => assert.ok(maxRelDiff(t, viaOps[i]) <= 1e-5, `output ${i} against the tf-op form: ${maxRelDiff(t, viaOps[i])}`));
    });
  });

  test(`${backend}: the mask kernel fills the backend's tensor with dropoutMaskValues' values, bit for bit`, async () => {
    await tf.setBackend(backend);
    for (const [shape, rate, seed] of [[[7, 33], 0.1, 5], [[4, 16, 16], 0.25, 4294967295]] as Array<[number[], number, number]>) {
      const got = tf.tidy(() => dropoutMask(shape, rate, seed).dataSync());
      assert.deepEqual(Array.from(got), Array.from(dropoutMaskValues(got.length, rate, seed)));
    }
  });
}

test("wasm: the registered Identity shares its input's memory, and the memory lives until its last tensor is disposed", async () => {
  await tf.setBackend("wasm");
  registerSharedIdentity();
  registerSharedIdentity(); // idempotent
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const x = tf.tensor1d([1, 2, 3]);
  const before = backend.numDataIds();
  const y = tf.engine().runKernel("Identity", { x }) as tf.Tensor;
  assert.equal(y.dataId, x.dataId, "the same data, not a copy");
  assert.equal(backend.numDataIds(), before);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3], "still readable after the input is disposed");
  y.dispose();
  assert.equal(backend.numDataIds(), before - 1, "freed with the last tensor");
  // the gradient of an op that keeps its input (tfjs clones what it saves) is unchanged
  const [g] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(a, a)))([tf.tensor1d([1, -2, 3])]);
  assert.deepEqual(Array.from(g.dataSync()), [2, -4, 6]);
  g.dispose();
});
