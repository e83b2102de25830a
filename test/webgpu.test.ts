// The webgpu backend (Dawn) against the goldens, within the GPU tolerance (1e-4): tiny-bert's forward and
// gradients, five golden optimizer steps through TrainStepper (src/trainer's AdamW, and with the moments on the
// GPU), the fused WebGPU kernels (AdamW, sum of squares, LayerNorm, GELU, dropout masks, tiled matMul, attention) against their references, the project's
// custom gradients (gather via ScatterNd, batched matMul) and synchronous reads.
// Runs on any WebGPU adapter, software ones included (Mesa's lavapipe on a CPU-only machine: Debian bookworm's
// mesa-vulkan-drivers from bookworm-backports). Without an adapter it skips with the reason, unless
// BERT_IMDB_REQUIRE_WEBGPU=1 (CI with lavapipe installed), where that is a failure.
import assert from "node:assert/strict";
import { before, test, TestContext } from "node:test";
import { initBackend } from "../src/backends/initBackend";
import { tf } from "../src/backends/tf";
import { configureWebGPUKernels, DEFAULT_WEBGPU_KERNEL_OPTIONS, probeWebGPU, webgpuDeviceInfo, webgpuKernelOptions, webgpuStats } from "../src/backends/webgpu";
import { ATTENTION_GRAD_KERNEL, DROPOUT_ADD_LAYER_NORM_GRAD_KERNEL, DROPOUT_ADD_LAYER_NORM_KERNEL, DROPOUT_KERNEL, LAYER_NORM_KERNEL, MATMUL_KERNEL } from "../src/models/ops";
import { AdamW } from "../src/trainer/adamw";
import { clipCoefficient, globalGradNorm, globalGradNormTensor } from "../src/trainer/gradClip";
import { linearScheduleWithWarmup } from "../src/trainer/lrSchedule";
import { TrainStepper } from "../src/trainer/trainStep";
import { BertForSequenceClassification, computeLoss } from "../src/models";
import { maxAbsDiff } from "./compare";
import { silence, syntheticDataset, TINY_CONFIG } from "./trainHelpers";
import { Trainer } from "../src/trainer/trainer";
import { computeMetrics } from "../src/metrics";
import { requireShared } from "./shared";
import { checkAdamWKernel, checkDropoutKernel, checkFiveSteps, checkAttentionKernel, checkGeluKernel, checkLinearGelu, checkMatMulKernel, checkForward, checkGradients, checkLayerNormKernel, checkSumOfSquaresKernel, CheckResult, withKernelOptions } from "./webgpuGolden";

let skipReason: string | null = null;

before(async () => {
  try {
    const adapter = await probeWebGPU();
    if (!adapter) skipReason = "Dawn found no WebGPU adapter (no GPU Vulkan/Metal/D3D12 driver; on Debian/Ubuntu install mesa-vulkan-drivers for lavapipe)";
  } catch (err) {
    skipReason = `WebGPU (Dawn) could not load: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!skipReason) await initBackend("webgpu", { quiet: true });
});

function ready(t: TestContext): boolean {
  if (!skipReason) return true;
  if (process.env.BERT_IMDB_REQUIRE_WEBGPU === "1") throw new Error(`BERT_IMDB_REQUIRE_WEBGPU=1 but ${skipReason}`);
  console.log(`# skipped: ${skipReason}`);
  t.skip(skipReason);
  return false;
}

function report(t: TestContext, r: CheckResult): void {
  t.diagnostic(`${r.name}: ${r.detail}`);
  assert.ok(r.pass, `${r.name}: ${r.detail}`);
}

test("webgpu backend: adapter, flags, synchronous reads, custom gradients (gather via ScatterNd, batched matMul)", (t) => {
  if (!ready(t)) return;
  assert.equal(tf.getBackend(), "webgpu");
  const dev = webgpuDeviceInfo();
  assert.ok(dev, "the backend records its adapter");
  t.diagnostic(`adapter: ${dev.adapter.vendor} ${dev.adapter.architecture} ${dev.adapter.device}; software ${dev.adapter.software}; submit batch ${dev.submitBatchSize}`);
  assert.equal(tf.env().getBool("WEBGPU_CPU_FORWARD"), false);
  assert.equal(tf.env().getNumber("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE"), dev.submitBatchSize);
  assert.ok(dev.requestedLimits.maxStorageBufferBindingSize >= 128 * 1024 * 1024);

  // A value computed on the GPU read synchronously (tfjs's own readSync needs OffscreenCanvas).
  const reads = webgpuStats().syncReads;
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  const y = tf.matMul(x, x);
  assert.deepEqual(Array.from(y.dataSync()), [7, 10, 15, 22]);
  assert.deepEqual(y.arraySync(), [[7, 10], [15, 22]]);
  assert.ok(webgpuStats().syncReads > reads, "the read went through the synchronous GPU path");
  tf.dispose([x, y]);

  // Gradients against the cpu backend's for the same computation.
  const table = tf.randomNormal([300, 8], 0, 1, "float32", 1);
  const idx = tf.tensor1d([5, 7, 5, 5, 299, 0], "int32");
  const a = tf.randomNormal([2, 3, 4], 0, 1, "float32", 2);
  const b = tf.randomNormal([1, 4, 5], 0, 1, "float32", 3);
  const f = (tb: tf.Tensor, aa: tf.Tensor, bb: tf.Tensor) =>
    tf.add(tf.sum(tf.square(tf.gather(tb, idx))), tf.sum(tf.square(tf.matMul(aa, bb, false, false)))) as tf.Scalar;
  const gpu = tf.grads(f)([table, a, b]).map((g) => g.dataSync() as Float32Array);
  const [tc, ac, bc] = [table, a, b].map((v) => v.dataSync());
  return tf.setBackend("cpu").then(() => {
    const ref = tf.grads(f)([tf.tensor(tc, table.shape), tf.tensor(ac, a.shape), tf.tensor(bc, b.shape)]).map((g) => g.dataSync());
    return tf.setBackend("webgpu").then(() => {
      gpu.forEach((g, i) => {
        const d = maxAbsDiff(g, ref[i]);
        assert.ok(d <= 1e-4, `gradient ${i} differs from cpu by ${d}`);
      });
      // Rows gathered three times get three times the gradient (ScatterNd sums duplicates).
      assert.ok(Math.abs(gpu[0][5 * 8] - 3 * 2 * tc[5 * 8]) < 1e-4);
    });
  });
});

test("fused AdamW kernel on webgpu matches the JavaScript reference (moments on the GPU and in host memory)", (t) => {
  if (!ready(t)) return;
  const before = tf.memory().numTensors;
  report(t, checkAdamWKernel());
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
});

test("src/trainer's AdamW on webgpu updates in place, several parameters per dispatch: same values as on cpu, never touches a shared buffer, no stale reads", async (t) => {
  if (!ready(t)) return;
  // w, b: vec4 and scalar bindings; then enough tensors for several dispatches of the many-parameter kernel,
  // one of them past the 4,096 × 256 vec4 elements one dispatch row covers without its grid-stride loop.
  const sizes: Array<[string, number[]]> = [["w", [6, 4]], ["b", [7]], ...Array.from({ length: 14 }, (_, i): [string, number[]] => [`p${i}`, i === 9 ? [1_048_577, 4] : [3 + ((i * 37) % 50)]])];
  const init = sizes.map(([, shape], k) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + k) * 0.5));
  const grads = (step: number) => sizes.map(([name, shape], k) => [name, Float32Array.from(init[k], (x, i) => Math.cos(x * 7 + i + step) * 1e-2)] as const);
  const run = async (backend: string, probe: (vars: tf.Variable[], source: tf.Tensor) => void) => {
    await tf.setBackend(backend);
    const source = tf.tensor(init[0], sizes[0][1]);
    // w shares its buffer with `source` (kept); b owns its own.
    const vars = sizes.map(([name, shape], k) => {
      if (k === 0) return tf.variable(source, true, `inplace_${backend}_${name}`);
      const t0 = tf.tensor(init[k], shape);
      const v = tf.variable(t0, true, `inplace_${backend}_${name}`);
      t0.dispose();
      return v;
    });
    const names = sizes.map(([name]) => name);
    const opt = new AdamW(sizes.map(([name], k) => [name, vars[k]] as [string, tf.Variable]), { lr: 1e-2, weightDecay: 0.1, paramGroups: [{ params: names.filter((n) => n !== "b"), weightDecay: 0.1 }, { params: ["b"], weightDecay: 0 }] });
    for (let step = 1; step <= 3; step++) {
      const g = new Map(grads(step).map(([name, data], k) => [name, tf.tensor(data, sizes[k][1])]));
      opt.step(g, { lr: 1e-2 / step, gradScale: 0.5 });
      tf.dispose([...g.values()]);
      probe(vars, source);
    }
    const out = { params: vars.map((v) => Float32Array.from(v.dataSync())), state: opt.getState(), source: Float32Array.from(source.dataSync()) };
    opt.dispose();
    tf.dispose([source, ...vars]);
    return out;
  };
  try {
    const ref = await run("cpu", () => undefined);
    const seen: Float32Array[] = [];
    const buffers: object[] = [];
    const counts: number[] = [];
    // Reading every step caches the values on the CPU side; the next in-place update must not leave them stale.
    const gpu = await run("webgpu", (vars) => {
      seen.push(Float32Array.from(vars[0].dataSync()));
      buffers.push(vars[0].dataId);
      counts.push(tf.memory().numTensors);
    });
    assert.notDeepEqual(seen[0], seen[1], "a read after the next step sees the new values");
    assert.equal(buffers[2], buffers[1], "after the first step (which gives the variable its own buffer) the update is in place");
    assert.equal(counts[2], counts[1], "an in-place step allocates no tensor");
    assert.deepEqual(gpu.source, init[0], "the tensor a variable was made from keeps its values");
    for (let k = 0; k < sizes.length; k++) assert.ok(maxAbsDiff(gpu.params[k], ref.params[k]) <= 1e-6, `param ${sizes[k][0]}: ${maxAbsDiff(gpu.params[k], ref.params[k])}`);
    for (const [name] of sizes) {
      assert.ok(maxAbsDiff(gpu.state.expAvg.get(name)!, ref.state.expAvg.get(name)!) <= 1e-7, `m of ${name}`);
      assert.ok(maxAbsDiff(gpu.state.expAvgSq.get(name)!, ref.state.expAvgSq.get(name)!) <= 1e-9, `v of ${name}`);
    }
    assert.equal(gpu.state.step, 3);
  } finally {
    await tf.setBackend("webgpu");
  }
});

test("clipping inside the webgpu AdamW: the host's update without reading the norm; a non-finite norm changes nothing; one read per training step, or per several steps issued back to back", async (t) => {
  if (!ready(t)) return;
  const shapes = [[5, 4], [3], [8]];
  const init = shapes.map((s, k) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(3 * i + k)));
  // Norm ≈ 6: clipping to 1 scales by ≈ 0.17.
  const gradData = shapes.map((s, k) => Float32Array.from(init[k], (x, i) => Math.cos(x + i) * 2));
  const run = async (backend: string, clipOnDevice: boolean, normOverride?: number) => {
    await tf.setBackend(backend);
    const vars = shapes.map((s, k) => tf.variable(tf.tensor(init[k], s), true, `clip_${backend}_${clipOnDevice}_${normOverride}_${k}`));
    const opt = new AdamW(vars.map((v, k) => [`p${k}`, v] as [string, tf.Variable]), { lr: 1e-2, weightDecay: 0.01 });
    for (let step = 1; step <= 2; step++) {
      const g = new Map(gradData.map((d, k) => [`p${k}`, tf.tensor(d, shapes[k])]));
      const gs = [...g.values()];
      if (clipOnDevice) {
        const norm = normOverride === undefined ? globalGradNormTensor(gs) : tf.tensor1d([normOverride]);
        opt.step(g, { lr: 1e-2, clip: { norm, maxNorm: 1 } });
        norm.dispose();
      } else opt.step(g, { lr: 1e-2, gradScale: clipCoefficient(globalGradNorm(gs), 1) });
      tf.dispose(gs);
    }
    const out = { params: vars.map((v) => Float32Array.from(v.dataSync())), state: opt.getState() };
    opt.dispose();
    tf.dispose(vars);
    return out;
  };
  try {
    const host = await run("cpu", false);
    const device = await run("webgpu", true);
    assert.ok(tf.tidy(() => globalGradNorm(gradData.map((d, k) => tf.tensor(d, shapes[k])))) > 1, "the test's gradients are clipped");
    for (let k = 0; k < shapes.length; k++) assert.ok(maxAbsDiff(device.params[k], host.params[k]) <= 1e-6, `param ${k}: ${maxAbsDiff(device.params[k], host.params[k])}`);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const r = await run("webgpu", true, bad);
      r.params.forEach((p, k) => assert.deepEqual(p, init[k], `a ${bad} norm must leave parameter ${k} unchanged`));
      for (const m of r.state.expAvg.values()) assert.ok(m.every((x) => x === 0), `a ${bad} norm must leave the moments at 0`);
    }
  } finally {
    await tf.setBackend("webgpu");
  }
  // A training step reads back once (losses and norm together), after the update is queued.
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 5, numLabels: 2 });
  const opt = new AdamW(model.namedParameters(), { lr: 1e-3, weightDecay: 0.01 });
  assert.ok(opt.clipsOnDevice, "src/trainer's AdamW clips on the device on webgpu");
  const stepper = new TrainStepper(model, opt, linearScheduleWithWarmup(1e-3, 0, 10), computeLoss, 1.0);
  const ids = tf.tensor2d(Array.from({ length: 4 * 16 }, (_, i) => 5 + ((i * 7) % 50)), [4, 16], "int32");
  const batch = { inputIds: ids, attentionMask: tf.onesLike(ids), tokenTypeIds: tf.zerosLike(ids), labels: tf.tensor1d([0, 1, 1, 0], "int32") };
  // The same three steps issued back to back and read together (as the Trainer does on webgpu): one read in
  // all, the same figures and parameters as stepping one by one (up to the atomic embedding gradient's ≈ 1e-8).
  const model2 = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 5, numLabels: 2 });
  const opt2 = new AdamW(model2.namedParameters(), { lr: 1e-3, weightDecay: 0.01 });
  const stepper2 = new TrainStepper(model2, opt2, linearScheduleWithWarmup(1e-3, 0, 10), computeLoss, 1.0);
  try {
    const oneByOne: number[] = [];
    for (let step = 1; step <= 3; step++) {
      const reads = webgpuStats().syncReads;
      const r = stepper.step([batch], [step]);
      assert.equal(webgpuStats().syncReads - reads, 1, `step ${step}: one synchronous read`);
      assert.ok(Number.isFinite(r.loss) && r.gradNorm > 0, `step ${step}: loss ${r.loss}, grad norm ${r.gradNorm}`);
      oneByOne.push(r.loss, r.gradNorm);
    }
    const reads = webgpuStats().syncReads;
    const issued = [1, 2, 3].map((step) => stepper2.issue([batch], [step]));
    assert.equal(webgpuStats().syncReads - reads, 0, "issuing reads nothing back");
    const together = TrainStepper.readResults(issued).flatMap((r) => [r.loss, r.gradNorm]);
    assert.equal(webgpuStats().syncReads - reads, 1, "three steps' figures in one read");
    together.forEach((x, i) => assert.ok(Math.abs(x - oneByOne[i]) <= 1e-6 * Math.abs(oneByOne[i]), `figure ${i}: ${x} vs ${oneByOne[i]}`));
    const p1 = model.namedParameters();
    model2.namedParameters().forEach(([name, v], i) => assert.ok(maxAbsDiff(v.dataSync(), p1[i][1].dataSync()) <= 1e-6, name));
  } finally {
    opt.dispose();
    model.dispose();
    opt2.dispose();
    model2.dispose();
    tf.dispose(Object.values(batch));
  }
});

test("Trainer on webgpu (figures read every 8 steps), with and without the fused training kernels: the same log history as on cpu, within the GPU tolerance", async (t) => {
  if (!ready(t)) return;
  const fs = await import("node:fs");
  const os = await import("node:os");
  const path = await import("node:path");
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 9, numLabels: 2 });
    const trainer = new Trainer({
      model,
      args: { outputDir: fs.mkdtempSync(path.join(os.tmpdir(), `bert-imdb-webgpu-trainer-${backend}-`)), learningRate: 1e-3, numTrainEpochs: 2, perDeviceTrainBatchSize: 4, loggingSteps: 5, saveStrategy: "epoch", seed: 4, disableTqdm: true },
      trainDataset: syntheticDataset(40, 16, 6), // 10 steps an epoch: reads at steps 5 (log), 8 (interval), 10 (epoch end, log)…
      evalDataset: syntheticDataset(8, 16, 7),
      computeMetrics,
    });
    await silence(() => trainer.train());
    model.dispose();
    return trainer.state.logHistory.filter((e) => "loss" in e || "eval_loss" in e);
  };
  try {
    const cpu = await run("cpu");
    const dispatches: number[] = [];
    for (const trainFused of [false, true]) {
      const before = webgpuStats();
      const gpu = await withKernelOptions({ trainFused }, () => run("webgpu"));
      const after = webgpuStats();
      dispatches.push(after.dispatches - before.dispatches);
      t.diagnostic(`trainFused ${trainFused}: ${after.syncReads - before.syncReads} synchronous reads, ${after.dispatches - before.dispatches} dispatches`);
      assert.deepEqual(gpu.map((e) => e.step), cpu.map((e) => e.step));
      gpu.forEach((e, i) => {
        for (const k of ["loss", "grad_norm", "learning_rate", "eval_loss"]) {
          if (typeof cpu[i][k] !== "number") continue;
          assert.ok(Math.abs((e[k] as number) - (cpu[i][k] as number)) <= 1e-4 * Math.max(1, Math.abs(cpu[i][k] as number)), `trainFused ${trainFused}, step ${e.step} ${k}: ${e[k]} vs ${cpu[i][k]}`);
        }
      });
    }
    assert.ok(dispatches[1] < dispatches[0] * 0.9, `the fused training kernels were not used: ${dispatches[1]} vs ${dispatches[0]} dispatches`);
  } finally {
    await tf.setBackend("webgpu");
  }
});

test("configureWebGPUKernels({ trainFused: true }) registers the fused training kernels (attention gradient, dropout applied in place), off by default; fusedKernels false swaps the kernel ops to their composed forms; bad options are named", (t) => {
  if (!ready(t)) return;
  const fusedTraining = [DROPOUT_KERNEL, DROPOUT_ADD_LAYER_NORM_KERNEL, DROPOUT_ADD_LAYER_NORM_GRAD_KERNEL, ATTENTION_GRAD_KERNEL];
  const registered = (names: string[]) => names.map((n) => tf.getKernel(n, "webgpu") != null);
  assert.deepEqual(webgpuKernelOptions(), { ...DEFAULT_WEBGPU_KERNEL_OPTIONS }, "the tests run with the default options");
  assert.deepEqual(registered(fusedTraining), [false, false, false, false]);
  withKernelOptions({ trainFused: true }, () => assert.deepEqual(registered(fusedTraining), [true, true, true, true]));
  assert.deepEqual(registered(fusedTraining), [false, false, false, false], "unregistered again with the option put back");
  // Without the project's kernels the kernel ops run the composed implementations (the cpu backend's).
  const program = tf.getKernel(LAYER_NORM_KERNEL, "webgpu")!.kernelFunc;
  withKernelOptions({ fusedKernels: false }, () => {
    assert.notEqual(tf.getKernel(LAYER_NORM_KERNEL, "webgpu")?.kernelFunc, program);
    const x = tf.tensor2d([[1, 2, 3, 4]]);
    const before = webgpuStats().dispatches;
    tf.tidy(() => tf.engine().runKernel(MATMUL_KERNEL, { a: x, b: x }, { transposeA: false, transposeB: true, activation: "linear" }));
    assert.ok(webgpuStats().dispatches - before >= 1);
    x.dispose();
  });
  assert.equal(tf.getKernel(LAYER_NORM_KERNEL, "webgpu")?.kernelFunc, program);
  assert.throws(() => configureWebGPUKernels({ trainFused: "yes" as unknown as boolean }), /configureWebGPUKernels: trainFused must be true or false, got "yes"/);
  assert.throws(() => configureWebGPUKernels({ matMulTile: 96 as 64 }), /matMulTile must be "auto", 64 or 128, got 96/);
  assert.throws(() => configureWebGPUKernels({ submitBatchSize: 8 } as never), /unknown option "submitBatchSize"/);
  // The submit batch reaches the running backend's tfjs flag.
  withKernelOptions({ submitBatch: 7 }, () => assert.equal(tf.env().getNumber("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE"), 7));
  assert.equal(tf.env().getNumber("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE"), DEFAULT_WEBGPU_KERNEL_OPTIONS.submitBatch);
});

// Each fused kernel against its reference; none may leave a tensor behind.
const KERNEL_CHECKS: Array<[string, () => CheckResult]> = [
  ["sum-of-squares kernel on webgpu matches a float64 sum (one and two passes, many tensors at once)", checkSumOfSquaresKernel],
  ["fused LayerNorm on webgpu matches the composed one (forward and every gradient; with a residual, and with dropout of x before it)", checkLayerNormKernel],
  ["fused GELU on webgpu matches the composed one (forward and gradient)", checkGeluKernel],
  ["tiled matMul on webgpu matches tfjs's matMul (all transpose forms, odd sizes, bias)", checkMatMulKernel],
  ["linear + GELU in one dispatch on webgpu matches linear then GELU, and is not used under a gradient tape", checkLinearGelu],
  ["fused attention on webgpu matches the composed one (forward with dropout inside, the two-dispatch gradient; masked, odd lengths)", checkAttentionKernel],
  ["dropout on webgpu: masks bit-identical to the JavaScript ones, and applied in one dispatch the same as x × mask (forward, gradient)", checkDropoutKernel],
];
for (const [title, check] of KERNEL_CHECKS) {
  test(title, (t) => {
    if (!ready(t)) return;
    const before = tf.memory().numTensors;
    report(t, check());
    assert.equal(tf.memory().numTensors, before, "no tensor leaked");
  });
}

test("tiny-bert batch0 on webgpu: logits and hidden states within 1e-4 of transformers", async (t) => {
  if (!ready(t)) return;
  const dir = requireShared(t, "golden/tiny-bert");
  if (!dir) return;
  report(t, await checkForward(dir));
});

test("tiny-bert batch0 on webgpu: loss and every gradient within 1e-4 of transformers", async (t) => {
  if (!ready(t)) return;
  const dir = requireShared(t, "golden/tiny-bert");
  if (!dir) return;
  report(t, await checkGradients(dir));
});

test("tiny-bert batch0 on webgpu with the fused training kernels (trainFused): loss and every gradient within 1e-4 of transformers", async (t) => {
  if (!ready(t)) return;
  const dir = requireShared(t, "golden/tiny-bert");
  if (!dir) return;
  report(t, await withKernelOptions({ trainFused: true }, () => checkGradients(dir)));
});

test("five golden AdamW steps on webgpu through TrainStepper (src/trainer's AdamW)", async (t) => {
  if (!ready(t)) return;
  const dir = requireShared(t, "golden/tiny-bert");
  if (!dir) return;
  const before = tf.memory().numTensors;
  report(t, await checkFiveSteps(dir, "project"));
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
});

test("five golden AdamW steps on webgpu with the moments on the GPU (the kernel's tensor form)", async (t) => {
  if (!ready(t)) return;
  const dir = requireShared(t, "golden/tiny-bert");
  if (!dir) return;
  const before = tf.memory().numTensors;
  const reads = webgpuStats().syncReads;
  report(t, await checkFiveSteps(dir, "device"));
  // Per step: the loss and the gradient norm (one read); at the end, the parameters for the comparison.
  const stepReads = webgpuStats().syncReads - reads;
  t.diagnostic(`synchronous reads over 5 steps + final comparison: ${stepReads}`);
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
});
