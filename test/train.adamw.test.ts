// Tests of the fused AdamW kernels (cpu, wasm, composed fallback) against a plain-JS float64 transcription of
// torch.optim.AdamW, of HF's parameter groups against golden.json, of global-norm clipping against a hand
// computation, and of the linear schedule.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { tf } from "../src/backends/tf";
import { requireShared } from "./shared";
import { AdamW } from "../src/trainer/adamw";
import { ADAMW_KERNEL, hasFusedAdamW } from "../src/trainer/adamwKernels";
import { weightDecayParamGroups, decaysWeight } from "../src/trainer/paramGroups";
import { clipCoefficient, clipGradNorm, globalGradNorm } from "../src/trainer/gradClip";
import { LrSchedule, linearScheduleWithWarmup } from "../src/trainer/lrSchedule";
import { Rng } from "../src/random";
import "@tensorflow/tfjs-backend-wasm";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { maxAbs, maxAbsDiff } from "./compare";

// A backend without the fused kernel ("cpu" kernels except AdamW's), to exercise the composed-ops path.
const COMPOSED = "cpu-without-fused-adamw";
for (const k of tf.getKernelsForBackend("cpu")) {
  if (k.kernelName !== ADAMW_KERNEL) tf.registerKernel({ ...k, backendName: COMPOSED });
}
tf.registerBackend(COMPOSED, () => new MathBackendCPU(), 0);

/** torch.optim.AdamW (single-tensor path) step by step, in float64: the reference. */
function torchAdamWReference(p: number[], grads: number[][], o: { lr: number[]; wd: number; b1: number; b2: number; eps: number; scale: number[] }): number[] {
  const x = p.slice();
  const m = new Array(p.length).fill(0);
  const v = new Array(p.length).fill(0);
  grads.forEach((g0, k) => {
    const t = k + 1;
    const lr = o.lr[k];
    for (let i = 0; i < x.length; i++) {
      const g = g0[i] * o.scale[k];
      x[i] *= 1 - lr * o.wd; // param.mul_(1 - lr * weight_decay)
      m[i] += (g - m[i]) * (1 - o.b1); // exp_avg.lerp_(grad, 1 - beta1)
      v[i] = v[i] * o.b2 + (1 - o.b2) * g * g; // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
      const bc1 = 1 - o.b1 ** t;
      const bc2 = 1 - o.b2 ** t;
      const denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + o.eps;
      x[i] -= (lr / bc1) * (m[i] / denom);
    }
  });
  return x;
}

function randomArray(rng: Rng, n: number, scale: number): number[] {
  return Array.from({ length: n }, () => rng.normal() * scale);
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return maxAbsDiff(a, b) / (maxAbs(b) || 1);
}

/** Six AdamW steps on `backends[k % n]` (switching backends between steps when several are given). */
async function runOnBackends(backends: string[], expectFused: boolean): Promise<number> {
  const rng = new Rng(7);
  const n = 1000;
  const p0 = randomArray(rng, n, 0.5);
  const steps = 6;
  const grads = Array.from({ length: steps }, () => randomArray(rng, n, 0.01));
  const lrs = [1e-3, 9e-4, 5e-4, 3e-4, 1e-4, 0];
  const scale = [1, 0.5, 1, 0.25, 1, 1];
  const wd = 0.01;
  const ref = torchAdamWReference(p0, grads, { lr: lrs, wd, b1: 0.9, b2: 0.999, eps: 1e-8, scale });
  await tf.setBackend(backends[0]);
  const variable = tf.variable(tf.tensor(p0, [40, 25]), true, `adamw-test-${backends.join("-")}`);
  const opt = new AdamW([["w", variable]], { lr: 1, weightDecay: wd });
  for (let k = 0; k < steps; k++) {
    await tf.setBackend(backends[k % backends.length]);
    assert.equal(hasFusedAdamW(), expectFused || tf.getBackend() !== COMPOSED, `fused kernel on ${tf.getBackend()}`);
    const gt = tf.tensor(grads[k], [40, 25]);
    const before = tf.memory().numTensors;
    opt.step(new Map([["w", gt]]), { lr: lrs[k], gradScale: scale[k] });
    if (k > 0 && backends.length === 1) assert.equal(tf.memory().numTensors, before, "AdamW.step must not leak tensors");
    gt.dispose();
  }
  const got = variable.dataSync() as Float32Array;
  opt.dispose();
  variable.dispose();
  await tf.setBackend("cpu");
  return maxRelDiff(got, ref);
}

test("fused AdamW kernel (cpu) matches torch.optim.AdamW's update", async () => {
  const d = await runOnBackends(["cpu"], true);
  console.log(`# cpu fused: max |diff| / max |ref| = ${d.toExponential(2)}`);
  assert.ok(d < 1e-6, `relative diff ${d}`);
});

test("fused AdamW kernel (wasm) matches torch.optim.AdamW's update", async () => {
  const d = await runOnBackends(["wasm"], true);
  console.log(`# wasm fused: max |diff| / max |ref| = ${d.toExponential(2)}`);
  assert.ok(d < 1e-6, `relative diff ${d}`);
  await tf.setBackend("cpu");
});

test("composed-ops AdamW (backends without the fused kernel) matches torch.optim.AdamW's update", async () => {
  const d = await runOnBackends([COMPOSED], false);
  console.log(`# composed: max |diff| / max |ref| = ${d.toExponential(2)}`);
  assert.ok(d < 1e-6, `relative diff ${d}`);
});

test("moments follow the parameters when the backend changes between steps (host arrays ↔ tensors)", async () => {
  const d = await runOnBackends(["cpu", COMPOSED, "wasm", COMPOSED], false);
  console.log(`# switching backends: max |diff| / max |ref| = ${d.toExponential(2)}`);
  assert.ok(d < 1e-6, `relative diff ${d}`);
});

test("on wasm the moments live in its heap, read in place by the kernel; checkpoints and other backends get copies", async () => {
  await tf.setBackend("wasm");
  const rng = new Rng(5);
  const init = randomArray(rng, 96, 1);
  const grads = Array.from({ length: 3 }, () => randomArray(rng, 96, 0.1));
  const v = tf.variable(tf.tensor(init, [12, 8]));
  const opt = new AdamW([["a.weight", v]], { lr: 1e-2, weightDecay: 0.1 });
  const step = (g: number[]) => {
    const gt = tf.tensor(g, [12, 8]);
    opt.step(new Map([["a.weight", gt]]));
    gt.dispose();
  };
  step(grads[0]);
  const slot = (opt as unknown as { slots: Array<{ heap: object | null; host: object | null }> }).slots[0];
  assert.ok(slot.heap && !slot.host, "after a step on wasm the moments are a block of its heap");
  const heapBuffer = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer;
  const [view] = opt.momentViews();
  assert.notEqual(view.expAvg.buffer, heapBuffer, "momentViews copies heap moments");
  assert.deepEqual(Array.from(view.expAvgSq), Array.from(opt.getState().expAvgSq.get("a.weight") as Float32Array));
  // Growing the heap (a large allocation) must not lose the moments: they are addressed by offset, not by a view.
  const big = tf.zeros([64, 1024, 1024]);
  big.dispose();
  step(grads[1]);
  await tf.setBackend("cpu");
  step(grads[2]);
  const onWasmThenCpu = v.dataSync().slice();
  opt.dispose();
  v.dispose();
  // The same three steps on cpu alone (its fused kernel computes in float64: within 1e-6).
  const w = tf.variable(tf.tensor(init, [12, 8]));
  const ref = new AdamW([["a.weight", w]], { lr: 1e-2, weightDecay: 0.1 });
  for (const g of grads) {
    const gt = tf.tensor(g, [12, 8]);
    ref.step(new Map([["a.weight", gt]]));
    gt.dispose();
  }
  const d = maxAbsDiff(onWasmThenCpu, w.dataSync() as Float32Array) / maxAbs(w.dataSync() as Float32Array);
  ref.dispose();
  w.dispose();
  assert.ok(d < 1e-6, `relative diff ${d}`);
});

test("AdamW state round-trips through getState/setState and continues identically", async () => {
  await tf.setBackend("cpu");
  const rng = new Rng(3);
  const init = randomArray(rng, 64, 1);
  const grads = Array.from({ length: 4 }, () => randomArray(rng, 64, 0.1));
  const run = (resumeAt: number | null): Float32Array => {
    let v = tf.variable(tf.tensor(init, [8, 8]));
    let opt = new AdamW([["a.weight", v]], { lr: 1e-2, weightDecay: 0.1 });
    grads.forEach((g, k) => {
      if (k === resumeAt) {
        const state = opt.getState();
        const values = v.dataSync().slice();
        opt.dispose();
        v.dispose();
        v = tf.variable(tf.tensor(values, [8, 8]));
        opt = new AdamW([["a.weight", v]], { lr: 1e-2, weightDecay: 0.1 });
        opt.setState(state);
      }
      const gt = tf.tensor(g, [8, 8]);
      opt.step(new Map([["a.weight", gt]]));
      gt.dispose();
    });
    const out = v.dataSync() as Float32Array;
    opt.dispose();
    v.dispose();
    return out;
  };
  assert.deepEqual(run(2), run(null));
});

test("weight-decay groups equal golden.json's param_groups exactly", (t) => {
  const p = requireShared(t, "golden/tiny-bert/golden.json");
  if (!p) return;
  const golden = JSON.parse(readFileSync(p, "utf8")) as { param_groups: Array<{ weight_decay: number; params: string[] }> };
  const names = golden.param_groups.flatMap((g) => g.params);
  const groups = weightDecayParamGroups(names.slice().reverse(), 0.01);
  assert.deepEqual(groups.map((g) => ({ weight_decay: g.weightDecay, params: g.params })), golden.param_groups);
  // HF's rule on names that are not in the tiny model.
  assert.equal(decaysWeight("bert.embeddings.LayerNorm.gamma"), false);
  assert.equal(decaysWeight("model.layer_norm.weight"), false);
  assert.equal(decaysWeight("classifier.weight"), true);
});

test("global-norm clipping equals a hand computation", async () => {
  await tf.setBackend("cpu");
  // norms: ‖(3,4)‖ = 5, ‖(12)‖ = 12 → total = 13; maxNorm 1 → coef = 1 / (13 + 1e-6).
  const a = tf.tensor([3, 4]);
  const b = tf.tensor([[12]]);
  assert.ok(Math.abs(globalGradNorm([a, b]) - 13) < 1e-6);
  const coef = clipCoefficient(13, 1);
  assert.equal(coef, 1 / (13 + 1e-6));
  const { totalNorm, clipCoef, grads } = clipGradNorm([a, b], 1);
  assert.ok(Math.abs(totalNorm - 13) < 1e-6);
  assert.ok(Math.abs(clipCoef - 1 / (13 + 1e-6)) < 1e-12);
  const [ca, cb] = grads.map((g) => Array.from(g.dataSync()));
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.abs(y);
  assert.ok(close(ca[0], 3 / (13 + 1e-6)) && close(ca[1], 4 / (13 + 1e-6)) && close(cb[0], 12 / (13 + 1e-6)), `clipped ${ca} ${cb}`);
  assert.ok(Math.abs(globalGradNorm(grads) - 1) < 1e-6, "the clipped gradients have global norm ~1");
  grads.forEach((g) => g.dispose());
  // Below the threshold nothing changes; maxNorm ≤ 0 disables clipping.
  assert.equal(clipCoefficient(0.5, 1), 1);
  assert.equal(clipCoefficient(100, 0), 1);
  // The fused kernel's gradScale applies the coefficient: a clipped step equals a step on pre-scaled grads.
  const g = [0.3, -4, 2.5, 7];
  const v1 = tf.variable(tf.tensor([1, 2, 3, 4]));
  const v2 = tf.variable(tf.tensor([1, 2, 3, 4]));
  const o1 = new AdamW([["w", v1]], { lr: 0.1, weightDecay: 0.01 });
  const o2 = new AdamW([["w", v2]], { lr: 0.1, weightDecay: 0.01 });
  const c = clipCoefficient(Math.hypot(...g), 1);
  o1.step(new Map([["w", tf.tensor(g)]]), { gradScale: c });
  o2.step(new Map([["w", tf.tensor(g.map((x) => Math.fround(x * c)))]]));
  assert.ok(maxRelDiff(v1.dataSync(), v2.dataSync()) < 1e-6);
  // `clip` (the norm as a tensor, as the stepper passes it): off the GPU it is read and turned into the same
  // coefficient; a non-finite norm leaves the parameter and its moments as they were.
  const v3 = tf.variable(tf.tensor([1, 2, 3, 4]));
  const o3 = new AdamW([["w", v3]], { lr: 0.1, weightDecay: 0.01 });
  assert.equal(o3.clipsOnDevice, false, "cpu: the norm is read on the host");
  o3.step(new Map([["w", tf.tensor(g)]]), { clip: { norm: tf.tensor1d([Math.hypot(...g)]), maxNorm: 1 } });
  assert.ok(maxRelDiff(v3.dataSync(), v1.dataSync()) < 1e-6);
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    const before = Float32Array.from(v3.dataSync());
    const m = Float32Array.from(o3.getState().expAvg.get("w")!);
    o3.step(new Map([["w", tf.tensor(g)]]), { clip: { norm: tf.tensor1d([bad]), maxNorm: 1 } });
    assert.deepEqual(Float32Array.from(v3.dataSync()), before, `a ${bad} norm leaves the parameter unchanged`);
    assert.deepEqual(o3.getState().expAvg.get("w"), m, `a ${bad} norm leaves the moments unchanged`);
  }
});

test("linear schedule with warm-up follows transformers' lr_lambda", () => {
  const s = linearScheduleWithWarmup(1e-3, 0, 5);
  const lrs = [0, 1, 2, 3, 4].map((k) => s.lrAt(k));
  const expected = [1e-3, 8e-4, 6e-4, 4e-4, 2e-4];
  lrs.forEach((lr, i) => assert.ok(Math.abs(lr - expected[i]) < 1e-15, `step ${i + 1}: ${lr}`));
  assert.equal(s.lrAt(5), 0);
  const w = linearScheduleWithWarmup(1, 2, 6);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => w.lrAt(k)), [0, 0.5, 1, 0.75, 0.5, 0.25, 0, 0]);
  const cos = new LrSchedule({ type: "cosine", baseLr: 1, warmupSteps: 0, totalSteps: 4 });
  assert.ok(Math.abs(cos.lrAt(2) - 0.5) < 1e-15);
  const st = w.stateDict();
  const w2 = linearScheduleWithWarmup(1, 2, 6);
  w.step();
  w.step();
  w2.loadStateDict(w.stateDict());
  assert.equal(w2.currentLr, 1);
  assert.equal(st.last_epoch, 0);
  assert.throws(() => new LrSchedule({ type: "cosine", baseLr: 1, warmupSteps: 0, totalSteps: 4 }).loadStateDict({ last_epoch: 2, type: "linear" }), /lrSchedulerType/);
});
