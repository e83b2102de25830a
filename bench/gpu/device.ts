// The GPU device run: one program, bundled with esbuild into .device-carry/gpu.cjs (scripts/gpu/pack.sh), that a
// GPU host without Node or network runs from the project root. Parts (each with its own time budget and
// try/catch, results printed and written after every part to $OUT/gpu-results.json when OUT is set):
//   init    WebGPU through Dawn: adapter, limits, features, flags
//   golden  tiny-bert goldens on webgpu (forward, gradients, five AdamW steps in both optimizer forms) and
//           the fused kernels against their JavaScript references
//   bert    bert-base (random init from assets/bert-base-uncased/config.json, 2 labels) through the project's
//           train step (forward + backward, clipping, AdamW, lr schedule) at batch 16 × 128: warm-up, then
//           steady-state samples/s for each optimizer form (src/train's AdamW as it is; the tf-op fallback;
//           moments on the GPU), a sweep of dispatches per submit, and eval samples/s over 2,000 test reviews
//   quick   the quick preset's stages 5-8 on webgpu from the carried tokenized splits: the small random-init
//           BERT, Trainer.train with the preset's arguments, evaluation on the test split (HF-style metrics)
// Usage (GPU host): source .device-carry/setup.sh && XDG_RUNTIME_DIR=/tmp /tmp/node .device-carry/gpu.cjs [options]
// Here (lavapipe): node --import tsx bench/gpu/device.ts --data .device-carry/data --bert-config small ...
//   matmul  (only when named) the linear products of bert-base in their three training forms through the
//           project's matMul programs (variant, tile size, K step) and tfjs's, in TFLOP/s of GPU time
// Options: --data DIR (default .device-carry/data)  --parts init,golden,bert,quick (and matmul)
//   --bert-config base|small  --bert-batch 16  --bert-seq 128  --bert-warmup 2  --bert-steps 8
//   --bert-optimizers device,project,composed  --submit-sweep 15,64,256 (steps each: --sweep-steps 3; "" = none)
//   --eval-rows 2000  --eval-batch 16  --profile 1 (GPU time per kernel of one train step and one eval batch,
//   from timestamp queries through tf.profile)  --compare-tiled 1 (training and eval per matMul program: vec4,
//   scalar, tfjs's)  --compare-attention 1 (training with the trainFused option, the fused attention and dropout
//   kernels, against the composed forms)  --matmul-sweep -1,2,3 (eval forward per WEBGPU_MATMUL_PROGRAM_TYPE)  --quick-epochs (preset: 3)  --quick-max-steps N  --quick-eval-rows N
//   --quick-adamw project|composed  --budget-golden 150  --budget-matmul 90  --budget-bert 180  --budget-quick 120 (seconds)
//   --max-seconds 330 (the whole run; parts end early to stay within it)  --read-every N (bert part: steps between
//   reads of the figures; default the Trainer's)
//   and the WebGPU kernels' options (bench/gpu/kernelFlags.ts): --matmul-variant vec4|scalar --matmul-tile auto|64|128
//   --matmul-bk 8|16|32 --submit-batch N --train-fused 0|1 --fused-kernels 0|1 --read-timeout-s S (here 120 by
//   default, so that a stuck read fails its part instead of the whole device call)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initBackend } from "../../src/backends/initBackend";
import { tf } from "../../src/backends/tf";
import { dawnLoadedFrom, resetWebGPUStats, webgpuDeviceInfo, webgpuStats } from "../../src/backends/webgpu";
import { loadInt32Array } from "../../src/io/binary";
import { PRESETS } from "../../src/presets";
import { predictionLoop } from "../../src/trainer/predictionLoop";
import type { LabeledDataset } from "../../src/trainer/labeledDataset";
import { writeJsonAtomic } from "../../src/io/atomic";
import { computeMetrics } from "../../src/metrics";
import { BertForSequenceClassification, computeLoss } from "../../src/models";
import type { BertConfigJson } from "../../src/models/config";
import { AutoConfig } from "../../src/models/auto";
import { loadEncoded } from "../../src/tokenizers/encodedStore";
import { AdamW } from "../../src/trainer/adamw";
import { ADAMW_KERNEL } from "../../src/trainer/adamwKernels";
import { linearScheduleWithWarmup } from "../../src/trainer/lrSchedule";
import { Trainer } from "../../src/trainer/trainer";
import { figureReadInterval, PendingStep, TrainStepper } from "../../src/trainer/trainStep";
import { ATTENTION_GRAD_KERNEL, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNorm, MATMUL_KERNEL } from "../../src/models/ops";
import { configureWebGPUKernels, matMulTiled, webgpuKernelOptions, type WebGPUKernelOptions } from "../../src/backends/webgpu";
import { checkAdamWKernel, checkAttentionKernel, checkDropoutKernel, checkFiveSteps, checkGeluKernel, checkLinearGelu, checkMatMulKernel, checkForward, checkGradients, checkLayerNormKernel, checkSumOfSquaresKernel, CheckResult, DeviceMomentsAdamW, withKernelOptions, withoutWebGPUKernels } from "../../test/webgpuGolden";
import { applyKernelFlags } from "./kernelFlags";

// ---------------------------------------------------------------- arguments

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
function intArg(name: string, def: number): number {
  const v = Number(arg(name, String(def)));
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer, got ${arg(name, "")}`);
  return v;
}
function listArg(name: string, def: string): string[] {
  return arg(name, def).split(",").map((s) => s.trim()).filter((s) => s);
}

const ARGS = {
  data: path.resolve(arg("data", path.join(".device-carry", "data"))),
  parts: listArg("parts", "init,golden,bert,quick"),
  bertConfig: arg("bert-config", "base"),
  bertBatch: intArg("bert-batch", 16),
  bertSeq: intArg("bert-seq", 128),
  bertWarmup: intArg("bert-warmup", 2),
  bertSteps: intArg("bert-steps", 8),
  bertOptimizers: listArg("bert-optimizers", "device,project,composed"),
  submitSweep: listArg("submit-sweep", "15,64,256").map(Number),
  sweepSteps: intArg("sweep-steps", 3),
  evalRows: intArg("eval-rows", 2000),
  profile: arg("profile", "1") !== "0",
  matmulSweep: listArg("matmul-sweep", "-1,2,3").map(Number),
  compareTiled: arg("compare-tiled", "1") !== "0",
  compareAttention: arg("compare-attention", "1") !== "0",
  evalBatch: intArg("eval-batch", 16),
  readEvery: intArg("read-every", 0),
  quickEpochs: arg("quick-epochs", ""),
  quickMaxSteps: intArg("quick-max-steps", 0),
  quickEvalRows: intArg("quick-eval-rows", 0),
  quickAdamw: arg("quick-adamw", "project"),
  budget: { matmul: intArg("budget-matmul", 90), golden: intArg("budget-golden", 150), bert: intArg("budget-bert", 180), quick: intArg("budget-quick", 120) },
  /** Whole run: every part stops in time for the results to be written before this. */
  maxSeconds: intArg("max-seconds", 330),
};
const RUN_START = performance.now();
const RUN_DEADLINE = RUN_START + ARGS.maxSeconds * 1000 - 15_000;

// ---------------------------------------------------------------- results

const results: Record<string, unknown> & { parts: Record<string, unknown> } = {
  startedAt: new Date().toISOString(),
  argv: process.argv.slice(2),
  args: ARGS,
  node: process.version,
  tfjs: tf.version_core,
  host: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "", memGiB: Math.round(os.totalmem() / 1024 ** 3) },
  parts: {},
};

function save(): void {
  const out = process.env.OUT;
  if (!out) return;
  try {
    fs.mkdirSync(out, { recursive: true });
    writeJsonAtomic(path.join(out, "gpu-results.json"), results);
  } catch (err) {
    console.error(`could not write $OUT/gpu-results.json: ${(err as Error).message}`);
  }
}

function log(line: string): void {
  console.log(line);
}

const mib = (b: number) => Math.round((b / 1024 ** 2) * 10) / 10;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** Peak GPU memory as tfjs's buffer manager sees it (bytes in use, bytes allocated incl. its free pool). */
const gpuPeak = { inUse: 0, allocated: 0 };
function sampleMemory(): { gpuInUseMiB: number; gpuAllocatedMiB: number; rssMiB: number } {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  gpuPeak.inUse = Math.max(gpuPeak.inUse, m.numBytesInGPU ?? 0);
  gpuPeak.allocated = Math.max(gpuPeak.allocated, m.numBytesAllocatedInGPU ?? 0);
  return { gpuInUseMiB: mib(m.numBytesInGPU ?? 0), gpuAllocatedMiB: mib(m.numBytesAllocatedInGPU ?? 0), rssMiB: mib(process.memoryUsage().rss) };
}

async function part(name: string, budgetS: number, fn: (deadline: number, record: Record<string, unknown>) => Promise<void>): Promise<void> {
  if (!ARGS.parts.includes(name)) return;
  const record: Record<string, unknown> = { ok: false, budgetSeconds: budgetS };
  results.parts[name] = record;
  if (RUN_DEADLINE - performance.now() < 20_000) {
    record.error = `not run: less than 20 s left of --max-seconds ${ARGS.maxSeconds}`;
    log(`\n==== ${name}: ${record.error}`);
    save();
    return;
  }
  const t0 = performance.now();
  log(`\n==== ${name} (budget ${budgetS} s) ====`);
  try {
    await fn(Math.min(t0 + budgetS * 1000, RUN_DEADLINE), record);
    record.ok = !record.failed;
  } catch (err) {
    record.ok = false;
    record.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    log(`${name} FAILED: ${record.error}`);
  } finally {
    record.seconds = round((performance.now() - t0) / 1000, 1);
    log(`---- ${name}: ${record.ok ? "done" : "FAILED"} in ${record.seconds} s`);
    save();
  }
}

function check(record: Record<string, unknown>, r: CheckResult): void {
  const checks = (record.checks ??= []) as CheckResult[];
  checks.push(r);
  if (!r.pass) record.failed = true;
  log(`${r.pass ? "PASS" : "FAIL"}  ${r.name}: ${r.detail}`);
  save();
}

async function guarded(record: Record<string, unknown>, name: string, deadline: number, fn: () => CheckResult | Promise<CheckResult>): Promise<void> {
  if (performance.now() > deadline) {
    check(record, { name, pass: false, detail: "not run: the part's time budget was used up", figures: {} });
    return;
  }
  try {
    check(record, await fn());
  } catch (err) {
    check(record, { name, pass: false, detail: `threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, figures: {} });
  }
}

// ---------------------------------------------------------------- data

function loadLabeled(dir: string, name: string, maxRows = 0): LabeledDataset {
  const enc = loadEncoded(dir, name);
  const labels = loadInt32Array(path.join(dir, `${name}.labels.bin`)).data;
  const rows = maxRows > 0 ? Math.min(maxRows, enc.rows) : enc.rows;
  if (rows === enc.rows) return { ...enc, labels };
  const n = rows * enc.maxLength;
  return {
    inputIds: enc.inputIds.slice(0, n),
    attentionMask: enc.attentionMask.slice(0, n),
    tokenTypeIds: enc.tokenTypeIds.slice(0, n),
    rows,
    maxLength: enc.maxLength,
    labels: labels.slice(0, rows),
  };
}

function batchOf(ds: LabeledDataset, start: number, batch: number, seq: number) {
  const ids = new Int32Array(batch * seq);
  const mask = new Int32Array(batch * seq);
  const labels = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const r = (start + b) % ds.rows;
    for (let s = 0; s < seq; s++) {
      const from = r * ds.maxLength + Math.min(s, ds.maxLength - 1);
      ids[b * seq + s] = s < ds.maxLength ? ds.inputIds[from] : 0;
      mask[b * seq + s] = s < ds.maxLength ? ds.attentionMask[from] : 0;
    }
    labels[b] = Number(ds.labels[r]);
  }
  return {
    inputIds: tf.tensor2d(ids, [batch, seq], "int32"),
    attentionMask: tf.tensor2d(mask, [batch, seq], "int32"),
    tokenTypeIds: tf.zeros([batch, seq], "int32") as tf.Tensor2D,
    labels: tf.tensor1d(labels, "int32"),
  };
}

// ---------------------------------------------------------------- parts

async function partInit(_deadline: number, record: Record<string, unknown>): Promise<void> {
  const info = await initBackend("webgpu");
  const dev = webgpuDeviceInfo();
  Object.assign(record, { backend: info.backend, device: info.device, dawn: dawnLoadedFrom(), adapter: dev?.adapter, requestedLimits: dev?.requestedLimits, requestedFeatures: dev?.requestedFeatures });
  Object.assign(record, { flags: { WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: tf.env().get("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE"), WEBGPU_CPU_FORWARD: tf.env().get("WEBGPU_CPU_FORWARD") } });
  log(`adapter: ${JSON.stringify(dev?.adapter)}`);
  // A first product, checked against the exact result.
  const t0 = performance.now();
  const got = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])).dataSync());
  if (Array.from(got).join() !== "19,22,43,50") throw new Error(`a 2×2 product gave ${Array.from(got).join()}`);
  record.firstProductMs = round(performance.now() - t0, 1);
  if (dev?.adapter.software) log("NOTE: a software adapter — figures below are CPU speeds, not a GPU's");
}

async function partGolden(deadline: number, record: Record<string, unknown>): Promise<void> {
  const dir = path.join(ARGS.data, "golden", "tiny-bert");
  if (!fs.existsSync(path.join(dir, "golden.safetensors"))) throw new Error(`no golden data in ${dir} (run scripts/gpu/pack.sh)`);
  // The model's goldens first (what the issue asks to hold on every backend), then each kernel against its
  // reference; the matMul check compiles a pipeline per shape and form (≈ 1 s each on the H100), so it is last.
  await guarded(record, "forward", deadline, () => checkForward(dir));
  await guarded(record, "gradients", deadline, () => checkGradients(dir));
  await guarded(record, "gradients (trainFused)", deadline, () => withKernelOptions({ trainFused: true }, () => checkGradients(dir)));
  await guarded(record, "five steps (device moments)", deadline, () => checkFiveSteps(dir, "device"));
  await guarded(record, "five steps (src/train AdamW)", deadline, () => checkFiveSteps(dir, "project"));
  await guarded(record, "AdamW kernel", deadline, () => checkAdamWKernel());
  await guarded(record, "sum-of-squares kernel", deadline, () => checkSumOfSquaresKernel());
  await guarded(record, "LayerNorm kernel", deadline, () => checkLayerNormKernel());
  await guarded(record, "GELU kernels", deadline, () => checkGeluKernel());
  await guarded(record, "dropout mask kernel", deadline, () => checkDropoutKernel());
  await guarded(record, "attention kernel", deadline, () => checkAttentionKernel());
  await guarded(record, "linear + GELU", deadline, () => checkLinearGelu());
  await guarded(record, "tiled matMul kernel", deadline, () => checkMatMulKernel());
}

type OptimizerForm = "device" | "project" | "composed";

function bertConfig(): BertConfigJson {
  const base = JSON.parse(fs.readFileSync(path.join("assets", "bert-base-uncased", "config.json"), "utf8")) as BertConfigJson;
  if (ARGS.bertConfig === "base") return base;
  if (ARGS.bertConfig === "small") return { ...base, ...PRESETS.quick.modelShape };
  throw new Error(`--bert-config must be base or small, got ${ARGS.bertConfig}`);
}

async function partBert(deadline: number, record: Record<string, unknown>): Promise<void> {
  const evalSet = loadLabeled(ARGS.data, "eval2000", ARGS.evalRows);
  const B = ARGS.bertBatch;
  const S = ARGS.bertSeq;
  let t0 = performance.now();
  const model = BertForSequenceClassification.fromConfig(bertConfig(), { numLabels: 2, seed: 42 });
  record.model = { config: ARGS.bertConfig, parameters: model.numParameters(), initSeconds: round((performance.now() - t0) / 1000, 2) };
  log(`model: ${ARGS.bertConfig}, ${model.numParameters().toLocaleString("en-US")} parameters (random init in ${(record.model as { initSeconds: number }).initSeconds} s); batch ${B} × ${S}`);
  const runs: Record<string, unknown>[] = [];
  record.train = runs;
  let cursor = 0;
  const issueOnce = (stepper: TrainStepper) => {
    const batch = batchOf(evalSet, cursor, B, S);
    cursor += B;
    try {
      return stepper.issue([batch], [cursor]);
    } finally {
      tf.dispose(Object.values(batch));
    }
  };
  const stepOnce = (stepper: TrainStepper) => TrainStepper.readResults([issueOnce(stepper)])[0];
  try {
    for (const form of ARGS.bertOptimizers as OptimizerForm[]) {
      if (!["device", "project", "composed"].includes(form)) throw new Error(`--bert-optimizers: unknown form ${form} (device, project, composed)`);
      if (performance.now() > deadline) {
        runs.push({ optimizer: form, skipped: "time budget used up" });
        continue;
      }
      const run: Record<string, unknown> = { optimizer: form };
      runs.push(run);
      const params = model.namedParameters();
      const opts = { lr: 2e-5, weightDecay: 0.01 };
      const opt = form === "device" ? new DeviceMomentsAdamW(params, opts) : new AdamW(params, opts);
      const stepper = new TrainStepper(model, opt as unknown as AdamW, linearScheduleWithWarmup(2e-5, 0, 10_000), computeLoss, 1.0);
      const exec = <T>(fn: () => T): T => (form === "composed" ? withoutWebGPUKernels([ADAMW_KERNEL], fn) : fn());
      try {
        t0 = performance.now();
        const warm: number[] = [];
        for (let i = 0; i < ARGS.bertWarmup; i++) {
          const s0 = performance.now();
          exec(() => stepOnce(stepper));
          warm.push(round((performance.now() - s0) / 1000));
        }
        run.warmupSeconds = warm;
        resetWebGPUStats();
        const times: number[] = [];
        let fb = 0;
        let optS = 0;
        let last = { loss: NaN, gradNorm: NaN };
        // As the Trainer runs: steps issued back to back, their figures read every figureReadInterval() steps
        // (8 on webgpu) and at the end, so the total includes waiting for the GPU to finish.
        const readEvery = ARGS.readEvery || figureReadInterval();
        let pending: PendingStep[] = [];
        const readPending = () => {
          for (const r of TrainStepper.readResults(pending)) {
            fb += r.forwardBackwardSeconds;
            optS += r.optimizerSeconds;
            last = { loss: r.loss, gradNorm: r.gradNorm };
          }
          pending = [];
        };
        const mStart = performance.now();
        try {
          for (let i = 0; i < ARGS.bertSteps && performance.now() < deadline; i++) {
            const s0 = performance.now();
            pending.push(exec(() => issueOnce(stepper)));
            if (pending.length >= readEvery) exec(readPending);
            times.push((performance.now() - s0) / 1000);
            Object.assign(run, { memory: sampleMemory() });
          }
          exec(readPending);
        } finally {
          TrainStepper.discard(pending);
        }
        const total = (performance.now() - mStart) / 1000;
        const n = times.length;
        const st = webgpuStats();
        Object.assign(run, {
          steps: n,
          samplesPerSecond: n ? round((n * B) / total, 2) : null,
          secondsPerStep: n ? round(total / n) : null,
          stepSeconds: times.map((x) => round(x)),
          figuresReadEvery: readEvery,
          forwardBackwardSecondsPerStep: n ? round(fb / n) : null,
          optimizerSecondsPerStep: n ? round(optS / n) : null,
          perStep: n ? { dispatches: Math.round(st.dispatches / n), submits: Math.round(st.submits / n), syncReads: Math.round(st.syncReads / n), syncReadMs: round(st.syncReadMs / n, 1) } : null,
          lastLoss: last.loss,
          lastGradNorm: last.gradNorm,
        });
        log(
          `train [${form}]: ${run.samplesPerSecond} samples/s (${run.secondsPerStep} s/step over ${n} steps; fwd+bwd ${run.forwardBackwardSecondsPerStep} s, ` +
            `optimizer ${run.optimizerSecondsPerStep} s; warm-up ${warm.join(", ")} s); per step ${JSON.stringify(run.perStep)}; memory ${JSON.stringify(run.memory)}`,
        );
      } catch (err) {
        run.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
        record.failed = true;
        log(`train [${form}] FAILED: ${run.error}`);
      } finally {
        opt.dispose();
        save();
      }
    }

    // Dispatches per queue submit: tfjs reads its flag at every dispatch, so the option can change between steps.
    const sweep: Record<string, unknown>[] = [];
    record.submitSweep = sweep;
    if (ARGS.submitSweep.length && ARGS.sweepSteps > 0) {
      const opt = new DeviceMomentsAdamW(model.namedParameters(), { lr: 2e-5, weightDecay: 0.01 });
      const stepper = new TrainStepper(model, opt as unknown as AdamW, linearScheduleWithWarmup(2e-5, 0, 10_000), computeLoss, 1.0);
      const saved = webgpuKernelOptions().submitBatch;
      try {
        stepOnce(stepper); // moments allocated, pipelines compiled
        for (const size of ARGS.submitSweep) {
          if (performance.now() > deadline) break;
          configureWebGPUKernels({ submitBatch: size });
          const s0 = performance.now();
          let n = 0;
          for (; n < ARGS.sweepSteps && performance.now() < deadline; n++) stepOnce(stepper);
          const sec = (performance.now() - s0) / 1000;
          sweep.push({ submitBatchSize: size, steps: n, secondsPerStep: round(sec / n), samplesPerSecond: round((n * B) / sec, 2) });
          log(`submit batch ${size}: ${round(sec / n)} s/step (${n} steps)`);
        }
      } catch (err) {
        record.failed = true;
        sweep.push({ error: err instanceof Error ? err.message : String(err) });
      } finally {
        configureWebGPUKernels({ submitBatch: saved });
        opt.dispose();
        save();
      }
    }

    // LayerNorm forward + backward at the model's activation size, composed (src/models/ops) against fused.
    if (performance.now() < deadline && tf.getKernel(LAYER_NORM_KERNEL, "webgpu")) {
      const h = model.config.hiddenSize;
      const x = tf.randomNormal([B * S, h], 0, 1, "float32", 1);
      const g = tf.ones([h]);
      const b = tf.zeros([h]);
      const w = tf.randomNormal([B * S, h], 0, 1, "float32", 2);
      const micro: Record<string, unknown> = { shape: [B * S, h] };
      try {
        // src/models/ops's layerNorm runs the webgpu kernels, or their composed implementations swapped in.
        for (const name of ["composed", "fused"] as const) {
          const f = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(layerNorm(xi, gi, bi, 1e-12), w)) as tf.Scalar;
          const once = () => tf.tidy(() => tf.addN(tf.grads(f)([x, g, b]).map((t) => tf.sum(t))).dataSync()[0]);
          const timed = () => {
            once();
            resetWebGPUStats();
            const iters = 10;
            const s0 = performance.now();
            for (let i = 0; i < iters; i++) once();
            const st = webgpuStats();
            return { msPerForwardBackward: round((performance.now() - s0) / iters, 2), dispatches: Math.round(st.dispatches / iters) };
          };
          micro[name] = name === "composed" ? withoutWebGPUKernels([LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL], timed) : timed();
        }
        log(`LayerNorm forward+backward ${JSON.stringify(micro)}`);
      } finally {
        tf.dispose([x, g, b, w]);
      }
      record.layerNorm = micro;
    }

    // Evaluation throughput: the project's prediction loop (eval mode, per-batch loss, logits read back), on as
    // many of the 2,000 reviews as the remaining budget allows (estimated from one timed batch).
    if (deadline - performance.now() > 15_000) {
      const one = loadLabeled(ARGS.data, "eval2000", ARGS.evalBatch);
      await predictionLoop(model, one, computeLoss, { batchSize: ARGS.evalBatch, progress: false });
      const timed = await predictionLoop(model, one, computeLoss, { batchSize: ARGS.evalBatch, progress: false });
      const perRow = timed.runtimeSeconds / timed.numSamples;
      const affordable = Math.floor((0.8 * (deadline - performance.now())) / 1000 / perRow / ARGS.evalBatch) * ARGS.evalBatch;
      const rows = Math.min(evalSet.rows, affordable);
      // No time for more than the timed batch: report that one.
      const r = rows <= timed.numSamples ? timed : await predictionLoop(model, rows < evalSet.rows ? loadLabeled(ARGS.data, "eval2000", rows) : evalSet, computeLoss, { batchSize: ARGS.evalBatch, progress: false });
      record.eval = { rows: r.numSamples, batchSize: ARGS.evalBatch, seconds: round(r.runtimeSeconds, 2), samplesPerSecond: round(r.numSamples / r.runtimeSeconds, 1), loss: r.loss, memory: sampleMemory() };
      log(`eval: ${JSON.stringify(record.eval)}`);
    } else record.eval = { skipped: "time budget used up" };
    // Where the GPU time goes: tf.profile times every kernel with timestamp queries (each program in its own
    // pass, so wall time under profiling means nothing; the GPU times do), summed by kernel name.
    if (ARGS.profile && deadline - performance.now() > 20_000) {
      try {
        const batch = batchOf(evalSet, 0, B, S);
        const opt = new AdamW(model.namedParameters(), { lr: 2e-5, weightDecay: 0.01 });
        const stepper = new TrainStepper(model, opt, linearScheduleWithWarmup(2e-5, 0, 10_000), computeLoss, 1.0);
        try {
          stepper.step([batch], [1]);
          record.profileTrainStep = await profileKernels(() => stepper.step([batch], [2]));
          log(`profile, one train step: ${JSON.stringify(record.profileTrainStep)}`);
          save();
          const evalOnce = () => tf.tidy(() => model.forward(batch).logits.dataSync());
          record.profileEvalBatch = await profileKernels(evalOnce);
          log(`profile, one eval batch: ${JSON.stringify(record.profileEvalBatch)}`);
        } finally {
          opt.dispose();
          tf.dispose(Object.values(batch));
        }
      } catch (err) {
        record.profileError = err instanceof Error ? err.message : String(err);
        log(`profile FAILED: ${record.profileError}`);
      }
      save();
    }

    // The tiled matMul kernel against tfjs's own matMul programs, alternating, in the same process.
    if (ARGS.compareTiled && deadline - performance.now() > 20_000) {
      const ab: Record<string, unknown> = {};
      record.tiledVsTfjs = ab;
      const batch = batchOf(evalSet, 0, B, S);
      const opt = new AdamW(model.namedParameters(), { lr: 2e-5, weightDecay: 0.01 });
      const stepper = new TrainStepper(model, opt, linearScheduleWithWarmup(2e-5, 0, 10_000), computeLoss, 1.0);
      try {
        const evalOnce = () => tf.tidy(() => model.forward(batch).logits.dataSync());
        const trainOnce = () => stepper.step([batch], [7]);
        const timeIt = (fn: () => unknown, iters: number) => {
          fn();
          const s0 = performance.now();
          for (let i = 0; i < iters; i++) fn();
          return round((performance.now() - s0) / iters, 2);
        };
        for (let round2 = 0; round2 < 2; round2++) {
          for (const which of ["scalar", "vec4", "tfjs"] as const) {
            const run = () => ({ evalMs: timeIt(evalOnce, 10), trainStepMs: timeIt(trainOnce, 5) });
            const r = withKernelOptions({ matMulVariant: which === "scalar" ? "scalar" : "vec4" }, () => (which === "tfjs" ? withoutWebGPUKernels([MATMUL_KERNEL], run) : run()));
            ab[`${which}#${round2 + 1}`] = r;
            log(`matMul ${which} (round ${round2 + 1}): eval ${r.evalMs} ms/batch, train ${r.trainStepMs} ms/step`);
          }
        }
      } catch (err) {
        ab.error = err instanceof Error ? err.message : String(err);
        log(`tiled vs tfjs FAILED: ${ab.error}`);
      } finally {
        opt.dispose();
        tf.dispose(Object.values(batch));
      }
      save();
    }

    // How attention and dropout train: the composed forms (the default) against the trainFused option
    // (attention in three dispatches, dropout applied inside the kernels) and against that flag with the
    // attention gradient composed (dropout alone fused), alternating in the same process; steps issued 8 at a
    // time and read together, as the Trainer does.
    if (ARGS.compareAttention && deadline - performance.now() > 20_000) {
      const ab: Record<string, unknown> = {};
      record.attentionForms = ab;
      const batch = batchOf(evalSet, 0, B, S);
      const opt = new AdamW(model.namedParameters(), { lr: 2e-5, weightDecay: 0.01 });
      const stepper = new TrainStepper(model, opt, linearScheduleWithWarmup(2e-5, 0, 10_000), computeLoss, 1.0);
      const group = () => TrainStepper.readResults(Array.from({ length: 8 }, (_, i) => stepper.issue([batch], [7 + i])));
      const forms: Array<[string, boolean, string[]]> = [
        ["composed attention and dropout (default)", false, []],
        ["fused attention and dropout", true, []],
        ["fused dropout, composed attention", true, [ATTENTION_GRAD_KERNEL]],
      ];
      try {
        for (let r = 0; r < 3 && deadline - performance.now() > 10_000; r++) {
          for (const [label, fusedFlag, without] of forms) {
            const ms = withKernelOptions({ trainFused: fusedFlag }, () =>
              withoutWebGPUKernels(without, () => {
                resetWebGPUStats();
                group(); // warm-up (compiles the pipelines of this form on first use)
                const warmStats = webgpuStats();
                const s0 = performance.now();
                group();
                return { trainStepMs: round((performance.now() - s0) / 8, 2), dispatchesPerStep: Math.round(warmStats.dispatches / 8) };
              }),
            );
            ab[`${label}#${r + 1}`] = ms;
            log(`training with ${label} (round ${r + 1}): ${ms.trainStepMs} ms/step, ${ms.dispatchesPerStep} dispatches/step`);
          }
        }
      } catch (err) {
        ab.error = err instanceof Error ? err.message : String(err);
        log(`attention forms FAILED: ${ab.error}`);
      } finally {
        opt.dispose();
        tf.dispose(Object.values(batch));
      }
      save();
    }

    // Eval forward time per matmul program type (tfjs picks one per product shape when the flag is -1).
    if (ARGS.matmulSweep.length && deadline - performance.now() > 15_000) {
      const sweep: Record<string, unknown>[] = [];
      record.matmulSweep = sweep;
      const batch = batchOf(evalSet, 0, B, S);
      const saved = tf.env().getNumber("WEBGPU_MATMUL_PROGRAM_TYPE");
      try {
        for (const type of ARGS.matmulSweep) {
          if (performance.now() > deadline - 10_000) break;
          tf.env().set("WEBGPU_MATMUL_PROGRAM_TYPE", type);
          const once = () => tf.tidy(() => model.forward(batch).logits.dataSync());
          once();
          const iters = 8;
          const s0 = performance.now();
          for (let i = 0; i < iters; i++) once();
          const ms = (performance.now() - s0) / iters;
          sweep.push({ matmulProgramType: type, msPerEvalBatch: round(ms, 2), samplesPerSecond: round((1000 * B) / ms, 1) });
          log(`matmul program type ${type}: ${round(ms, 2)} ms per eval batch of ${B}`);
        }
      } catch (err) {
        sweep.push({ error: err instanceof Error ? err.message : String(err) });
      } finally {
        tf.env().set("WEBGPU_MATMUL_PROGRAM_TYPE", saved);
        tf.dispose(Object.values(batch));
      }
      save();
    }
    record.peakGpuMiB = { inUse: mib(gpuPeak.inUse), allocated: mib(gpuPeak.allocated) };
    record.peakRssMiB = mib(process.resourceUsage().maxRSS * 1024);
  } finally {
    model.dispose();
  }
}

/** GPU milliseconds per kernel name of one call of fn (timestamp queries), largest first, with the total. */
async function profileKernels(fn: () => unknown): Promise<Record<string, unknown>> {
  const s0 = performance.now();
  const info = await tf.profile(() => {
    fn();
  });
  const byName = new Map<string, { count: number; ms: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const raw = (k as unknown as { kernelTimeMs: number | { error: string } | Promise<number> }).kernelTimeMs;
    const ms = typeof raw === "number" ? raw : typeof (raw as Promise<number>)?.then === "function" ? await (raw as Promise<number>) : 0;
    const e = byName.get(k.name) ?? { count: 0, ms: 0 };
    e.count++;
    e.ms += ms;
    total += ms;
    byName.set(k.name, e);
  }
  const top = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20).map(([name, e]) => ({ name, count: e.count, ms: round(e.ms, 2) }));
  return { kernels: info.kernels.length, gpuMsTotal: round(total, 2), wallMsUnderProfiling: round(performance.now() - s0, 0), top };
}

/**
 * The linear layers' products of bert-base at 2,048 tokens, in the three forms training runs (forward x·Wᵀ + b,
 * input gradient dy·W, weight gradient dyᵀ·x), through tfjs's matMul and the project's programs per variant, tile
 * size and K step: GPU time from timestamp queries (tf.profile), as TFLOP/s. Wall-clock loops timed buffer
 * allocation and pipeline compilation as much as the products, so only the GPU's own time is used here.
 */
async function partMatmul(deadline: number, record: Record<string, unknown>): Promise<void> {
  const M = ARGS.bertBatch * ARGS.bertSeq;
  const shapes: Array<[string, number, number]> = [["qkv", 2304, 768], ["attn out", 768, 768], ["intermediate", 3072, 768], ["output", 768, 3072]];
  const variants: Array<{ name: string; tile?: 64 | 128; bk?: 16 | 32; vec4?: boolean }> = [
    { name: "tfjs" },
    { name: "scalar auto k8" },
    { name: "vec4 auto k8", vec4: true },
    { name: "vec4 64 k8", tile: 64, vec4: true },
    { name: "vec4 128 k8", tile: 128, vec4: true },
    { name: "vec4 auto k16", bk: 16, vec4: true },
    { name: "vec4 auto k32", bk: 32, vec4: true },
  ];
  const saved: Partial<WebGPUKernelOptions> = webgpuKernelOptions();
  const rows: Record<string, unknown>[] = [];
  record.products = rows;
  const iters = 5;
  for (const [label, n, k] of shapes) {
    const x = tf.randomNormal([M, k], 0, 1, "float32", 1);
    const w = tf.randomNormal([n, k], 0, 0.02, "float32", 2);
    const dy = tf.randomNormal([M, n], 0, 1, "float32", 3);
    const b = tf.zeros([n]);
    // [name, product, its tfjs form]: x·Wᵀ + b → [M, n]; dy·W → [M, k]; dyᵀ·x → [n, k].
    const forms: Array<[string, () => tf.Tensor | null, () => tf.Tensor]> = [
      ["forward", () => matMulTiled(x, w, false, true, b), () => tf.fused.matMul({ a: x, b: w, transposeB: true, bias: b })],
      ["dx", () => matMulTiled(dy, w), () => tf.matMul(dy, w)],
      ["dW", () => matMulTiled(dy, x, true, false), () => tf.matMul(dy, x, true, false)],
    ];
    try {
      for (const [form, ours, theirs] of forms) {
        const row: Record<string, unknown> = { product: label, form, m: M, n, k };
        const flop = 2 * M * n * k;
        for (const v of variants) {
          if (performance.now() > deadline) break;
          configureWebGPUKernels({ matMulTile: v.tile ?? "auto", matMulBk: v.bk ?? 8, matMulVariant: v.vec4 ? "vec4" : "scalar" });
          const once = () => {
            const out = v.name === "tfjs" ? theirs() : ours();
            if (!out) throw new Error(`the ${v.name} program did not take ${label} ${form}`);
            return out;
          };
          try {
            tf.tidy(() => once().dataSync()); // compiles the pipeline
            // Keep the GPU busy for a moment first: after the seconds a compilation takes it has dropped to idle
            // clocks, and a few products alone do not bring it back up (the H200's first sweep, timed right after
            // compiling, gave 2–5 TFLOP/s for products that ran at ≈ 15 inside a training step).
            const busyUntil = performance.now() + 400;
            while (performance.now() < busyUntil) {
              for (let i = 0; i < 16; i++) once().dispose();
              tf.tidy(() => once().dataSync());
            }
            const prof = await profileKernels(() => {
              for (let i = 0; i < iters; i++) once().dispose();
            });
            const ms = (prof.gpuMsTotal as number) / iters;
            row[v.name] = ms > 0 ? Number((flop / (ms * 1e9)).toPrecision(3)) : null; // TFLOP/s
          } catch (err) {
            row[v.name] = `error: ${(err as Error).message}`;
          }
        }
        rows.push(row);
        log(`matmul ${label} ${form} (M ${M}, N ${n}, K ${k}) TFLOP/s on the GPU: ${JSON.stringify(row)}`);
        save();
      }
    } finally {
      tf.dispose([x, w, dy, b]);
      configureWebGPUKernels({ matMulTile: saved.matMulTile, matMulBk: saved.matMulBk, matMulVariant: saved.matMulVariant });
    }
  }
}

async function partQuick(deadline: number, record: Record<string, unknown>): Promise<void> {
  const dir = path.join(ARGS.data, "quick");
  const preset = JSON.parse(fs.readFileSync(path.join(dir, "preset.json"), "utf8")) as typeof PRESETS.quick;
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "bert-imdb-quick-gpu-"));
  const cfg = { ...preset, perDeviceTrainBatchSize: 16, perDeviceEvalBatchSize: 16, weightDecay: 0.01, warmupSteps: 0, smallModel: preset.modelShape };
  const evalRows = ARGS.quickEvalRows;
  const train = loadLabeled(dir, "train");
  const validation = loadLabeled(dir, "validation", evalRows);
  const test = loadLabeled(dir, "test", evalRows);
  record.rows = { train: train.rows, validation: validation.rows, test: test.rows };
  resetWebGPUStats();
  const t0 = performance.now();
  // notebook 05's random-weights form of the quick model (the device has no network)
  const model = BertForSequenceClassification.fromConfig(await AutoConfig.fromPretrained("bert-base-uncased", { ...preset.modelShape, num_labels: 2, offline: true }));
  record.model = { parameters: model.numParameters(), smallModel: cfg.smallModel };
  const epochs = ARGS.quickEpochs ? Number(ARGS.quickEpochs) : cfg.numTrainEpochs;
  const args = {
    outputDir: path.join(runDir, "07-train"),
    learningRate: cfg.learningRate,
    perDeviceTrainBatchSize: cfg.perDeviceTrainBatchSize,
    perDeviceEvalBatchSize: cfg.perDeviceEvalBatchSize,
    numTrainEpochs: epochs,
    weightDecay: cfg.weightDecay,
    warmupSteps: cfg.warmupSteps,
    loggingSteps: cfg.loggingSteps,
    seed: cfg.seed,
    evalStrategy: "epoch" as const,
    saveStrategy: "epoch" as const,
    saveTotalLimit: 1,
    disableTqdm: true,
    ...(ARGS.quickMaxSteps > 0 ? { maxSteps: ARGS.quickMaxSteps } : {}),
  };
  record.trainingArguments = args;
  let stopRequested = false;
  const trainer = new Trainer({
    model,
    args,
    trainDataset: train,
    evalDataset: validation,
    computeMetrics: computeMetrics as unknown as (p: unknown) => Record<string, number>,
    callbacks: [
      {
        onStepEnd: () => {
          // Over budget: stop as an interrupt does (after this step, with a checkpoint), keeping the metrics.
          if (!stopRequested && performance.now() > deadline - 30_000) {
            stopRequested = true;
            process.emit("SIGINT");
          }
        },
      },
    ],
  });
  const run = async () => {
    const out = await trainer.train();
    const trainSeconds = (performance.now() - t0) / 1000;
    const testMetrics = await trainer.evaluate(test, "test");
    return { out, trainSeconds, testMetrics };
  };
  try {
    const { out, trainSeconds, testMetrics } = ARGS.quickAdamw === "composed" ? await withoutWebGPUKernels([ADAMW_KERNEL], run) : await run();
    const evals = trainer.state.logHistory.filter((e) => typeof e.eval_loss === "number");
    Object.assign(record, {
      adamw: ARGS.quickAdamw,
      globalStep: out.globalStep,
      interrupted: out.interrupted,
      trainMetrics: out.metrics,
      evalPerEpoch: evals,
      testMetrics,
      stagesSeconds: round(trainSeconds, 1),
      memory: sampleMemory(),
      webgpuCounters: webgpuStats(),
    });
    log(`quick: ${out.globalStep} steps${out.interrupted ? " (stopped at the time budget)" : ""}; train ${JSON.stringify(out.metrics)}`);
    for (const e of evals) log(`  epoch ${e.epoch}: ${JSON.stringify(e)}`);
    log(`  test: ${JSON.stringify(testMetrics)}`);
  } finally {
    trainer.dispose();
    model.dispose();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.env.BERT_IMDB_ROOT ??= process.cwd();
  // The kernels' options from the flags; a stuck GPU read fails the part instead of eating the whole device call.
  results.kernelOptions = applyKernelFlags(process.argv, { readTimeoutS: 120 });
  if (!fs.existsSync(path.join(process.cwd(), "assets", "bert-base-uncased", "config.json"))) {
    throw new Error(`run this from the project root (no assets/bert-base-uncased/config.json in ${process.cwd()})`);
  }
  log(`bert-imdb-ts GPU device run: ${JSON.stringify(ARGS)}; ${results.kernelOptions}`);
  const t0 = performance.now();
  await part("init", 120, partInit);
  if (tf.getBackend() !== "webgpu") {
    log("WebGPU did not start: the other parts are skipped");
    results.finishedAt = new Date().toISOString();
    save();
    process.exitCode = 1;
    return;
  }
  await part("golden", ARGS.budget.golden, partGolden);
  await part("matmul", ARGS.budget.matmul, partMatmul);
  await part("bert", ARGS.budget.bert, partBert);
  await part("quick", ARGS.budget.quick, partQuick);
  results.totalSeconds = round((performance.now() - t0) / 1000, 1);
  results.peakGpuMiB = { inUse: mib(gpuPeak.inUse), allocated: mib(gpuPeak.allocated) };
  results.finishedAt = new Date().toISOString();
  save();
  const summary = Object.entries(results.parts).map(([k, v]) => `${k}: ${(v as { ok: boolean }).ok ? "ok" : "FAILED"}`);
  log(`\n==== summary: ${summary.join(", ")}; total ${results.totalSeconds} s${process.env.OUT ? `; results in ${path.join(process.env.OUT, "gpu-results.json")}` : ""}`);
  if (Object.values(results.parts).some((v) => !(v as { ok: boolean }).ok)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  results.fatal = err instanceof Error ? (err.stack ?? err.message) : String(err);
  save();
  process.exit(1);
});
