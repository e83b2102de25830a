// The BERT building blocks as TensorFlow.js ops. As tfjs's own ops do, each calls a kernel by name through
// tfjs's kernel registry (tf.engine().runKernel) and leaves the implementation to the active backend, with the
// gradient registered for the kernel name (tf.registerGradient):
//   kernel ops   layerNorm, addLayerNorm, gelu, matMul / linear / linearActivation: one kernel each, with an
//                implementation on every backend — WGSL programs on webgpu (src/backends/webgpu/kernels/), and
//                for cpu, wasm and tensorflow the composed implementations at the end of this file (the same tf
//                ops these building blocks were before, so the values are those of the composed forms).
//   fused ops    dropout, dropoutAddLayerNorm, attention: a fused kernel where the backend registers one (webgpu
//                registers attention's always, and with its trainFused option the dropout kernels and attention's
//                gradient, which attention with dropout needs), else composed of kernel ops and tf ops whose
//                autodiff keeps the dropout mask and the attention probabilities for the backward pass (a
//                kernel's gradient could only recompute them, and on cpu/wasm a dropout mask costs as much to
//                recompute in JavaScript as to make). Inside attention's composed form and the gradients,
//                splitHeads / mergeHeads, batchMatMul, softmaxGrad and sumRows are fused ops too, and so is the
//                embedding lookup: kernels on cpu and wasm (src/backends/host/: row copies, float64 sums; on wasm
//                LayerNorm's gradient and the dropout masks as SIMD, src/backends/wasmSimd/), tf ops elsewhere.
//   native       on wasm the matMul kernel, batchMatMul, GELU with its gradient and (add)LayerNorm run in ONNX
//                Runtime's MLAS on every core (src/backends/onnxruntime/), or without onnxruntime-node as on cpu.
// Nothing here names the webgpu backend or reads its settings. All activations are rank 2 ([tokens, features]);
// weights use Hugging Face's layouts (Linear: [out, in]).
import { tf } from "../backends/tf";
import { composedMatMul } from "../backends/matmul";
import * as host from "../backends/host/index";
import { nativeKernels, type NativeKernels } from "../backends/onnxruntime/index";
import { DROPOUT_MASK_KERNEL, dropoutMask } from "./dropout";
export { dropoutMask, DROPOUT_MASK_KERNEL };

type T = tf.Tensor;
type Arg = tf.Tensor | tf.GradSaveFunc;

// ---------------------------------------------------------------- kernel names and attributes

/** LayerNorm over the last axis: inputs {x, gamma, beta}, attrs LayerNormAttrs → y. */
export const LAYER_NORM_KERNEL = "BertImdbLayerNorm";
/** LayerNorm(x + residual): inputs {x, residual, gamma, beta}, attrs LayerNormAttrs → y. */
export const ADD_LAYER_NORM_KERNEL = "BertImdbAddLayerNorm";
/** LayerNorm's gradient: inputs {x, gamma, dy}, attrs LayerNormAttrs → [dx, dgamma, dbeta]. */
export const LAYER_NORM_GRAD_KERNEL = "BertImdbLayerNormGrad";
/** LayerNorm(dropout(x) + residual) (fused op): inputs {x, residual, gamma, beta}, attrs DropoutLayerNormAttrs → y. */
export const DROPOUT_ADD_LAYER_NORM_KERNEL = "BertImdbDropoutAddLayerNorm";
/** Its gradient: inputs {x, residual, gamma, dy}, attrs DropoutLayerNormAttrs → [dx, dresidual, dgamma, dbeta]. */
export const DROPOUT_ADD_LAYER_NORM_GRAD_KERNEL = "BertImdbDropoutAddLayerNormGrad";
/** Exact GELU: inputs {x} → y. */
export const GELU_KERNEL = "BertImdbGelu";
/** GELU's gradient: inputs {x, dy} → dx. */
export const GELU_GRAD_KERNEL = "BertImdbGeluGrad";
/** op(a)·op(b) (+ bias), rank 2: inputs {a, b, bias?}, attrs MatMulAttrs → [m, n]. */
export const MATMUL_KERNEL = "BertImdbMatMul";
/** Inverted dropout x·mask, the mask computed from its seed (fused op): inputs {x}, attrs DropoutAttrs → y. */
export const DROPOUT_KERNEL = "BertImdbDropout";
/** The softmax's gradient over the last axis, scaled (fused op): inputs {probs, dprobs}, attrs {scale} → scale·P⊙(dP − Σ P⊙dP). */
export const SOFTMAX_GRAD_KERNEL = "BertImdbSoftmaxGrad";
/** Attention's heads apart (fused op): inputs {x} [B·S, P·nh·dh], attrs AttentionShape → P tensors [B·nh, S, dh]. */
export const SPLIT_HEADS_KERNEL = "BertImdbSplitHeads";
/** The heads together again (fused op): inputs {x} [P, B·nh, S, dh], attrs AttentionShape → [B·S, P·nh·dh]. */
export const MERGE_HEADS_KERNEL = "BertImdbMergeHeads";
/** Σ over the rows of a rank-2 tensor (fused op): inputs {x} [n, h] → [h]. */
export const SUM_ROWS_KERNEL = "BertImdbSumRows";
/** op(a)·op(b) for rank-3 a and b (fused op): inputs {a, b}, attrs {transposeA, transposeB} → [n, m, p]. */
export const BATCH_MATMUL_KERNEL = "BertImdbBatchMatMul";
/** Rows of a table at int32 ids (fused op): inputs {table [V, H], ids [n]} → [n, H]. */
export const EMBEDDING_KERNEL = "BertImdbEmbedding";
/** Its gradient: inputs {ids, dy [n, H]}, attrs {rows} → d(table) [rows, H], rows of dy summed per id. */
export const EMBEDDING_GRAD_KERNEL = "BertImdbEmbeddingGrad";
/** Attention of the fused projections (fused op): inputs {qkv, mask?}, attrs AttentionAttrs → context. */
export const ATTENTION_KERNEL = "BertImdbAttention";
/** Its gradient: inputs {qkv, ctx, dy, mask?}, attrs AttentionAttrs → d(qkv). */
export const ATTENTION_GRAD_KERNEL = "BertImdbAttentionGrad";

export interface LayerNormAttrs {
  eps: number;
}

/** One dropout site: its rate (> 0) and the seed of its mask (siteSeed), as dropoutMask(shape, rate, seed) takes them. */
export interface DropoutSite {
  rate: number;
  seed: number;
}

/** A dropout kernel's attributes: the site, seed as an unsigned 32-bit integer. */
export type DropoutAttrs = DropoutSite;

export interface DropoutLayerNormAttrs extends LayerNormAttrs, DropoutSite {}

export interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  /** "gelu": exact GELU applied to every output (no gradient: for products outside a gradient tape). */
  activation: "linear" | "gelu";
}

export interface AttentionShape {
  batch: number;
  seq: number;
  heads: number;
  headSize: number;
}

/** The attention kernels' attributes: the shapes, the score scale and an optional dropout site. */
export interface AttentionAttrs extends AttentionShape {
  scale: number;
  /** Attention dropout (training): rate > 0 and the site's seed. */
  dropoutRate?: number;
  dropoutSeed?: number;
}

/** The attributes of a call: scale 1/√headSize, and the dropout site when its rate is above 0. */
export function attentionAttrs(shape: AttentionShape, site: DropoutSite | null | undefined): AttentionAttrs {
  return { ...shape, scale: 1 / Math.sqrt(shape.headSize), ...(site && site.rate > 0 ? { dropoutRate: site.rate, dropoutSeed: site.seed >>> 0 } : {}) };
}

function run(kernel: string, inputs: tf.NamedTensorMap, attrs?: object): T {
  return tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap | undefined) as T;
}

function runMany(kernel: string, inputs: tf.NamedTensorMap, attrs?: object): T[] {
  return tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap | undefined) as unknown as T[];
}

/** Whether the active backend registers `kernel`: a fused op runs through it there, composed elsewhere. */
function registered(kernel: string): boolean {
  return tf.getKernel(kernel, tf.getBackend()) != null;
}

/** Whether a gradient tape is recording (tfjs's fused ops make the same test before fusing an activation). */
function recordingGradient(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

// ---------------------------------------------------------------- kernel ops

/** LayerNorm over the last axis (biased variance, as torch.nn.LayerNorm), x [n, h], gamma/beta [h]. */
export function layerNorm(x: T, gamma: T, beta: T, eps: number): T {
  return run(LAYER_NORM_KERNEL, { x, gamma, beta }, { eps } satisfies LayerNormAttrs);
}

/** LayerNorm(x + residual): BERT's residual connection (one dispatch on webgpu, the add folded in). */
export function addLayerNorm(x: T, residual: T, gamma: T, beta: T, eps: number): T {
  return run(ADD_LAYER_NORM_KERNEL, { x, residual, gamma, beta }, { eps } satisfies LayerNormAttrs);
}

/** Exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (torch's default "gelu"). */
export function gelu(x: T): T {
  return run(GELU_KERNEL, { x });
}

/** op(a)·op(b) (+ bias [n]) for rank-2 a and b, in the backend's fastest form for BERT's products. */
export function matMul(a: T, b: T, transposeA = false, transposeB = false, bias?: T): T {
  return run(MATMUL_KERNEL, bias ? { a, b, bias } : { a, b }, { transposeA, transposeB, activation: "linear" } satisfies MatMulAttrs);
}

/** x @ W^T + b for x [n, in], W [out, in] (torch.nn.Linear), b [out]. */
export function linear(x: T, w: T, b: T): T {
  return matMul(x, w, false, true, b);
}

/**
 * GELU(x·Wᵀ + b), BERT's intermediate layer: one kernel call with GELU applied as the product is stored when no
 * gradient is being recorded (evaluation, the pipeline); under a gradient tape linear then gelu, whose gradient
 * needs the pre-activation values.
 */
export function linearGelu(x: T, w: T, b: T): T {
  if (recordingGradient()) return gelu(linear(x, w, b));
  return run(MATMUL_KERNEL, { a: x, b: w, bias: b }, { transposeA: false, transposeB: true, activation: "gelu" } satisfies MatMulAttrs);
}

/** activation(name, linear(x, w, b)), exact GELU through linearGelu. */
export function linearActivation(name: string, x: T, w: T, b: T): T {
  return name === "gelu" ? linearGelu(x, w, b) : activation(name, linear(x, w, b));
}

/** GELU's tanh approximation ("gelu_new" / "gelu_pytorch_tanh"), through autodiff. */
export function geluTanh(x: T): T {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  });
}

/** The activation named by config.hidden_act. */
export function activation(name: string, x: T): T {
  switch (name) {
    case "gelu":
      return gelu(x);
    case "gelu_new":
    case "gelu_pytorch_tanh":
    case "gelu_fast":
      return geluTanh(x);
    case "relu":
      return tf.relu(x);
    default:
      throw new Error(`unsupported activation "${name}"`);
  }
}

/** A 32-bit seed for dropout site `site` of a forward pass seeded with `stepSeed`. */
export function siteSeed(stepSeed: number, site: number): number {
  const lo = stepSeed >>> 0;
  const hi = Math.floor(stepSeed / 4294967296) >>> 0;
  let h = Math.imul(lo ^ 0x85ebca6b, 0x9e3779b1) ^ Math.imul(hi + 0x632be5ab, 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) ^ Math.imul(site + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x9e3779b1);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Sum over the rows of x [n, h] → [h] (parameter gradients: sums over all tokens). Through its kernel where the
 * backend has one (cpu, wasm: float64 sums on the host), else in two levels of tf.sum (blocks of ≈√n rows,
 * then the block sums): float32 error grows with √n instead of n.
 */
export function sumRows(x: T): T {
  if (registered(SUM_ROWS_KERNEL)) return run(SUM_ROWS_KERNEL, { x });
  const [n, h] = x.shape;
  const block = Math.max(1, Math.round(Math.sqrt(n)));
  if (n < 64 || n % block !== 0) return tf.sum(x, 0);
  return tf.sum(tf.sum(tf.reshape(x, [n / block, block, h]), 1), 0);
}

// ---------------------------------------------------------------- fused ops

/**
 * The rows of `table` [V, H] at int32 `ids` [n] → [n, H] (an embedding lookup): through its kernel where the
 * backend has one (cpu, wasm: row copies, and the gradient rows added per id), else tf.gather.
 */
export function embedding(table: T, ids: T): T {
  if (registered(EMBEDDING_KERNEL)) return run(EMBEDDING_KERNEL, { table, ids });
  return tf.gather(table, ids);
}

/**
 * Inverted dropout: x times dropoutMask(x.shape, rate, seed). Where the backend has the dropout kernel (webgpu
 * with trainFused) one dispatch that computes the mask where it multiplies (and again for the gradient); else
 * the mask as a tensor and a multiply, the mask kept for the backward pass. The values are the same.
 */
export function dropout(x: T, site: DropoutSite): T {
  if (registered(DROPOUT_KERNEL)) return run(DROPOUT_KERNEL, { x }, { rate: site.rate, seed: site.seed >>> 0 } satisfies DropoutAttrs);
  return tf.mul(x, dropoutMask(x.shape, site.rate, site.seed));
}

/**
 * LayerNorm(dropout(x) + residual), BERT's `LayerNorm(dropout(dense(h)) + h)`; `site` null when dropout is off
 * (evaluation). Where the backend has the fused kernel the mask, the add and the normalisation are one
 * dispatch; else dropout() then addLayerNorm(), with the same values.
 */
export function dropoutAddLayerNorm(x: T, residual: T, gamma: T, beta: T, eps: number, site: DropoutSite | null): T {
  if (!site) return addLayerNorm(x, residual, gamma, beta, eps);
  if (registered(DROPOUT_ADD_LAYER_NORM_KERNEL)) {
    return run(DROPOUT_ADD_LAYER_NORM_KERNEL, { x, residual, gamma, beta }, { eps, rate: site.rate, seed: site.seed >>> 0 } satisfies DropoutLayerNormAttrs);
  }
  return addLayerNorm(dropout(x, site), residual, gamma, beta, eps);
}

/**
 * Scaled dot-product attention of the fused projections qkv [batch*seq, 3*hidden] (query | key | value, each
 * head-major as HF splits them) → context [batch*seq, hidden]. `maskBias` [batch, 1, 1, seq] is HF's additive
 * padding mask; `site` (training) applies dropout to the probabilities with the mask
 * dropoutMask([batch·heads, seq, seq], rate, seed). The backward pass uses torch's softmax gradient
 * p·(dp − Σ p·dp).
 * Where the backend has the attention kernel (webgpu: one dispatch) it computes the context; with dropout only
 * where it also has the gradient kernel (webgpu with trainFused: two dispatches, the mask computed from its
 * seed). Its gradient is that kernel, or without one the composed backward pass on recomputed probabilities.
 * Elsewhere attention is composed of tf ops and autodiff keeps the probabilities and the mask.
 */
export function attention(qkv: T, shape: AttentionShape, maskBias: T | null, site: DropoutSite | null): T {
  if (registered(ATTENTION_KERNEL) && (!site || registered(ATTENTION_GRAD_KERNEL))) return attentionThroughKernels(qkv, shape, maskBias, site);
  return attentionComposedOp(qkv, shape, maskBias, site);
}

/** The attention kernel, its gradient through the gradient kernel or recomputed (customGrad: the mask input is optional). */
function attentionThroughKernels(qkv: T, shape: AttentionShape, maskBias: T | null, site: DropoutSite | null): T {
  const attrs = attentionAttrs(shape, site);
  const op = tf.customGrad((...args: Arg[]) => {
    const x = args[0] as T;
    const save = args[1] as tf.GradSaveFunc;
    const gradKernel = registered(ATTENTION_GRAD_KERNEL);
    const ctx = run(ATTENTION_KERNEL, maskBias ? { qkv: x, mask: maskBias } : { qkv: x }, attrs);
    save(gradKernel ? [x, ctx] : [x]);
    return {
      value: ctx,
      gradFunc: (dy: T, saved: T[]) => [
        gradKernel
          ? run(ATTENTION_GRAD_KERNEL, maskBias ? { qkv: saved[0], ctx: saved[1], dy, mask: maskBias } : { qkv: saved[0], ctx: saved[1], dy }, attrs)
          : attentionComposedBackward(saved[0], dy, shape, maskBias, site),
      ],
    };
  });
  return op(qkv);
}

/** q, k, v [B·nh, S, dh] and the probabilities [B·nh, S, S] from the fused projections. */
function attentionProbabilities(x: T, shape: AttentionShape, maskBias: T | null) {
  const { batch: B, seq: S, heads: nh, headSize: dh } = shape;
  const [q, k, v] = splitHeads(x, shape);
  let scores = tf.mul(batchMatMul(q, k, false, true), 1 / Math.sqrt(dh));
  if (maskBias) scores = tf.reshape(tf.add(tf.reshape(scores, [B, nh, S, S]), maskBias), [B * nh, S, S]);
  return { q, k, v, probs: tf.softmax(scores, -1) };
}

/** d(qkv) from dy [B·S, H]; `used` are the probabilities after dropout, `mask` the dropout multiplier. */
function attentionBackward(dy: T, shape: AttentionShape, q: T, k: T, v: T, probs: T, used: T, mask: T | null): T {
  const [dctx] = splitHeads(dy, shape);
  let dprobs = batchMatMul(dctx, v, false, true);
  const dv = batchMatMul(used, dctx, true, false);
  if (mask) dprobs = tf.mul(dprobs, mask);
  const dscores = softmaxGrad(probs, dprobs, 1 / Math.sqrt(shape.headSize));
  const dq = batchMatMul(dscores, k);
  const dk = batchMatMul(dscores, q, true, false);
  return mergeHeads(tf.stack([dq, dk, dv]), shape);
}

/**
 * x [B·S, P·nh·dh] → P tensors [B·nh, S, dh] (P = 3 for the fused query|key|value projections, 1 for a context's
 * gradient): through its kernel where the backend has one (cpu, wasm: row copies), else a tf transpose.
 */
export function splitHeads(x: T, shape: AttentionShape): T[] {
  if (registered(SPLIT_HEADS_KERNEL)) return runMany(SPLIT_HEADS_KERNEL, { x }, { ...shape });
  const { batch: B, seq: S, heads: nh, headSize: dh } = shape;
  const parts = (x.shape[1] as number) / (nh * dh);
  return tf.tidy(() => tf.unstack(tf.reshape(tf.transpose(tf.reshape(x, [B, S, parts, nh, dh]), [2, 0, 3, 1, 4]), [parts, B * nh, S, dh]), 0));
}

/** The inverse of splitHeads for x [P, B·nh, S, dh] → [B·S, P·nh·dh], through its kernel where there is one. */
export function mergeHeads(x: T, shape: AttentionShape): T {
  if (registered(MERGE_HEADS_KERNEL)) return run(MERGE_HEADS_KERNEL, { x }, { ...shape });
  const { batch: B, seq: S, heads: nh, headSize: dh } = shape;
  const parts = x.shape[0];
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [parts, B, nh, S, dh]), [1, 3, 0, 2, 4]), [B * S, parts * nh * dh]));
}

/** op(a)·op(b) for rank-3 a and b: through its kernel where the backend has one (wasm: XNNPACK per slice), else tf.matMul. */
export function batchMatMul(a: T, b: T, transposeA = false, transposeB = false): T {
  if (registered(BATCH_MATMUL_KERNEL)) return run(BATCH_MATMUL_KERNEL, { a, b }, { transposeA, transposeB });
  return tf.matMul(a, b, transposeA, transposeB);
}

/**
 * scale·P⊙(dP − Σⱼ P⊙dP), the softmax's gradient (torch's formula): through its kernel where the backend has one
 * (the CPU backends: the row sums in float64), else composed of float32 tf ops.
 */
export function softmaxGrad(probs: T, dprobs: T, scale: number): T {
  if (registered(SOFTMAX_GRAD_KERNEL)) return run(SOFTMAX_GRAD_KERNEL, { probs, dprobs }, { scale });
  return tf.tidy(() => tf.mul(tf.mul(probs, tf.sub(dprobs, tf.sum(tf.mul(dprobs, probs), -1, true))), scale));
}

/** The attention mask of a dropout site, or null. */
function attentionMask(shape: AttentionShape, site: DropoutSite | null): T | null {
  return site ? dropoutMask([shape.batch * shape.heads, shape.seq, shape.seq], site.rate, site.seed) : null;
}

/** The context from the probabilities (after dropout), as [B·S, H]. */
function attentionContext(used: T, v: T, shape: AttentionShape): T {
  return mergeHeads(tf.expandDims(batchMatMul(used, v), 0), shape);
}

/** Attention composed of tf ops, forward only (no tape): the attention kernel of backends without a program for it. */
export function attentionComposed(qkv: T, shape: AttentionShape, maskBias: T | null, site: DropoutSite | null): T {
  return tf.tidy(() => {
    const { v, probs } = attentionProbabilities(qkv, shape, maskBias);
    const mask = attentionMask(shape, site);
    return attentionContext(mask ? tf.mul(probs, mask) : probs, v, shape);
  });
}

/** d(qkv) with the probabilities (and the dropout mask) recomputed from qkv: the gradient kernel's composed form. */
export function attentionComposedBackward(qkv: T, dy: T, shape: AttentionShape, maskBias: T | null, site: DropoutSite | null): T {
  return tf.tidy(() => {
    const { q, k, v, probs } = attentionProbabilities(qkv, shape, maskBias);
    const mask = attentionMask(shape, site);
    return attentionBackward(dy, shape, q, k, v, probs, mask ? tf.mul(probs, mask) : probs, mask);
  });
}

/** The composed attention op: tf ops forward, the probabilities (and mask) kept for the backward pass. */
function attentionComposedOp(qkv: T, shape: AttentionShape, maskBias: T | null, site: DropoutSite | null): T {
  const op = tf.customGrad((...args: Arg[]) => {
    const x = args[0] as T;
    const save = args[1] as tf.GradSaveFunc;
    const { q, k, v, probs } = attentionProbabilities(x, shape, maskBias);
    const mask = attentionMask(shape, site);
    const used = mask ? tf.mul(probs, mask) : probs;
    const value = attentionContext(used, v, shape);
    save(mask ? [q, k, v, probs, used, mask] : [q, k, v, probs]);
    return {
      value,
      gradFunc: (dy: T, saved: T[]) => {
        const [qs, ks, vs, ps] = saved;
        return [attentionBackward(dy, shape, qs, ks, vs, ps, saved.length > 4 ? saved[4] : ps, saved.length > 5 ? saved[5] : null)];
      },
    };
  });
  return op(qkv);
}

// ---------------------------------------------------------------- gradients

type GradFunc = (dy: T | T[], saved: T[], attrs: tf.NamedAttrMap) => Record<string, () => T>;
type Gradient = { kernelName: string; inputsToSave?: string[]; gradFunc: GradFunc };

/** op(a)·op(b)'s gradients as products of the same kernel (what tfjs's BatchMatMul gradient does), and Σ dy for the bias. */
const matMulGrad: GradFunc = (dy, saved, attrs) => {
  const [a, b] = saved;
  const g = dy as T;
  const { transposeA: tA, transposeB: tB, activation: act } = attrs as unknown as MatMulAttrs;
  if (act !== "linear") throw new Error(`${MATMUL_KERNEL} with activation "${act}" has no gradient (linearGelu composes linear and gelu under a gradient tape)`);
  const [da, db] = !tA && !tB ? [() => matMul(g, b, false, true), () => matMul(a, g, true, false)]
    : !tA && tB ? [() => matMul(g, b), () => matMul(g, a, true, false)]
    : tA && !tB ? [() => matMul(b, g, false, true), () => matMul(a, g)]
    : [() => matMul(b, g, true, true), () => matMul(g, a, true, true)];
  return { a: da, b: db, bias: () => sumRows(g) };
};

/** [dx, dgamma, dbeta] of LayerNorm at x, by the gradient kernel (all three at once, handed out by name). */
function layerNormGrads(x: T, gamma: T, dy: T, eps: number): { dx: T; dgamma: T; dbeta: T } {
  const [dx, dgamma, dbeta] = runMany(LAYER_NORM_GRAD_KERNEL, { x, gamma, dy }, { eps } satisfies LayerNormAttrs);
  return { dx, dgamma, dbeta };
}

const GRADIENTS: Gradient[] = [
  { kernelName: MATMUL_KERNEL, inputsToSave: ["a", "b"], gradFunc: matMulGrad },
  {
    kernelName: LAYER_NORM_KERNEL,
    inputsToSave: ["x", "gamma"],
    gradFunc: (dy, [x, gamma], attrs) => {
      const g = layerNormGrads(x, gamma, dy as T, (attrs as unknown as LayerNormAttrs).eps);
      return { x: () => g.dx, gamma: () => g.dgamma, beta: () => g.dbeta };
    },
  },
  {
    // The gradient at x + residual, which both summands get (the sum re-added rather than kept).
    kernelName: ADD_LAYER_NORM_KERNEL,
    inputsToSave: ["x", "residual", "gamma"],
    gradFunc: (dy, [x, residual, gamma], attrs) => {
      const sum = tf.add(x, residual);
      const g = layerNormGrads(sum, gamma, dy as T, (attrs as unknown as LayerNormAttrs).eps);
      sum.dispose();
      return { x: () => g.dx, residual: () => tf.clone(g.dx), gamma: () => g.dgamma, beta: () => g.dbeta };
    },
  },
  {
    kernelName: DROPOUT_ADD_LAYER_NORM_KERNEL,
    inputsToSave: ["x", "residual", "gamma"],
    gradFunc: (dy, [x, residual, gamma], attrs) => {
      const [dx, dresidual, dgamma, dbeta] = runMany(DROPOUT_ADD_LAYER_NORM_GRAD_KERNEL, { x, residual, gamma, dy: dy as T }, attrs);
      return { x: () => dx, residual: () => dresidual, gamma: () => dgamma, beta: () => dbeta };
    },
  },
  {
    kernelName: EMBEDDING_KERNEL,
    inputsToSave: ["table", "ids"],
    gradFunc: (dy, [table, ids]) => ({ table: () => run(EMBEDDING_GRAD_KERNEL, { ids, dy: dy as T }, { rows: table.shape[0] }), ids: () => tf.zerosLike(ids) }),
  },
  { kernelName: GELU_KERNEL, inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => run(GELU_GRAD_KERNEL, { x, dy: dy as T }) }) },
  // dy times the same mask: the kernel again, on dy.
  { kernelName: DROPOUT_KERNEL, gradFunc: (dy, _saved, attrs) => ({ x: () => run(DROPOUT_KERNEL, { x: dy as T }, attrs) }) },
];

// ---------------------------------------------------------------- composed kernels (cpu, wasm, tensorflow)

const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** x̂ = (x − mean)·rstd over the last axis, and rstd (biased variance, as torch). */
function normalized(x: T, eps: number): { xhat: T; rstd: T } {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  const rstd = tf.rsqrt(tf.add(variance, eps));
  return { xhat: tf.mul(xc, rstd), rstd };
}

/** Φ(x) = (1 + erf(x/√2))/2. */
function normalCdf(x: T): T {
  return tf.mul(tf.add(tf.erf(tf.mul(x, INV_SQRT_2)), 1), 0.5);
}

/**
 * The kernels composed of tf ops, as tensor functions (no tape: they run inside kernel calls). The backends
 * without programs of their own run these; the webgpu kernels fall back on them beyond their programs' limits.
 */
export const composed = {
  layerNorm(x: T, gamma: T, beta: T, eps: number): T {
    return tf.tidy(() => tf.add(tf.mul(normalized(x, eps).xhat, gamma), beta));
  },
  /** [dx, dgamma, dbeta]: dx = (dy·g − mean(dy·g) − x̂·mean(dy·g·x̂))·rstd, x̂ and rstd recomputed from x. */
  layerNormGrad(x: T, gamma: T, dy: T, eps: number): T[] {
    return tf.tidy(() => {
      const { xhat, rstd } = normalized(x, eps);
      const dxhat = tf.mul(dy, gamma);
      const m1 = tf.mean(dxhat, -1, true);
      const m2 = tf.mean(tf.mul(dxhat, xhat), -1, true);
      const dx = tf.mul(tf.sub(tf.sub(dxhat, m1), tf.mul(xhat, m2)), rstd);
      return [dx, sumRows(tf.mul(dy, xhat)), sumRows(dy)];
    });
  },
  gelu(x: T): T {
    return tf.tidy(() => tf.mul(x, normalCdf(x)));
  },
  /** dy·(Φ(x) + x·φ(x)). */
  geluGrad(x: T, dy: T): T {
    return tf.tidy(() => {
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), INV_SQRT_2PI);
      return tf.mul(dy, tf.add(normalCdf(x), tf.mul(x, pdf)));
    });
  },
  /** The matMul kernel through tfjs's matMul (see composedMatMul), GELU through the backend's GELU kernel. */
  matMul(explicitTranspose: boolean) {
    const product = composedMatMul(explicitTranspose);
    return (a: T, b: T, attrs: MatMulAttrs, bias?: T): T => {
      const y = product(a, b, attrs.transposeA, attrs.transposeB, bias);
      if (attrs.activation !== "gelu") return y;
      const out = gelu(y);
      y.dispose();
      return out;
    };
  },
  attention: attentionComposed,
  attentionBackward: attentionComposedBackward,
};

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type KernelFunc = (args: KernelArgs) => T | T[] | tf.TensorInfo | tf.TensorInfo[];

const input = (args: KernelArgs, name: string) => args.inputs[name] as T;
const attr = <A>(args: KernelArgs) => args.attrs as unknown as A;

/**
 * The kernel configs of the composed kernels for `backendName`: the kernel ops' implementations on cpu, wasm
 * (explicit transposes: XNNPACK's fast path) and tensorflow, and on webgpu when its own kernels are turned off.
 */
export function composedKernelConfigs(backendName: string): tf.KernelConfig[] {
  const mm = composed.matMul(backendName === "wasm");
  const kernels: Array<[string, KernelFunc]> = [
    [LAYER_NORM_KERNEL, (a) => composed.layerNorm(input(a, "x"), input(a, "gamma"), input(a, "beta"), attr<LayerNormAttrs>(a).eps)],
    [ADD_LAYER_NORM_KERNEL, (a) => tf.tidy(() => composed.layerNorm(tf.add(input(a, "x"), input(a, "residual")), input(a, "gamma"), input(a, "beta"), attr<LayerNormAttrs>(a).eps))],
    [LAYER_NORM_GRAD_KERNEL, (a) => composed.layerNormGrad(input(a, "x"), input(a, "gamma"), input(a, "dy"), attr<LayerNormAttrs>(a).eps)],
    [GELU_KERNEL, (a) => composed.gelu(input(a, "x"))],
    [GELU_GRAD_KERNEL, (a) => composed.geluGrad(input(a, "x"), input(a, "dy"))],
    [MATMUL_KERNEL, (a) => mm(input(a, "a"), input(a, "b"), attr<MatMulAttrs>(a), a.inputs.bias ? input(a, "bias") : undefined)],
  ];
  const byName = new Map(kernels);
  for (const [name, func] of hostKernels(backendName, byName)) byName.set(name, func);
  return [...byName].map(([kernelName, kernelFunc]) => ({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc }));
}

/**
 * The kernels of the backends whose tensors are host arrays (src/backends/host/): cpu and wasm get the softmax
 * gradient, LayerNorm's gradient and the row sums in float64, the heads' layout and the embedding lookups as
 * row copies. On wasm the
 * products (BERT's linear layers and attention's batched products), GELU with its gradient and the LayerNorm
 * forward passes run in ONNX Runtime's MLAS on every core where onnxruntime-node loads (products 5–8× XNNPACK's
 * one thread here), else as before: the batched products per slice on XNNPACK, GELU and LayerNorm as tf ops;
 * cpu keeps tfjs's own products, GELU and LayerNorm (the plain-JavaScript reference backend).
 * Not tensorflow: its transposes and batched products are native, and with tfjs-node-gpu its tensors live on
 * the GPU, where reading them on the host would stall (its softmax gradient stays the float32 composed form).
 */
function hostKernels(backendName: string, composedKernels: Map<string, KernelFunc>): Array<[string, KernelFunc]> {
  if (backendName !== "cpu" && backendName !== "wasm") return [];
  const info = (args: KernelArgs, name: string) => args.inputs[name] as unknown as tf.TensorInfo;
  const kernels: Array<[string, KernelFunc]> = [
    [SOFTMAX_GRAD_KERNEL, (a) => host.softmaxGrad(a.backend, info(a, "probs"), info(a, "dprobs"), attr<{ scale: number }>(a).scale)],
    [SPLIT_HEADS_KERNEL, (a) => host.splitHeads(a.backend, info(a, "x"), attr<AttentionShape>(a))],
    [MERGE_HEADS_KERNEL, (a) => host.mergeHeads(a.backend, info(a, "x"), attr<AttentionShape>(a))],
    [SUM_ROWS_KERNEL, (a) => host.sumRows(a.backend, info(a, "x"))],
    [LAYER_NORM_GRAD_KERNEL, (a) => host.layerNormGrad(a.backend, info(a, "x"), info(a, "gamma"), info(a, "dy"), attr<LayerNormAttrs>(a).eps)],
    [DROPOUT_MASK_KERNEL, (a) => host.dropoutMask(a.backend, attr<host.DropoutMaskAttrs>(a))],
    [EMBEDDING_KERNEL, (a) => host.embeddingLookup(a.backend, info(a, "table"), info(a, "ids"))],
    [EMBEDDING_GRAD_KERNEL, (a) => host.embeddingGrad(a.backend, info(a, "ids"), info(a, "dy"), attr<{ rows: number }>(a).rows)],
  ];
  if (backendName !== "wasm") return kernels;
  const composedMatMulKernel = composedKernels.get(MATMUL_KERNEL) as KernelFunc;
  const composedGelu = composedKernels.get(GELU_KERNEL) as KernelFunc;
  const composedLayerNorm = composedKernels.get(LAYER_NORM_KERNEL) as KernelFunc;
  const composedAddLayerNorm = composedKernels.get(ADD_LAYER_NORM_KERNEL) as KernelFunc;
  const composedGeluGrad = composedKernels.get(GELU_GRAD_KERNEL) as KernelFunc;
  const nativeOr = (fallback: KernelFunc, a: KernelArgs, compute: (native: NativeKernels) => tf.TensorInfo) => {
    const native = nativeKernels();
    return native ? compute(native) : fallback(a);
  };
  kernels.push(
    [LAYER_NORM_KERNEL, (a) => nativeOr(composedLayerNorm, a, (native) => host.nativeLayerNorm(native, a.backend, info(a, "x"), null, info(a, "gamma"), info(a, "beta"), attr<LayerNormAttrs>(a).eps))],
    [ADD_LAYER_NORM_KERNEL, (a) => nativeOr(composedAddLayerNorm, a, (native) => host.nativeLayerNorm(native, a.backend, info(a, "x"), info(a, "residual"), info(a, "gamma"), info(a, "beta"), attr<LayerNormAttrs>(a).eps))],
    [GELU_KERNEL, (a) => nativeOr(composedGelu, a, (native) => host.nativeGelu(native, a.backend, info(a, "x")))],
    [GELU_GRAD_KERNEL, (a) => nativeOr(composedGeluGrad, a, (native) => host.nativeGeluGrad(native, a.backend, info(a, "x"), info(a, "dy")))],
    [
      MATMUL_KERNEL,
      (a) =>
        nativeOr(composedMatMulKernel, a, (native) => {
          const { transposeA, transposeB, activation: act } = attr<MatMulAttrs>(a);
          const y = host.nativeMatMul(native, a.backend, info(a, "a"), info(a, "b"), transposeA, transposeB, a.inputs.bias ? info(a, "bias") : undefined);
          return act === "gelu" ? tf.tidy(() => gelu(tf.engine().makeTensorFromTensorInfo(y))) : y;
        }),
    ],
    [
      BATCH_MATMUL_KERNEL,
      (a) => {
        const { transposeA: tA, transposeB: tB } = attr<{ transposeA: boolean; transposeB: boolean }>(a);
        const slices = () => host.batchMatMulSlices(a.backend, info(a, "a"), info(a, "b"), tA, tB);
        return nativeOr(slices, a, (native) => host.nativeBatchMatMul(native, a.backend, info(a, "a"), info(a, "b"), tA, tB));
      },
    ],
  );
  return kernels;
}

/** The backends whose kernel ops are the composed kernels (webgpu has programs of its own). */
export const COMPOSED_KERNEL_BACKENDS = ["cpu", "wasm", "tensorflow"] as const;

/** Registers the composed kernels for `backendName`, each unless a kernel of that name is already there. */
export function registerComposedKernels(backendName: string): void {
  for (const k of composedKernelConfigs(backendName)) if (!tf.getKernel(k.kernelName, backendName)) tf.registerKernel(k);
}

/** The ops' gradients and the composed kernels, registered when this module is first imported. */
export const opsRegistered: true = (() => {
  for (const g of GRADIENTS) tf.registerGradient(g as unknown as tf.GradConfig);
  for (const b of COMPOSED_KERNEL_BACKENDS) registerComposedKernels(b);
  return true as const;
})();
