// LayerNorm over the last axis as fused WebGPU programs, with its gradient, for x [n, h] (torch.nn.LayerNorm:
// biased variance, y = (x − mean)·rsqrt(var + eps)·gamma + beta). Composed of tfjs ops (src/models/ops.ts) the
// forward pass is ~9 dispatches and the backward ~14 plus transposes; here:
//   forward   1 dispatch: one workgroup per row (two-pass mean and variance in workgroup memory), also for
//             LayerNorm(x + residual) with the add folded in (layerNormResidualFused), and for
//             LayerNorm(dropout(x) + residual) with the dropout mask computed from its seed as x is read;
//   backward  5 dispatches: row statistics, dx per row, per-chunk column sums of dy·x̂ and dy, then the
//             chunk sums for dgamma and for dbeta.
// Kernels BertImdbLayerNorm / BertImdbLayerNormGrad are registered for "webgpu"; `layerNormFused` is the op
// (tf.customGrad) a model calls where hasFusedLayerNorm() is true; beyond the dispatch limit (65,535 rows) it
// returns null and the model composes LayerNorm from tf ops.
import { tf } from "../tf";
import { flat, sizeOf, TensorInfoLike, WebGPUKernelBackend, WebGPUProgramLike, registerWebGPUKernel } from "./program";
import { DROPOUT_UNIFORMS, dropoutApply, dropoutUniforms, type DropoutSite, WGSL_DROPOUT_HASH, WGSL_DROPOUT_KEEP } from "./dropout";

export const LAYER_NORM_KERNEL = "BertImdbLayerNorm";
export const LAYER_NORM_GRAD_KERNEL = "BertImdbLayerNormGrad";

const ROW_WG = 256;
const COL_WG = 64;
const MAX_ROWS = 65535;

/** WGSL: sum of one value per invocation over the workgroup (call from uniform control flow). */
const ROW_SUM = `
  var<workgroup> red : array<f32, ${ROW_WG}>;
  fn rowSum(v : f32, lid : i32) -> f32 {
    red[lid] = v;
    workgroupBarrier();
    for (var s = ${ROW_WG / 2}; s > 0; s = s >> 1u) {
      if (lid < s) {
        red[lid] = red[lid] + red[lid + s];
      }
      workgroupBarrier();
    }
    let r = red[0];
    workgroupBarrier();
    return r;
  }`;

/** One workgroup per row; `body` sees row, lid, base (= row·h) and h. */
abstract class RowProgram implements WebGPUProgramLike {
  abstract variableNames: string[];
  outputShape: number[];
  abstract shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [ROW_WG, 1, 1];
  uniforms = "rows : i32, h : i32, eps : f32,";

  constructor(outputSize: number, rows: number) {
    this.outputShape = [outputSize];
    this.dispatch = [rows, 1, 1];
  }

  protected abstract body(): string;

  /** WGSL functions the body calls, placed before main. */
  protected helpers(): string {
    return "";
  }

  getUserCode(): string {
    return `
      ${ROW_SUM}
      ${this.helpers()}
      fn main(index : i32) {
        let row = i32(workgroupId.x);
        let lid = i32(localId.x);
        let h = uniforms.h;
        let base = row * h;
        ${this.body()}
      }`;
  }
}

/**
 * Mean and reciprocal standard deviation of each row, in workgroup-uniform variables; `at(i)` is the WGSL
 * expression of the row's element i (X[i], or X[i] + R[i] for LayerNorm of a residual sum).
 */
const statsOf = (at: (i: string) => string) => `
        var s = 0.0;
        for (var c = lid; c < h; c = c + ${ROW_WG}) { s = s + ${at("base + c")}; }
        let mean = rowSum(s, lid) / f32(h);
        var q = 0.0;
        for (var c = lid; c < h; c = c + ${ROW_WG}) { let d = ${at("base + c")} - mean; q = q + d * d; }
        let rstd = inverseSqrt(rowSum(q, lid) / f32(h) + uniforms.eps);`;
const STATS = statsOf((i) => `X[${i}]`);

/**
 * y = LayerNorm(x), or LayerNorm(x + r) in the same pass (the residual add of a BERT layer, one dispatch), or
 * LayerNorm(x·mask + r) with the dropout mask of x computed from its seed where x is read (never stored).
 */
class ForwardProgram extends RowProgram {
  variableNames: string[];
  shaderKey: string;

  constructor(outputSize: number, rows: number, private readonly residual: boolean, private readonly dropout = false) {
    super(outputSize, rows);
    this.variableNames = residual ? ["X", "R", "G", "B"] : ["X", "G", "B"];
    this.shaderKey = residual ? (dropout ? "bertImdbLayerNorm_fwd_dropout_residual" : "bertImdbLayerNorm_fwd_residual") : "bertImdbLayerNorm_fwd";
    if (dropout) this.uniforms += DROPOUT_UNIFORMS;
  }

  protected helpers(): string {
    return this.dropout ? `${WGSL_DROPOUT_HASH}\n${WGSL_DROPOUT_KEEP}` : "";
  }

  protected body(): string {
    const x = (i: string) => (this.dropout ? `(X[${i}] * dropoutKeep(u32(${i})))` : `X[${i}]`);
    const at = (i: string) => (this.residual ? `(${x(i)} + R[${i}])` : `X[${i}]`);
    return `${statsOf(at)}
        for (var c = lid; c < h; c = c + ${ROW_WG}) {
          result[base + c] = (${at("base + c")} - mean) * rstd * G[c] + B[c];
        }`;
  }
}

/** [mean, rstd] per row. */
class StatsProgram extends RowProgram {
  variableNames = ["X"];
  shaderKey = "bertImdbLayerNorm_stats";
  protected body(): string {
    return `${STATS}
        if (lid == 0) {
          result[2 * row] = mean;
          result[2 * row + 1] = rstd;
        }`;
  }
}

/** dx = (dy·g − mean(dy·g) − x̂·mean(dy·g·x̂))·rstd. */
class DxProgram extends RowProgram {
  variableNames = ["X", "G", "DY", "S"];
  shaderKey = "bertImdbLayerNorm_dx";
  protected body(): string {
    return `
        let mean = S[2 * row];
        let rstd = S[2 * row + 1];
        var a = 0.0;
        var b = 0.0;
        for (var c = lid; c < h; c = c + ${ROW_WG}) {
          let g = DY[base + c] * G[c];
          a = a + g;
          b = b + g * (X[base + c] - mean) * rstd;
        }
        let m1 = rowSum(a, lid) / f32(h);
        let m2 = rowSum(b, lid) / f32(h);
        for (var c = lid; c < h; c = c + ${ROW_WG}) {
          let xhat = (X[base + c] - mean) * rstd;
          result[base + c] = (DY[base + c] * G[c] - m1 - xhat * m2) * rstd;
        }`;
  }
}

/** Per chunk of rows and per column: Σ dy·x̂ (first h entries) and Σ dy (next h). Output [chunks · 2h]. */
class ParamPartialsProgram implements WebGPUProgramLike {
  variableNames = ["X", "DY", "S"];
  outputShape: number[];
  shaderKey = "bertImdbLayerNorm_partials";
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [COL_WG, 1, 1];
  uniforms = "rows : i32, h : i32, chunkRows : i32, threads : i32,";

  constructor(chunks: number, h: number) {
    this.outputShape = [chunks * 2 * h];
    this.dispatch = [Math.ceil((chunks * h) / COL_WG), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.threads) { return; }
        let h = uniforms.h;
        let k = index / h;
        let c = index - k * h;
        let r0 = k * uniforms.chunkRows;
        let r1 = min(r0 + uniforms.chunkRows, uniforms.rows);
        var dg = 0.0;
        var db = 0.0;
        for (var r = r0; r < r1; r = r + 1) {
          let dy = DY[r * h + c];
          dg = dg + dy * (X[r * h + c] - S[2 * r]) * S[2 * r + 1];
          db = db + dy;
        }
        result[k * 2 * h + c] = dg;
        result[k * 2 * h + h + c] = db;
      }`;
  }
}

/** Sum over chunks of the partials at `offset` (0: dgamma, h: dbeta). Output [h]. */
class ParamFinalProgram implements WebGPUProgramLike {
  variableNames = ["P"];
  outputShape: number[];
  shaderKey = "bertImdbLayerNorm_final";
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [COL_WG, 1, 1];
  uniforms = "h : i32, chunks : i32, partOffset : i32,";

  constructor(h: number) {
    this.outputShape = [h];
    this.dispatch = [Math.ceil(h / COL_WG), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.h) { return; }
        var acc = 0.0;
        for (var k = 0; k < uniforms.chunks; k = k + 1) {
          acc = acc + P[k * 2 * uniforms.h + uniforms.partOffset + index];
        }
        result[index] = acc;
      }`;
  }
}

type Args = { inputs: Record<string, TensorInfoLike | undefined>; backend: unknown; attrs?: Record<string, unknown> };

function shapeOf(x: TensorInfoLike | undefined, gamma: TensorInfoLike | undefined, what: string): { rows: number; h: number } {
  if (!x || !gamma) throw new Error(`${what}: inputs x and gamma are required`);
  if (x.dtype !== "float32") throw new Error(`${what}: x must be float32, got ${x.dtype}`);
  const h = x.shape[x.shape.length - 1];
  if (gamma.shape.length !== 1 || gamma.shape[0] !== h) throw new Error(`${what}: gamma must be [${h}], got [${gamma.shape.join(", ")}]`);
  return { rows: sizeOf(x.shape) / h, h };
}

function epsOf(attrs: Record<string, unknown> | undefined, what: string): number {
  const eps = attrs?.eps;
  if (typeof eps !== "number" || !(eps >= 0)) throw new Error(`${what}: attribute eps must be a number ≥ 0, got ${String(eps)}`);
  return eps;
}

const i32 = (v: number) => ({ type: "int32" as const, data: [v] });
const f32 = (v: number) => ({ type: "float32" as const, data: [v] });

function forwardKernel(args: Args): TensorInfoLike {
  const backend = args.backend as WebGPUKernelBackend;
  const { x, gamma, beta } = args.inputs;
  const { rows, h } = shapeOf(x, gamma, "LayerNorm (webgpu)");
  if (!beta || beta.shape.join() !== String(h)) throw new Error(`LayerNorm (webgpu): beta must be [${h}]`);
  const eps = epsOf(args.attrs, "LayerNorm (webgpu)");
  const r = args.inputs.residual;
  if (r && (r.dtype !== "float32" || r.shape.join() !== x!.shape.join())) throw new Error(`LayerNorm (webgpu): residual must be float32 [${x!.shape.join(", ")}]`);
  const site = args.attrs?.dropoutRate ? ({ rate: args.attrs.dropoutRate, seed: args.attrs.dropoutSeed } as DropoutSite) : null;
  if (site && (!r || typeof site.seed !== "number")) throw new Error("LayerNorm (webgpu): dropout needs a residual input and attribute dropoutSeed");
  const inputs = r ? [flat(x!), flat(r), gamma!, beta] : [flat(x!), gamma!, beta];
  const uniforms = [i32(rows), i32(h), f32(eps), ...(site ? dropoutUniforms(site) : [])];
  const out = backend.runWebGPUProgram(new ForwardProgram(rows * h, rows, r != null, site != null), inputs, "float32", uniforms);
  return { dataId: out.dataId, shape: x!.shape.slice(), dtype: "float32" };
}

function gradKernel(args: Args): TensorInfoLike[] {
  const backend = args.backend as WebGPUKernelBackend;
  const { x, gamma, dy } = args.inputs;
  const { rows, h } = shapeOf(x, gamma, "LayerNorm gradient (webgpu)");
  if (!dy || sizeOf(dy.shape) !== rows * h) throw new Error("LayerNorm gradient (webgpu): dy must have x's shape");
  const eps = epsOf(args.attrs, "LayerNorm gradient (webgpu)");
  const xf = flat(x!);
  const dyf = flat(dy);
  const stats = backend.runWebGPUProgram(new StatsProgram(2 * rows, rows), [xf], "float32", [i32(rows), i32(h), f32(eps)]);
  const dx = backend.runWebGPUProgram(new DxProgram(rows * h, rows), [xf, gamma!, dyf, stats], "float32", [i32(rows), i32(h), f32(eps)]);
  const chunks = Math.max(1, Math.min(64, Math.ceil(rows / 32)));
  const chunkRows = Math.ceil(rows / chunks);
  const partials = backend.runWebGPUProgram(new ParamPartialsProgram(chunks, h), [xf, dyf, stats], "float32", [i32(rows), i32(h), i32(chunkRows), i32(chunks * h)]);
  const dgamma = backend.runWebGPUProgram(new ParamFinalProgram(h), [partials], "float32", [i32(h), i32(chunks), i32(0)]);
  const dbeta = backend.runWebGPUProgram(new ParamFinalProgram(h), [partials], "float32", [i32(h), i32(chunks), i32(h)]);
  backend.disposeData(stats.dataId);
  backend.disposeData(partials.dataId);
  return [{ dataId: dx.dataId, shape: x!.shape.slice(), dtype: "float32" }, dgamma, dbeta];
}

/** Registers both LayerNorm kernels for "webgpu" (idempotent: an existing registration is kept). */
export function registerWebGPULayerNorm(): void {
  registerWebGPUKernel(LAYER_NORM_KERNEL, forwardKernel);
  registerWebGPUKernel(LAYER_NORM_GRAD_KERNEL, gradKernel);
}

/** True when the active backend has the fused LayerNorm kernels. */
export function hasFusedLayerNorm(): boolean {
  const b = tf.getBackend();
  return tf.getKernel(LAYER_NORM_KERNEL, b) != null && tf.getKernel(LAYER_NORM_GRAD_KERNEL, b) != null;
}

type Arg = tf.Tensor | tf.GradSaveFunc;
type FusedOp = (...t: tf.Tensor[]) => tf.Tensor;
/** The custom-gradient ops, one per eps and form (plain, or with a residual input). */
const ops = new Map<string, FusedOp>();

/**
 * The op over (x, gamma, beta) or, with `residual`, over (x, residual, gamma, beta) computing LayerNorm(x +
 * residual) in the same pass. Its backward pass runs the gradient kernel on x (re-adding x + residual first in
 * the residual form, whose two summands then get the same dx).
 */
function fusedOp(eps: number, residual: boolean): FusedOp {
  const key = `${eps}|${residual}`;
  let op = ops.get(key);
  if (!op) {
    const n = residual ? 4 : 3;
    op = tf.customGrad((...args: Arg[]) => {
      const [xi, ri, g, b] = residual ? (args as tf.Tensor[]) : [args[0] as tf.Tensor, null, args[1] as tf.Tensor, args[2] as tf.Tensor];
      const save = args[n] as tf.GradSaveFunc;
      const inputs: tf.NamedTensorMap = ri ? { x: xi, residual: ri, gamma: g, beta: b } : { x: xi, gamma: g, beta: b };
      const value = tf.engine().runKernel(LAYER_NORM_KERNEL, inputs, { eps }) as tf.Tensor;
      save(ri ? [xi, ri, g] : [xi, g]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const xs = ri ? tf.add(saved[0], saved[1]) : saved[0];
          const gs = saved[saved.length - 1];
          const [dx, dg, db] = tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x: xs, gamma: gs, dy }, { eps }) as unknown as tf.Tensor[];
          if (ri) xs.dispose();
          return ri ? [dx, tf.clone(dx), dg, db] : [dx, dg, db];
        },
      };
    }) as FusedOp;
    ops.set(key, op);
  }
  return op;
}

/** Whether x has few enough rows for one dispatch (else the fused ops return null); throws off webgpu. */
function fits(x: tf.Tensor, what: string): boolean {
  if (!hasFusedLayerNorm()) throw new Error(`${what} needs the webgpu backend with its LayerNorm kernels (backend now: ${tf.getBackend()})`);
  return x.size / x.shape[x.shape.length - 1] <= MAX_ROWS;
}

/**
 * LayerNorm over the last axis with the fused kernels and their gradient (x [..., h], gamma/beta [h]), or null
 * for more rows than one dispatch takes (the caller then composes it from tf ops, as src/models/ops.ts does).
 * Needs hasFusedLayerNorm(); gradients flow to x, gamma and beta as with the composed version.
 */
export function layerNormFused(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor | null {
  return fits(x, "layerNormFused") ? fusedOp(eps, false)(x, gamma, beta) : null;
}

/**
 * LayerNorm(x + residual) over the last axis: the add and the normalisation in one dispatch (BERT's
 * `LayerNorm(dropout(dense(h)) + input)`), with the gradient of all four inputs. Null beyond one dispatch's rows.
 * With `dropout`, LayerNorm(x·mask + residual), the mask being dropoutMask(x.shape, rate, seed) computed as x is
 * read: forward one dispatch instead of three (mask, multiply, LayerNorm); the backward pass recomputes
 * x·mask + residual and applies the mask to x's gradient with the dropout-apply kernel.
 */
export function layerNormResidualFused(x: tf.Tensor, residual: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, dropout?: DropoutSite): tf.Tensor | null {
  if (!fits(x, "layerNormResidualFused")) return null;
  if (!dropout || dropout.rate <= 0) return fusedOp(eps, true)(x, residual, gamma, beta);
  const op = tf.customGrad((...args: Arg[]) => {
    const [xi, ri, g, b] = args as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    const attrs = { eps, dropoutRate: dropout.rate, dropoutSeed: dropout.seed >>> 0 };
    const value = tf.engine().runKernel(LAYER_NORM_KERNEL, { x: xi, residual: ri, gamma: g, beta: b }, attrs) as tf.Tensor;
    save([xi, ri, g]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = dropoutApply(saved[0], dropout, saved[1]);
        const [dsum, dg, db] = tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x: xs, gamma: saved[2], dy }, { eps }) as unknown as tf.Tensor[];
        xs.dispose();
        return [dropoutApply(dsum, dropout), dsum, dg, db];
      },
    };
  }) as FusedOp;
  return op(x, residual, gamma, beta);
}
