// The golden checks of the GPU work, shared by test/webgpu.test.ts and the device kit (bench/gpu/device.ts):
// tiny-bert's batch0 forward and gradients against transformers, five golden optimizer steps through the
// project's TrainStepper, and the WebGPU kernels against their JavaScript references. Each check returns
// its figures and whether they are within the GPU tolerance; the callers assert or print.
// Also DeviceMomentsAdamW: AdamW with HF's groups whose moments stay on the GPU (the fused webgpu kernel's
// tensor form) — what src/trainer's AdamW should do on webgpu; TrainStepper accepts it in place of AdamW.
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "../src/backends/tf";
import { adamwStepOnDevice, configureWebGPUKernels, matMulTiled, webgpuStats, type WebGPUKernelOptions } from "../src/backends/webgpu";
import { BertForSequenceClassification, computeLoss } from "../src/models";
import { DROPOUT_MASK_KERNEL, dropoutMaskValues } from "../src/models/dropout";
import { addLayerNorm, ATTENTION_GRAD_KERNEL, ATTENTION_KERNEL, attention, composedKernelConfigs, dropout, dropoutAddLayerNorm, dropoutMask, gelu, GELU_GRAD_KERNEL, GELU_KERNEL, LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNorm, linear, linearGelu } from "../src/models/ops";
import { FLOAT32_MIN } from "../src/models/bert";
import { LoadedTensor, readSafetensors } from "../src/safetensors";
import { AdamW } from "../src/trainer/adamw";
import { ADAMW_KERNEL, adamwUpdateArrays, AdamWStepAttrs, SUM_OF_SQUARES_KERNEL, SUM_OF_SQUARES_MANY_KERNEL, sumOfSquaresOfAll } from "../src/trainer/adamwKernels";
import { linearScheduleWithWarmup } from "../src/trainer/lrSchedule";
import { weightDecayParamGroups } from "../src/trainer/paramGroups";
import { TrainStepper } from "../src/trainer/trainStep";
import { goldenToTensor, GoldenTrain, maxAbs, maxAbsDiff, relMaxDiffs } from "./compare";
import { thenRestore } from "./env";

/** Tolerance of GPU results against the golden (max abs diff, or relative to a tensor's max |value|). */
export const GPU_TOL = 1e-4;

export interface CheckResult {
  name: string;
  pass: boolean;
  /** One line of figures. */
  detail: string;
  figures: Record<string, number>;
}

function exp(x: number): string {
  return x.toExponential(2);
}

class Golden {
  readonly tensors: Map<string, LoadedTensor>;
  constructor(readonly dir: string) {
    this.tensors = readSafetensors(path.join(dir, "golden.safetensors"));
  }
  get(k: string): LoadedTensor {
    const v = this.tensors.get(k);
    if (!v) throw new Error(`golden.safetensors has no ${k}`);
    return v;
  }
  tensor(k: string): tf.Tensor {
    return goldenToTensor(this.get(k));
  }
  json<T>(): T {
    return JSON.parse(fs.readFileSync(path.join(this.dir, "golden.json"), "utf8")) as T;
  }
}

const goldens = new Map<string, Golden>();
function golden(dir: string): Golden {
  let g = goldens.get(dir);
  if (!g) goldens.set(dir, (g = new Golden(dir)));
  return g;
}

/** batch0 logits and every hidden state of tiny-bert against transformers. `dir`: golden/tiny-bert. */
export async function checkForward(dir: string): Promise<CheckResult> {
  const G = golden(dir);
  const model = await BertForSequenceClassification.fromPretrained(path.join(dir, "model"), { quiet: true });
  try {
    const before = tf.memory().numTensors;
    const d = tf.tidy(() => {
      const out = model.forward({ inputIds: G.tensor("batch0.input_ids"), attentionMask: G.tensor("batch0.attention_mask") }, { outputHiddenStates: true });
      return {
        logits: maxAbsDiff(out.logits.dataSync(), G.get("batch0.logits").data),
        hidden: (out.hiddenStates ?? []).map((h, i) => maxAbsDiff(h.dataSync(), G.get(`batch0.hidden_states.${i}`).data)),
      };
    });
    const leaked = tf.memory().numTensors - before;
    const worst = Math.max(d.logits, ...d.hidden);
    return {
      name: "forward batch0 (logits, hidden states)",
      pass: worst <= GPU_TOL && d.hidden.length === 3 && leaked === 0,
      detail: `max abs diff: logits ${exp(d.logits)}, hidden states ${d.hidden.map(exp).join(", ")}${leaked ? `; ${leaked} tensors leaked` : ""} (tolerance ${GPU_TOL})`,
      figures: { logits: d.logits, worstHidden: Math.max(...d.hidden), leaked },
    };
  } finally {
    model.dispose();
  }
}

/** Loss and every parameter gradient of batch0 against the golden (max abs diff / max |golden|). */
export async function checkGradients(dir: string): Promise<CheckResult> {
  const G = golden(dir);
  const goldenLoss = G.json<{ loss_batch0: number }>().loss_batch0;
  const model = await BertForSequenceClassification.fromPretrained(path.join(dir, "model"), { quiet: true });
  try {
    const named = model.namedParameters();
    const grads = new Map<string, Float32Array>();
    let loss = NaN;
    tf.tidy(() => {
      const labels = G.tensor("batch0.labels");
      const r = tf.variableGrads(
        () => computeLoss(model.forward({ inputIds: G.tensor("batch0.input_ids"), attentionMask: G.tensor("batch0.attention_mask") }).logits, labels),
        named.map(([, v]) => v),
      );
      for (const [name, v] of named) grads.set(name, r.grads[v.name].dataSync() as Float32Array);
      loss = r.value.dataSync()[0];
    });
    let worst = 0;
    let worstName = "";
    let missing = 0;
    for (const [name, ours] of grads) {
      const gold = G.tensors.get(`grad.${name}`);
      if (!gold) {
        missing++;
        continue;
      }
      const scale = maxAbs(gold.data);
      // The key biases' gradient is exactly 0 (softmax is shift-invariant): compare absolutely there.
      const rel = scale <= 1e-9 ? maxAbs(ours) : maxAbsDiff(ours, gold.data) / scale;
      if (rel > worst) {
        worst = rel;
        worstName = name;
      }
    }
    const dLoss = Math.abs(loss - goldenLoss);
    return {
      name: "loss and gradients of batch0",
      pass: dLoss <= GPU_TOL && worst <= GPU_TOL && missing === 0 && grads.size > 0,
      detail: `loss ${loss} (golden ${goldenLoss}, diff ${exp(dLoss)}); worst gradient max|diff|/max|golden| ${exp(worst)} (${worstName}) over ${grads.size} tensors (tolerance ${GPU_TOL})`,
      figures: { lossDiff: dLoss, worstGradRel: worst, tensors: grads.size },
    };
  } finally {
    model.dispose();
  }
}

/** What TrainStepper needs of an optimizer (AdamW's public step). */
interface StepOptimizer {
  step(grads: ReadonlyMap<string, tf.Tensor>, opts?: { lr?: number; gradScale?: number }): void;
  dispose(): void;
}

/**
 * AdamW (torch semantics, HF's two parameter groups) with its moments as GPU tensors, updated by the webgpu
 * fused kernel in its tensor form: one kernel call (three dispatches) per parameter, nothing copied to the host.
 */
export class DeviceMomentsAdamW implements StepOptimizer {
  stepCount = 0;
  private readonly slots: Array<{ name: string; variable: tf.Variable; weightDecay: number; m: tf.Tensor | null; v: tf.Tensor | null }>;

  constructor(params: ReadonlyArray<[string, tf.Variable]>, private readonly opts: { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }) {
    const decayOf = new Map<string, number>();
    for (const g of weightDecayParamGroups(params.map(([n]) => n), opts.weightDecay ?? 0)) for (const n of g.params) decayOf.set(n, g.weightDecay);
    this.slots = params.map(([name, variable]) => ({ name, variable, weightDecay: decayOf.get(name) ?? 0, m: null, v: null }));
  }

  step(grads: ReadonlyMap<string, tf.Tensor>, o: { lr?: number; gradScale?: number } = {}): void {
    this.stepCount += 1;
    for (const s of this.slots) {
      const g = grads.get(s.name);
      if (!g) continue;
      const attrs: AdamWStepAttrs = {
        lr: o.lr ?? this.opts.lr,
        beta1: this.opts.beta1 ?? 0.9,
        beta2: this.opts.beta2 ?? 0.999,
        eps: this.opts.eps ?? 1e-8,
        weightDecay: s.weightDecay,
        step: this.stepCount,
        gradScale: o.gradScale ?? 1,
      };
      const m = s.m ?? tf.zerosLike(s.variable);
      const v = s.v ?? tf.zerosLike(s.variable);
      const [p2, m2, v2] = adamwStepOnDevice(s.variable, g, m, v, attrs);
      s.variable.assign(p2);
      tf.dispose([p2, m, v]);
      s.m = tf.keep(m2);
      s.v = tf.keep(v2);
    }
  }

  dispose(): void {
    for (const s of this.slots) tf.dispose([s.m, s.v].filter((t): t is tf.Tensor => t !== null));
  }
}

export type OptimizerKind = "project" | "device";

/**
 * Five golden optimizer steps (HF's recipe) through TrainStepper from tiny-bert/model: losses, grad norms and
 * lrs against golden.json, every parameter against after.* (max|diff| / max|after|). `optimizer`: "project" =
 * src/trainer's AdamW as it is; "device" = DeviceMomentsAdamW.
 */
export async function checkFiveSteps(dir: string, optimizer: OptimizerKind): Promise<CheckResult> {
  const G = golden(dir);
  const gj = G.json<GoldenTrain>();
  const model = await BertForSequenceClassification.fromPretrained(path.join(dir, "model"), { quiet: true });
  const opts = { lr: gj.lr, weightDecay: gj.weight_decay, beta1: gj.optimizer_defaults.betas[0], beta2: gj.optimizer_defaults.betas[1], eps: gj.optimizer_defaults.eps };
  const opt: StepOptimizer = optimizer === "device" ? new DeviceMomentsAdamW(model.namedParameters(), opts) : new AdamW(model.namedParameters(), opts);
  try {
    const stepper = new TrainStepper(model, opt as unknown as AdamW, linearScheduleWithWarmup(gj.lr, 0, gj.n_steps), computeLoss, gj.max_grad_norm);
    let worstLoss = 0;
    let worstNorm = 0;
    let worstLr = 0;
    for (const s of gj.steps) {
      const ids = G.tensor(`step${s.step}.input_ids`);
      const batch = { inputIds: ids, attentionMask: G.tensor(`step${s.step}.attention_mask`), tokenTypeIds: tf.zerosLike(ids), labels: G.tensor(`step${s.step}.labels`) };
      const r = stepper.step([batch], [0]);
      tf.dispose(Object.values(batch));
      worstLoss = Math.max(worstLoss, Math.abs(r.loss - s.loss) / Math.abs(s.loss));
      worstNorm = Math.max(worstNorm, Math.abs(r.gradNorm - s.grad_norm_before_clip) / s.grad_norm_before_clip);
      worstLr = Math.max(worstLr, Math.abs(r.learningRate - s.lr));
    }
    let worst = 0;
    let worstName = "";
    for (const [name, v] of model.namedParameters()) {
      const after = G.get(`after.${name}`);
      const rel = maxAbsDiff(v.dataSync(), after.data) / maxAbs(after.data);
      if (rel > worst) {
        worst = rel;
        worstName = name;
      }
    }
    return {
      name: `five golden AdamW steps (${optimizer === "device" ? "moments on the GPU" : "src/trainer AdamW"})`,
      pass: worstLoss <= GPU_TOL && worstNorm <= GPU_TOL && worstLr <= 1e-12 && worst <= GPU_TOL,
      detail:
        `worst relative diffs: loss ${exp(worstLoss)}, grad norm ${exp(worstNorm)}, lr abs ${exp(worstLr)}; ` +
        `parameters after 5 steps max|diff|/max|after| ${exp(worst)} (${worstName}) (tolerance ${GPU_TOL})`,
      figures: { worstLoss, worstNorm, worstLr, worstParamRel: worst },
    };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (((s >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/**
 * The backend's ADAMW_KERNEL against adamwUpdateArrays (float64 arithmetic), in both calling forms, on sizes
 * with and without vec4 loads, with clipping scale and weight decay. Relative to each tensor's max |value|.
 */
export function checkAdamWKernel(): CheckResult {
  const attrs: AdamWStepAttrs = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 3, gradScale: 0.37 };
  let worst = 0;
  const cases: Array<[number[], string]> = [[[4, 8], "vec4"], [[3, 7], "scalar"], [[30522, 4], "large vec4"], [[2], "tiny"]];
  const rows: string[] = [];
  for (const form of ["device", "host"] as const) {
    for (const [shape, label] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const p = randomArray(n, 1 + n, 0.5);
      const g = randomArray(n, 2 + n, 0.1);
      const m = randomArray(n, 3 + n, 0.01);
      const v = randomArray(n, 4 + n, 1e-4).map(Math.abs);
      const [rp, rm, rv] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      adamwUpdateArrays(p, g, m, v, rp, rm, rv, attrs);
      let got: [Float32Array, Float32Array, Float32Array];
      const pt = tf.tensor(p, shape);
      const gt = tf.tensor(g, shape);
      if (form === "device") {
        const mt = tf.tensor(m, shape);
        const vt = tf.tensor(v, shape);
        const out = tf.engine().runKernel(ADAMW_KERNEL, { param: pt, grad: gt, expAvg: mt, expAvgSq: vt }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
        if (!Array.isArray(out) || out.length !== 3) throw new Error("the tensor form of the AdamW kernel must return [param, expAvg, expAvgSq]");
        out.forEach((t) => {
          if (t.shape.join() !== shape.join()) throw new Error(`AdamW kernel output shape [${t.shape}] ≠ [${shape}]`);
        });
        got = [out[0].dataSync() as Float32Array, out[1].dataSync() as Float32Array, out[2].dataSync() as Float32Array];
        tf.dispose([mt, vt, ...out]);
      } else {
        const hm = Float32Array.from(m);
        const hv = Float32Array.from(v);
        const out = tf.engine().runKernel(ADAMW_KERNEL, { param: pt, grad: gt }, { ...attrs, expAvg: hm, expAvgSq: hv } as unknown as tf.NamedAttrMap) as tf.Tensor;
        got = [out.dataSync() as Float32Array, hm, hv];
        out.dispose();
      }
      tf.dispose([pt, gt]);
      const d = [maxAbsDiff(got[0], rp) / maxAbs(rp), maxAbsDiff(got[1], rm) / maxAbs(rm), maxAbsDiff(got[2], rv) / maxAbs(rv)];
      worst = Math.max(worst, ...d);
      rows.push(`${form} ${label}: ${d.map(exp).join("/")}`);
    }
  }
  const tol = 1e-6;
  return {
    name: "AdamW kernel vs JavaScript reference",
    pass: worst <= tol,
    detail: `param/m/v max|diff|/max|ref|: ${rows.join("; ")} (tolerance ${tol})`,
    figures: { worst },
  };
}

/** The backend's SUM_OF_SQUARES_KERNEL against a float64 sum, one- and two-pass sizes, and the many-input form. */
export function checkSumOfSquaresKernel(): CheckResult {
  let worst = 0;
  const rows: string[] = [];
  for (const n of [1, 3, 4, 1001, 2048 * 9 + 4, 300_001, 1_000_000]) {
    const x = randomArray(n, 7 + n, 0.3);
    let ref = 0;
    for (let i = 0; i < n; i++) ref += x[i] * x[i];
    const t = tf.tensor1d(x);
    const out = tf.engine().runKernel(SUM_OF_SQUARES_KERNEL, { x: t }) as tf.Tensor;
    const got = out.dataSync()[0];
    if (out.rank !== 0) throw new Error(`sum of squares must be a scalar, got shape [${out.shape}]`);
    tf.dispose([t, out]);
    const rel = Math.abs(got - ref) / ref;
    worst = Math.max(worst, rel);
    rows.push(`${n}: ${exp(rel)}`);
  }
  // The many-input form the gradient norm uses: more tensors than one dispatch binds (so several chunks share
  // the partial-sums buffer), sizes with and without vec4 loads, one large enough for many workgroups.
  const sizes = Array.from({ length: 41 }, (_, i) => (i === 5 ? 1_000_003 : i === 17 ? 262_144 : 1 + ((i * 7919) % 3000)));
  const xs = sizes.map((n, i) => randomArray(n, 100 + i, 0.2));
  let ref = 0;
  for (const x of xs) for (let i = 0; i < x.length; i++) ref += x[i] * x[i];
  const ts = xs.map((x) => tf.tensor1d(x));
  if (!tf.getKernel(SUM_OF_SQUARES_MANY_KERNEL, tf.getBackend())) throw new Error(`no ${SUM_OF_SQUARES_MANY_KERNEL} kernel on ${tf.getBackend()}`);
  const out = sumOfSquaresOfAll(ts);
  const got = out.dataSync()[0];
  if (out.rank !== 0) throw new Error(`sum of squares of many must be a scalar, got shape [${out.shape}]`);
  tf.dispose([...ts, out]);
  const relMany = Math.abs(got - ref) / ref;
  worst = Math.max(worst, relMany);
  rows.push(`${sizes.length} tensors at once: ${exp(relMany)}`);
  const tol = 1e-5;
  return { name: "sum-of-squares kernel vs float64", pass: worst <= tol, detail: `relative error by size: ${rows.join(", ")} (tolerance ${tol})`, figures: { worst } };
}

/**
 * Runs `fn` without the given webgpu kernels: a kernel op's kernel is replaced by its composed implementation
 * (src/models/ops.ts, the one cpu runs), any other kernel is unregistered (a fused op then takes its composed
 * form, AdamW and the sums of squares their tf-op fallbacks). Put back afterwards.
 */
export function withoutWebGPUKernels<T>(names: string[], fn: () => T): T {
  const composed = new Map(composedKernelConfigs("webgpu").map((k) => [k.kernelName, k]));
  const saved = names.map((n) => tf.getKernel(n, "webgpu")).filter((k): k is tf.KernelConfig => k != null);
  for (const k of saved) tf.unregisterKernel(k.kernelName, "webgpu");
  const swapped = names.map((n) => composed.get(n)).filter((k): k is tf.KernelConfig => k != null);
  for (const k of swapped) tf.registerKernel(k);
  // An async fn keeps the kernels replaced until its promise settles.
  return thenRestore(fn, () => {
    for (const k of swapped) tf.unregisterKernel(k.kernelName, "webgpu");
    for (const k of saved) tf.registerKernel(k);
  });
}

/** Runs `fn` with some options of the WebGPU kernels set (configureWebGPUKernels), put back afterwards. */
export function withKernelOptions<T>(changes: Partial<WebGPUKernelOptions>, fn: () => T): T {
  const before = configureWebGPUKernels(changes);
  return thenRestore(fn, () => {
    configureWebGPUKernels(before);
  });
}

/** GPU dispatches `fn` issues (its result disposed). */
function dispatchesOf(fn: () => tf.Tensor): number {
  const before = webgpuStats().dispatches;
  fn().dispose();
  return webgpuStats().dispatches - before;
}

/**
 * The LayerNorm kernels (forward, and gradients of x, gamma and beta through tf.grads) against the same ops with
 * the kernels replaced by their composed implementations (src/models/ops.ts), on the same backend, for row
 * widths below, at and above the workgroup size; with a residual, and with dropout of x before it (trainFused).
 */
export function checkLayerNormKernel(): CheckResult {
  let worst = 0;
  const rows: string[] = [];
  for (const [n, h] of [[8, 32], [5, 50], [300, 768], [3, 1000]]) {
    const run = (fn: typeof layerNorm): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor2d(randomArray(n * h, 11 + n, 2), [n, h]);
        const g = tf.tensor1d(randomArray(h, 12 + h, 1));
        const b = tf.tensor1d(randomArray(h, 13 + h, 0.5));
        const w = tf.tensor2d(randomArray(n * h, 14 + n, 1), [n, h]);
        const f = (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(fn(xi, gi, bi, 1e-12), w)) as tf.Scalar;
        return [fn(x, g, b, 1e-12).dataSync() as Float32Array, ...tf.grads(f)([x, g, b]).map((t) => t.dataSync() as Float32Array)];
      });
    const forward = tf.tidy(() => {
      const [x, g, b] = [tf.tensor2d(randomArray(n * h, 11 + n, 2), [n, h]), tf.tensor1d(randomArray(h, 12 + h, 1)), tf.tensor1d(randomArray(h, 13 + h, 0.5))];
      return dispatchesOf(() => layerNorm(x, g, b, 1e-12));
    });
    if (forward !== 1) throw new Error(`layerNorm [${n}, ${h}] took ${forward} dispatches on webgpu, not the kernel's 1`);
    const fused = run(layerNorm);
    const plain = withoutWebGPUKernels([LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL], () => run(layerNorm));
    const d = relMaxDiffs(fused, plain);
    worst = Math.max(worst, ...d);
    rows.push(`[${n}, ${h}]: y ${exp(d[0])}, dx ${exp(d[1])}, dgamma ${exp(d[2])}, dbeta ${exp(d[3])}`);
  }
  // LayerNorm(x + residual) in one pass, against add-then-LayerNorm composed: forward and all four gradients.
  for (const [n, h] of [[5, 50], [300, 768]]) {
    const run = (fused: boolean): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor2d(randomArray(n * h, 31 + n, 2), [n, h]);
        const r = tf.tensor2d(randomArray(n * h, 32 + n, 1), [n, h]);
        const g = tf.tensor1d(randomArray(h, 33 + h, 1));
        const b = tf.tensor1d(randomArray(h, 34 + h, 0.5));
        const w = tf.tensor2d(randomArray(n * h, 35 + n, 1), [n, h]);
        const fn = (xi: tf.Tensor, ri: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor): tf.Tensor => {
          if (!fused) return layerNorm(tf.add(xi, ri), gi, bi, 1e-12);
          return addLayerNorm(xi, ri, gi, bi, 1e-12);
        };
        const f = (xi: tf.Tensor, ri: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(fn(xi, ri, gi, bi), w)) as tf.Scalar;
        return [fn(x, r, g, b).dataSync() as Float32Array, ...tf.grads(f)([x, r, g, b]).map((t) => t.dataSync() as Float32Array)];
      });
    const fused = run(true);
    const plain = withoutWebGPUKernels([LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL], () => run(false));
    const d = relMaxDiffs(fused, plain);
    worst = Math.max(worst, ...d);
    rows.push(`x + residual [${n}, ${h}]: y ${exp(d[0])}, dx ${exp(d[1])}, dresidual ${exp(d[2])}, dgamma ${exp(d[3])}, dbeta ${exp(d[4])}`);
  }
  // LayerNorm(dropout(x) + residual) with the mask computed in the kernel, against mask × x, add, LayerNorm
  // composed (the mask from the same seed): forward and all four gradients.
  for (const [n, h, rate, seed] of [[5, 50, 0.5, 9], [300, 768, 0.1, 0xfeedbeef]]) {
    const run = (fused: boolean): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor2d(randomArray(n * h, 41 + n, 2), [n, h]);
        const r = tf.tensor2d(randomArray(n * h, 42 + n, 1), [n, h]);
        const g = tf.tensor1d(randomArray(h, 43 + h, 1));
        const b = tf.tensor1d(randomArray(h, 44 + h, 0.5));
        const w = tf.tensor2d(randomArray(n * h, 45 + n, 1), [n, h]);
        const fn = (xi: tf.Tensor, ri: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor): tf.Tensor => {
          if (!fused) return layerNorm(tf.add(tf.mul(xi, dropoutMask([n, h], rate, seed)), ri), gi, bi, 1e-12);
          return dropoutAddLayerNorm(xi, ri, gi, bi, 1e-12, { rate, seed });
        };
        const f = (xi: tf.Tensor, ri: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(fn(xi, ri, gi, bi), w)) as tf.Scalar;
        return [fn(x, r, g, b).dataSync() as Float32Array, ...tf.grads(f)([x, r, g, b]).map((t) => t.dataSync() as Float32Array)];
      });
    // With trainFused the model's entry point is the fused kernel: one dispatch forward.
    const fused = withKernelOptions({ trainFused: true }, () => {
      const forward = tf.tidy(() => {
        const [x, r, g, b] = [tf.tensor2d(randomArray(n * h, 41 + n, 2), [n, h]), tf.tensor2d(randomArray(n * h, 42 + n, 1), [n, h]), tf.tensor1d(randomArray(h, 43 + h, 1)), tf.tensor1d(randomArray(h, 44 + h, 0.5))];
        return dispatchesOf(() => dropoutAddLayerNorm(x, r, g, b, 1e-12, { rate, seed }));
      });
      if (forward !== 1) throw new Error(`dropoutAddLayerNorm with trainFused took ${forward} dispatches, not the fused kernel's 1`);
      return run(true);
    });
    const plain = withoutWebGPUKernels([LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL], () => run(false));
    const d = relMaxDiffs(fused, plain);
    worst = Math.max(worst, ...d);
    rows.push(`dropout(x) + residual [${n}, ${h}] rate ${rate}: y ${exp(d[0])}, dx ${exp(d[1])}, dresidual ${exp(d[2])}, dgamma ${exp(d[3])}, dbeta ${exp(d[4])}`);
  }
  // More rows than one dispatch takes: the kernel composes LayerNorm of tf ops instead.
  const big = tf.tidy(() => {
    const x = tf.tensor2d(randomArray(70_000 * 4, 21, 1), [70_000, 4]);
    const g = tf.ones([4]);
    const b = tf.zeros([4]);
    const viaModel = layerNorm(x, g, b, 1e-12).dataSync() as Float32Array;
    const plain = withoutWebGPUKernels([LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL], () => layerNorm(x, g, b, 1e-12).dataSync() as Float32Array);
    return maxAbsDiff(viaModel, plain);
  });
  worst = Math.max(worst, big);
  rows.push(`[70000, 4] (composed, beyond one dispatch): y ${exp(big)}`);
  const tol = 1e-5;
  return { name: "fused LayerNorm vs composed (forward, gradients)", pass: worst <= tol, detail: `max|diff|/max|composed|: ${rows.join("; ")} (tolerance ${tol})`, figures: { worst } };
}

/** The fused GELU kernels against the composed tfjs-op GELU (same erf formula): forward and gradient. */
export function checkGeluKernel(): CheckResult {
  let worst = 0;
  const rows: string[] = [];
  for (const shape of [[7, 5], [64, 3072], [3, 11]]) {
    const n = shape[0] * shape[1];
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const x = tf.tensor2d(randomArray(n, 21 + n, 4), shape as [number, number]);
        const w = tf.tensor2d(randomArray(n, 22 + n, 1), shape as [number, number]);
        const f = (xi: tf.Tensor) => tf.sum(tf.mul(gelu(xi), w)) as tf.Scalar;
        return [gelu(x).dataSync() as Float32Array, tf.grad(f)(x).dataSync() as Float32Array];
      });
    const forward = tf.tidy(() => {
      const x = tf.tensor2d(randomArray(n, 21 + n, 4), shape as [number, number]);
      return dispatchesOf(() => gelu(x));
    });
    if (forward !== 1) throw new Error(`gelu [${shape.join(", ")}] took ${forward} dispatches on webgpu, not the GELU kernel's 1`);
    const fused = run();
    const plain = withoutWebGPUKernels([GELU_KERNEL, GELU_GRAD_KERNEL], run);
    const d = relMaxDiffs(fused, plain);
    worst = Math.max(worst, ...d);
    rows.push(`[${shape.join(", ")}]: y ${exp(d[0])}, dx ${exp(d[1])}`);
  }
  const tol = 1e-6;
  return { name: "fused GELU vs composed (forward, gradient)", pass: worst <= tol, detail: `max|diff|/max|composed|: ${rows.join("; ")} (tolerance ${tol})`, figures: { worst } };
}

/**
 * GELU(x·Wᵀ + b) in one dispatch (linearGelu outside a gradient) against the linear layer followed by the GELU
 * kernel, through the scalar and the vec4 program; under a gradient tape it must not be used.
 */
export function checkLinearGelu(): CheckResult {
  let worst = 0;
  const rows: string[] = [];
  for (const [variant, matMulVariant] of [["scalar ", "scalar"], ["vec4 ", "vec4"]] as const) {
    withKernelOptions({ matMulVariant }, () => {
      for (const [m, k, n] of [[130, 68, 200], [256, 32, 3072], [2048, 64, 516]]) {
        const [fusedOut, plainOut] = tf.tidy(() => {
          const x = tf.tensor2d(randomArray(m * k, 51 + m, 1), [m, k]);
          const w = tf.tensor2d(randomArray(n * k, 52 + n, 0.5), [n, k]);
          const b = tf.tensor1d(randomArray(n, 53 + n, 1));
          if (dispatchesOf(() => linearGelu(x, w, b)) !== 1) throw new Error(`the fused linear + GELU did not run for [${m}, ${k}]·[${n}, ${k}]ᵀ`);
          return [linearGelu(x, w, b).dataSync() as Float32Array, gelu(linear(x, w, b)).dataSync() as Float32Array];
        });
        const d = maxAbsDiff(fusedOut, plainOut) / Math.max(maxAbs(plainOut), 1e-30);
        worst = Math.max(worst, d);
        rows.push(`${variant}[${m}, ${k}]·[${n}, ${k}]ᵀ: ${exp(d)}`);
      }
    });
  }
  let underTape: boolean | null = null;
  tf.tidy(() => {
    const [w, b] = [tf.tensor2d(randomArray(64 * 64, 54, 0.5), [64, 64]), tf.tensor1d(randomArray(64, 55, 1))];
    tf.grad((xi: tf.Tensor) => {
      // Under the tape: linear then gelu (two dispatches); the fused product would have no gradient.
      const before = webgpuStats().dispatches;
      const r = linearGelu(xi, w, b);
      underTape = webgpuStats().dispatches - before === 1;
      return tf.sum(r) as tf.Scalar;
    })(tf.ones([64, 64]));
  });
  const tol = 1e-6;
  return {
    name: "linear + GELU in one dispatch vs linear then GELU",
    pass: worst <= tol && underTape === false,
    detail: `max|diff|/max|composed|: ${rows.join("; ")} (tolerance ${tol}); under a gradient tape: ${underTape ? "used (wrong)" : "not used"}`,
    figures: { worst },
  };
}

/** Dropout masks built by the GPU kernel are bit-identical to the JavaScript ones (src/models/dropout.ts). */
export function checkDropoutKernel(): CheckResult {
  const rows: string[] = [];
  let mismatches = 0;
  for (const [shape, rate, seed] of [[[192, 128, 128], 0.1, 0xdeadbeef], [[1001], 0.5, 7], [[3, 5], 0.1, 0], [[2048, 768], 0.3, 123456789]] as Array<[number[], number, number]>) {
    if (!tf.getKernel(DROPOUT_MASK_KERNEL, tf.getBackend())) throw new Error(`no ${DROPOUT_MASK_KERNEL} kernel on ${tf.getBackend()}`);
    const gpu = tf.tidy(() => dropoutMask(shape, rate, seed).dataSync() as Float32Array);
    const host = dropoutMaskValues(gpu.length, rate, seed);
    let bad = 0;
    let zeros = 0;
    for (let i = 0; i < gpu.length; i++) {
      if (gpu[i] !== host[i]) bad++;
      if (host[i] === 0) zeros++;
    }
    mismatches += bad;
    rows.push(`[${shape.join(", ")}] rate ${rate}: ${bad} of ${gpu.length} differ, dropped ${(zeros / gpu.length).toFixed(4)}`);
  }
  // Dropout applied in one dispatch (the mask computed where it multiplies) against x times the mask tensor:
  // the same products, forward and gradient.
  for (const [shape, rate, seed] of [[[2048, 768], 0.1, 77], [[1001], 0.5, 5]] as Array<[number[], number, number]>) {
    const n = shape.reduce((a, b) => a * b, 1);
    const [fused, plain] = tf.tidy(() => {
      const x = tf.tensor(randomArray(n, 61, 1), shape);
      const w = tf.tensor(randomArray(n, 62, 1), shape);
      const viaMask = (xi: tf.Tensor) => tf.mul(xi, dropoutMask(shape, rate, seed));
      const both = (fn: (xi: tf.Tensor) => tf.Tensor) => [fn(x), tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(fn(xi), w)))(x)].map((t) => t.dataSync() as Float32Array);
      // With trainFused, dropout() is the dropout kernel: one dispatch, forward and backward.
      const viaKernel = withKernelOptions({ trainFused: true }, () => {
        const forward = dispatchesOf(() => dropout(x, { rate, seed }));
        if (forward !== 1) throw new Error(`dropout with trainFused took ${forward} dispatches for [${shape.join(", ")}], not the kernel's 1`);
        return both((xi) => dropout(xi, { rate, seed }));
      });
      return [viaKernel, both(viaMask)];
    });
    let bad = 0;
    for (let k = 0; k < 2; k++) for (let i = 0; i < n; i++) if (fused[k][i] !== plain[k][i]) bad++;
    mismatches += bad;
    rows.push(`applied in one dispatch [${shape.join(", ")}] rate ${rate}: ${bad} of ${2 * n} values (forward, gradient) differ from x × mask`);
  }
  return { name: "dropout kernels vs JavaScript", pass: mismatches === 0, detail: rows.join("; "), figures: { mismatches } };
}

/** The tiled matMul kernel against tfjs's matMul for every transpose form, odd sizes and a bias. */
export function checkMatMulKernel(): CheckResult {
  let worst = 0;
  const rows: string[] = [];
  const cases: Array<[number, number, number, boolean, boolean, boolean]> = [
    [130, 70, 200, false, true, true],
    [256, 768, 384, false, false, false],
    [64, 129, 96, true, false, false],
    [200, 33, 65, true, true, true],
    [512, 3072, 256, false, true, true],
    [2048, 24, 2050, false, true, true], // 128×128 tiles (≥ 256 of them), ragged edge
    // Shapes the vec4 variant takes (K and N divisible by 4, and M when A is transposed), in all four forms:
    // ragged M, a last K slice shorter than the K step, 64 and 128 tiles with a ragged N edge.
    [130, 68, 200, false, true, true],
    [2048, 36, 516, false, true, false],
    [2048, 40, 2052, false, true, true],
    [130, 68, 200, false, false, false], // dy·W (the linear layer's input gradient)
    [132, 2052, 196, true, false, false], // dyᵀ·x (its weight gradient), long K
    [68, 36, 132, true, true, true],
  ];
  // Each case through the default (vec4 program where the shape allows it, else the scalar one), the scalar
  // program, and K steps of 16 and 32.
  const variants: Array<[string, Partial<WebGPUKernelOptions>]> = [
    ["", {}],
    ["scalar ", { matMulVariant: "scalar" }],
    ["k16 ", { matMulBk: 16 }],
    ["k32 ", { matMulBk: 32 }],
    ["scalar k32 ", { matMulVariant: "scalar", matMulBk: 32 }],
  ];
  for (const [variant, options] of variants) {
    withKernelOptions(options, () => {
      for (const [m, k, n, tA, tB, withBias] of cases) {
        const [ours, ref] = tf.tidy(() => {
          const a = tf.tensor2d(randomArray(m * k, 31 + m, 1), tA ? [k, m] : [m, k]);
          const b = tf.tensor2d(randomArray(k * n, 32 + n, 1), tB ? [n, k] : [k, n]);
          const bias = withBias ? tf.tensor1d(randomArray(n, 33 + n, 1)) : undefined;
          const tiled = matMulTiled(a, b, tA, tB, bias);
          if (!tiled) throw new Error(`the tiled matMul kernel did not run for [${m}, ${k}] x [${k}, ${n}]`);
          let plain = tf.matMul(a, b, tA, tB);
          if (bias) plain = tf.add(plain, bias);
          return [tiled.dataSync() as Float32Array, plain.dataSync() as Float32Array];
        });
        const d = maxAbsDiff(ours, ref) / Math.max(maxAbs(ref), 1e-30);
        worst = Math.max(worst, d);
        rows.push(`${variant}[${m}, ${k}]${tA ? "ᵀ" : ""}·[${k}, ${n}]${tB ? "ᵀ" : ""}${withBias ? "+b" : ""}: ${exp(d)}`);
      }
    });
  }
  const tol = 1e-6;
  return { name: "tiled matMul vs tfjs matMul", pass: worst <= tol, detail: `max|diff|/max|tfjs|: ${rows.join("; ")} (tolerance ${tol})`, figures: { worst } };
}

/**
 * The fused attention kernels (forward with dropout inside, the two-dispatch gradient) against the composed tf-op
 * attention with the mask from dropoutMask (the trainFused option); and the fused forward with the
 * composed gradient, which training uses without that flag (and for head sizes beyond the gradient kernel's).
 */
export function checkAttentionKernel(): CheckResult {
  let worst = 0;
  const rows: string[] = [];
  const cases: Array<[number, number, number, number, boolean, number]> = [
    [2, 7, 2, 8, true, 0],
    [3, 130, 4, 16, true, 0],
    [2, 128, 12, 64, false, 0],
    [2, 7, 2, 8, true, 0.5],
    [3, 130, 4, 16, true, 0.1],
    [2, 128, 12, 64, true, 0.1],
  ];
  for (const [batch, seq, heads, headSize, masked, rate] of cases) {
    const shape = { batch, seq, heads, headSize };
    const n = batch * seq * 3 * heads * headSize;
    const site = rate > 0 ? { rate, seed: 1234 + seq } : null;
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const qkv = tf.tensor2d(randomArray(n, 41 + seq, 2), [batch * seq, 3 * heads * headSize]);
        const w = tf.tensor2d(randomArray(batch * seq * heads * headSize, 42 + seq, 1), [batch * seq, heads * headSize]);
        // Pad the last positions of every other sequence, as the tokenizer's padding would.
        const maskValues = new Float32Array(batch * seq).map((_, i) => (masked && Math.floor(i / seq) % 2 === 1 && i % seq > seq / 2 ? FLOAT32_MIN : 0));
        const maskBias = masked ? tf.tensor4d(maskValues, [batch, 1, 1, seq]) : null;
        const f = (x: tf.Tensor) => tf.sum(tf.mul(attention(x, shape, maskBias, site), w)) as tf.Scalar;
        return [attention(qkv, shape, maskBias, site).dataSync() as Float32Array, tf.grad(f)(qkv).dataSync() as Float32Array];
      });
    if (!tf.getKernel(ATTENTION_KERNEL, tf.getBackend()) || !withKernelOptions({ trainFused: true }, () => tf.getKernel(ATTENTION_GRAD_KERNEL, tf.getBackend()))) throw new Error("the fused attention kernels are not registered for this backend");
    const plain = withoutWebGPUKernels([ATTENTION_KERNEL, ATTENTION_GRAD_KERNEL], run);
    if (!(maxAbs(plain[0]) > 0 && maxAbs(plain[1]) > 0)) throw new Error("the composed attention gave all zeros: a GPU error upstream?");
    const forms: Array<[string, string[]]> = site ? [["fused", []]] : [["fused", []], ["fused forward, composed gradient", [ATTENTION_GRAD_KERNEL]]];
    for (const [label, without] of forms) {
      const fused = withKernelOptions({ trainFused: true }, () => withoutWebGPUKernels(without, run));
      if (!(maxAbs(fused[0]) > 0 && maxAbs(fused[1]) > 0)) throw new Error(`the ${label} attention gave all zeros: a GPU error?`);
      const d = relMaxDiffs(fused, plain);
      worst = Math.max(worst, ...d);
      rows.push(`${label} B${batch} S${seq} heads ${heads}×${headSize}${masked ? " masked" : ""}${site ? ` dropout ${rate}` : ""}: ctx ${exp(d[0])}, dqkv ${exp(d[1])}`);
    }
  }
  const tol = 1e-5;
  return { name: "fused attention vs composed (forward, gradient)", pass: worst <= tol, detail: `max|diff|/max|composed|: ${rows.join("; ")} (tolerance ${tol})`, figures: { worst } };
}
