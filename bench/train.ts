// Training and evaluation throughput on the selected backend: the Trainer's real optimizer step (forward +
// backward, global-norm clipping, fused AdamW with HF's groups, lr schedule) and eval-mode forward passes, for a
// bert-base-sized model (random init from ../shared/bert-base-uncased/config.json, 2 labels) and the quick
// preset's small model (hidden 128, 2 layers, 2 heads, intermediate 512), at batch 16 × 128 by default.
// Usage: npm run bench:train -- [--backend wasm|cpu|webgpu|tensorflow] [--model base|quick|both]
//          [--steps N (default 3; 0 = evaluation only)] [--batch B (default 16)] [--accum A (default 1: micro-batches of B per step)]
//          [--seq S (default 128)] [--eval-batch E (default 16)] [--eval-batches N (default 3)]
//          [--compare-composed]  (also time the tf-ops AdamW fallback against the fused kernel, one step)
//          [--profile]  (one more step under tf.profile: time per kernel name and per kernel and input shapes)
//          [--read-every N]  (steps issued between reads of their loss and norm; default the Trainer's: 8 on webgpu, else 1)
//          and on webgpu the kernels' options of bench/gpu/kernelFlags.ts, e.g. [--matmul-variant vec4|scalar]
//          [--train-fused 0|1] [--submit-batch N]
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend, BackendName } from "../src/backends/initBackend";
import { wasmHeapBytes } from "../src/backends/wasmGuard";
import { tf } from "../src/backends/tf";
import { BertForSequenceClassification, computeLoss } from "../src/models";
import type { BertConfigJson } from "../src/models/config";
import { Rng } from "../src/random";
import { AdamW } from "../src/trainer/adamw";
import { adamwStepComposed, hasFusedAdamW } from "../src/trainer/adamwKernels";
import { linearScheduleWithWarmup } from "../src/trainer/lrSchedule";
import { figureReadInterval, PendingStep, TrainStepper } from "../src/trainer/trainStep";
import { predictionLoop } from "../src/trainer/predictionLoop";
import type { LabeledDataset } from "../src/trainer/labeledDataset";
import { PRESETS } from "../src/presets";
import { applyKernelFlags } from "./gpu/kernelFlags";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
function positiveInt(name: string, def: number, min = 1): number {
  const v = Number(arg(name) ?? def);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${arg(name)}`);
  return v;
}

const SHARED = process.env.BERT_IMDB_SHARED ?? path.join(__dirname, "..", "..", "shared");
const BASE_CONFIG = path.join(SHARED, "bert-base-uncased", "config.json");

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}
function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

function randomBatch(rng: Rng, batch: number, seq: number, vocab: number) {
  const ids = new Int32Array(batch * seq);
  const mask = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    const len = Math.max(8, seq - rng.int(Math.floor(seq / 4))); // mostly full rows, like truncated reviews
    for (let s = 0; s < seq; s++) {
      ids[b * seq + s] = s === 0 ? 101 : s === len - 1 ? 102 : s < len ? 1000 + rng.int(vocab - 1000) : 0;
      mask[b * seq + s] = s < len ? 1 : 0;
    }
  }
  return {
    inputIds: tf.tensor2d(ids, [batch, seq], "int32"),
    attentionMask: tf.tensor2d(mask, [batch, seq], "int32"),
    tokenTypeIds: tf.zeros([batch, seq], "int32") as tf.Tensor2D,
    labels: tf.tensor1d(Int32Array.from({ length: batch }, () => rng.int(2)), "int32"),
  };
}

/** Random reviews as a LabeledDataset (host arrays, as the tokenize stage produces them) for the evaluation loop. */
function randomDataset(rng: Rng, rows: number, seq: number, vocab: number): LabeledDataset & { labels: Int32Array } {
  const b = randomBatch(rng, rows, seq, vocab);
  try {
    const [inputIds, attentionMask, tokenTypeIds, labels] = [b.inputIds, b.attentionMask, b.tokenTypeIds, b.labels].map((t) => t.dataSync() as Int32Array);
    return { inputIds, attentionMask, tokenTypeIds, labels, rows, maxLength: seq };
  } finally {
    tf.dispose(Object.values(b));
  }
}

/**
 * One training step under tf.profile: milliseconds per kernel name and per kernel with its input shapes. A
 * kernel composed of other kernels (the project's fused ops on cpu/wasm) counts its own time and theirs, so the
 * figures overlap; the wall time of the step is printed beside them.
 */
async function profileStep(step: () => void): Promise<void> {
  const t0 = performance.now();
  const info = await tf.profile(step);
  const wall = performance.now() - t0;
  const add = (m: Map<string, { ms: number; n: number }>, key: string, ms: number) => {
    const e = m.get(key) ?? { ms: 0, n: 0 };
    e.ms += ms;
    e.n++;
    m.set(key, e);
  };
  const byName = new Map<string, { ms: number; n: number }>();
  const byShape = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const ms = Number(k.kernelTimeMs) || 0;
    add(byName, k.name, ms);
    add(byShape, `${k.name} ${JSON.stringify(k.inputShapes)}`, ms);
  }
  const top = (m: Map<string, { ms: number; n: number }>, n: number) =>
    [...m].sort((a, b) => b[1].ms - a[1].ms).slice(0, n).map(([key, e]) => `${e.ms.toFixed(1).padStart(8)} ms  ×${String(e.n).padEnd(4)} ${key}`);
  console.log(`PROFILE one step: ${wall.toFixed(0)} ms wall under tf.profile, ${info.kernels.length} kernel calls (nested kernels counted in their callers too)`);
  console.log(["  by kernel:", ...top(byName, 15), "  by kernel and input shapes:", ...top(byShape, 25)].join("\n"));
}

async function benchModel(name: string, config: BertConfigJson, o: { steps: number; batch: number; accum: number; seq: number; evalBatch: number; evalBatches: number; compareComposed: boolean; readEvery: number; profile: boolean }): Promise<void> {
  const t0 = performance.now();
  const model = BertForSequenceClassification.fromConfig(config, { seed: 1, numLabels: 2 });
  const nParams = model.numParameters();
  console.log(`\n== ${name}: ${(nParams / 1e6).toFixed(1)} M parameters, batch ${o.batch} × ${o.seq}${o.accum > 1 ? ` × ${o.accum} accumulated micro-batches per step` : ""} (init ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const optimizer = new AdamW(model.namedParameters(), { lr: 2e-5, weightDecay: 0.01 });
  const schedule = linearScheduleWithWarmup(2e-5, 0, o.steps + 1);
  const stepper = new TrainStepper(model, optimizer, schedule, computeLoss, 1.0);
  const rng = new Rng(7);
  const vocab = model.config.vocabSize;

  const issueStep = (i: number) => {
    const micro = Array.from({ length: o.accum }, () => randomBatch(rng, o.batch, o.seq, vocab));
    try {
      return stepper.issue(micro, micro.map((_, k) => 1000 + i * o.accum + k));
    } finally {
      micro.forEach((b) => tf.dispose(Object.values(b)));
    }
  };
  if (o.steps > 0) {
    const start0 = performance.now();
    const warm = TrainStepper.readResults([issueStep(0)])[0];
    const warmSecs = (performance.now() - start0) / 1000;
    const heapNow = wasmHeapBytes();
    if (heapNow !== null) console.log(`wasm heap after the first step: ${mib(heapNow)} (of 4096 MiB)`);
    console.log(`warm-up step: ${warmSecs.toFixed(2)} s (forward+backward ${warm.forwardBackwardSeconds.toFixed(2)} s, clip+AdamW ${warm.optimizerSeconds.toFixed(2)} s), loss ${warm.loss.toFixed(4)}`);
    // Steps are issued back to back and their loss and norm read every `readEvery` steps, as the Trainer does
    // (8 on webgpu: a read makes the host wait for the GPU; 1 elsewhere, where a read costs nothing).
    const readEvery = o.readEvery || figureReadInterval();
    let fb = 0;
    let opt = 0;
    let pending: PendingStep[] = [];
    let groupStart = performance.now();
    const start = groupStart;
    try {
      for (let i = 1; i <= o.steps; i++) {
        pending.push(issueStep(i));
        if (pending.length < readEvery && i < o.steps) continue;
        const first = i - pending.length + 1;
        const results = TrainStepper.readResults(pending);
        pending = [];
        const now = performance.now();
        const perStep = (now - groupStart) / 1000 / results.length;
        groupStart = now;
        results.forEach((r, k) => {
          fb += r.forwardBackwardSeconds;
          opt += r.optimizerSeconds;
          console.log(`step ${first + k}: loss ${r.loss.toFixed(4)}, grad_norm ${r.gradNorm.toFixed(3)}; forward+backward ${r.forwardBackwardSeconds.toFixed(3)} s, clip+AdamW ${r.optimizerSeconds.toFixed(3)} s`);
        });
        if (results.length > 1) console.log(`  steps ${first}–${i} (read together): ${perStep.toFixed(3)} s/step`);
      }
    } finally {
      TrainStepper.discard(pending);
    }
    const total = (performance.now() - start) / 1000;
    if (o.profile) await profileStep(() => void TrainStepper.readResults([issueStep(o.steps + 1)]));
    console.log(
      `TRAIN ${name}: ${((o.steps * o.batch * o.accum) / total).toFixed(2)} samples/s (${(total / o.steps).toFixed(3)} s/step over ${o.steps} steps, figures read every ${readEvery}; ` +
        `per step forward+backward ${(fb / o.steps).toFixed(3)} s, clip+AdamW ${(opt / o.steps).toFixed(3)} s of host time — on webgpu the time to queue them, the GPU running on after)`,
    );
  }

  if (o.compareComposed) {
    // One AdamW update of every parameter, 3 times each way (median): composed tf ops vs the optimizer's path.
    const params = model.namedParameters();
    const grads = new Map(params.map(([n, v]) => [n, tf.randomNormal(v.shape, 0, 1e-3) as tf.Tensor]));
    const median = (xs: number[]) => xs.slice().sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const composedTimes: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const moments = params.map(([, v]) => [tf.zerosLike(v), tf.zerosLike(v)]);
      const start = performance.now();
      const outs = params.map(([n, v], k) => adamwStepComposed(v, grads.get(n) as tf.Tensor, moments[k][0], moments[k][1], { lr: 2e-5, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 1, gradScale: 1 }));
      outs.forEach((t) => t[0].dataSync().length); // synchronises asynchronous backends
      composedTimes.push((performance.now() - start) / 1000);
      tf.dispose([...outs.flat(), ...moments.flat()]);
    }
    const fusedTimes: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const start = performance.now();
      optimizer.step(grads, { lr: 2e-5 });
      params[params.length - 1][1].dataSync(); // synchronises asynchronous backends
      fusedTimes.push((performance.now() - start) / 1000);
    }
    tf.dispose([...grads.values()]);
    console.log(`ADAMW ${name}: composed tf ops ${median(composedTimes).toFixed(3)} s vs ${hasFusedAdamW() ? "fused kernel" : "composed (no fused kernel on this backend)"} ${median(fusedTimes).toFixed(3)} s per update of all parameters (median of 3)`);
  }

  // Evaluation through the Trainer's own loop (src/trainer/predictionLoop: batches queued back to back, results
  // read every 8 batches on webgpu), over random full-length reviews; one batch first to warm up.
  const evalSet = randomDataset(rng, o.evalBatch * o.evalBatches, o.seq, vocab);
  await predictionLoop(model, randomDataset(rng, o.evalBatch, o.seq, vocab), computeLoss, { batchSize: o.evalBatch, progress: false });
  const ev = await predictionLoop(model, evalSet, computeLoss, { batchSize: o.evalBatch, progress: false });
  console.log(`EVAL ${name}: ${(ev.numSamples / ev.runtimeSeconds).toFixed(2)} samples/s (${(ev.runtimeSeconds / ev.numSteps).toFixed(3)} s per batch of ${o.evalBatch} × ${o.seq}, ${ev.numSteps} batches)`);
  const heap = wasmHeapBytes();
  console.log(`peak host RSS so far: ${mib(peakRss())}${heap !== null ? `; wasm heap grown to ${mib(heap)} (of 4096 MiB)` : ""}; tf tensors alive: ${tf.memory().numTensors}`);
  optimizer.dispose();
  model.dispose();
}

async function main(): Promise<void> {
  const kernelOptions = applyKernelFlags();
  const info = await initBackend((arg("backend") as BackendName | undefined) ?? undefined);
  console.log(`backend: ${tf.getBackend()} — device: ${info.device}; fused AdamW kernel: ${hasFusedAdamW() ? "yes" : "no (composed tf ops)"}${tf.getBackend() === "webgpu" ? `; ${kernelOptions}` : ""}`);
  const which = arg("model") ?? "both";
  if (!["base", "quick", "both"].includes(which)) throw new Error(`--model must be base, quick or both, got ${which}`);
  const o = { steps: positiveInt("steps", 3, 0), batch: positiveInt("batch", 16), accum: positiveInt("accum", 1), seq: positiveInt("seq", 128), evalBatch: positiveInt("eval-batch", 16), evalBatches: positiveInt("eval-batches", 3), compareComposed: flag("compare-composed"), profile: flag("profile"), readEvery: positiveInt("read-every", 0, 0) };
  if (!fs.existsSync(BASE_CONFIG)) throw new Error(`${BASE_CONFIG} is missing: the bench reads bert-base-uncased's config.json from ../shared (set BERT_IMDB_SHARED)`);
  const base = JSON.parse(fs.readFileSync(BASE_CONFIG, "utf8")) as BertConfigJson;
  if (which !== "base") await benchModel("quick preset (hidden 128, 2 layers)", { ...base, ...PRESETS.quick.modelShape }, o);
  if (which !== "quick") await benchModel("bert-base-uncased size", base, o);
  console.log(`\npeak host RSS: ${mib(peakRss())}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
