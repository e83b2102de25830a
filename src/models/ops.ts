// The BERT building blocks as TensorFlow.js ops with hand-written gradients (tf.customGrad): fewer ops per
// step than autodiff of their pieces, and products arranged for the backend's fast matrix kernel.
// All activations are rank 2 ([tokens, features]); weights use Hugging Face's layouts (Linear: [out, in]).
import { tf } from "../backends/tf";
import { matMulFast } from "../backends/matmul";
import { attentionFused, attentionFusedGrad, dropoutFused, hasFusedAttentionGrad, type DropoutSite, geluFused, hasFusedAttention, hasFusedDropout, hasFusedGelu, hasFusedLayerNorm, layerNormFused, layerNormResidualFused, linearGeluInference, matMulTiled, matMulVec4 } from "../backends/webgpu/index";
import { dropoutMask } from "./dropout";
export { dropoutMask };
export type { DropoutSite };

type T = tf.Tensor;
type Arg = tf.Tensor | tf.GradSaveFunc;

function useExplicitTranspose(): boolean {
  return tf.getBackend() === "wasm";
}

/** x @ W^T + b for x [n, in], W [out, in] (torch.nn.Linear), b [out]. */
const linearOp = tf.customGrad((...args: Arg[]) => {
  const [x, w, b] = args as T[];
  const save = args[3] as tf.GradSaveFunc;
  const value =
    matMulTiled(x, w, false, true, b) ??
    (useExplicitTranspose() ? tf.fused.matMul({ a: x, b: tf.transpose(w), bias: b }) : tf.fused.matMul({ a: x, b: w, transposeB: true, bias: b }));
  save([x, w]);
  return {
    value,
    gradFunc: (dy: T, saved: T[]) => {
      const [xs, ws] = saved;
      // The gradient products go through the vec4 matMul on webgpu (the default variant), else the backend's
      // matMul (on an H100 the scalar tiled program was slower than tfjs's for these two forms).
      return [matMulVec4(dy, ws) ?? matMulFast(dy, ws), matMulVec4(dy, xs, true, false) ?? matMulFast(dy, xs, true, false), sumRows(dy)];
    },
  };
});

export function linear(x: T, w: T, b: T): T {
  return linearOp(x, w, b);
}

const layerNormOps = new Map<number, (x: T, g: T, b: T) => T>();

/** LayerNorm(x + residual): BERT's residual connection; one fused dispatch where the backend has it. */
export function addLayerNorm(x: T, residual: T, gamma: T, beta: T, eps: number): T {
  const fused = hasFusedLayerNorm() ? layerNormResidualFused(x, residual, gamma, beta, eps) : null;
  return fused ?? layerNorm(tf.add(x, residual), gamma, beta, eps);
}

/**
 * Inverted dropout: x times dropoutMask(x.shape, rate, seed). On webgpu one dispatch that computes the mask where
 * it multiplies (and again for the gradient) instead of building the mask as a tensor and multiplying by it.
 */
export function dropout(x: T, site: DropoutSite): T {
  return dropoutFused(x, site) ?? tf.mul(x, dropoutMask(x.shape, site.rate, site.seed));
}

/**
 * LayerNorm(dropout(x) + residual), BERT's `LayerNorm(dropout(dense(h)) + h)`; `site` null when dropout is off
 * (evaluation). On webgpu the mask, the add and the normalisation are one dispatch; the values are those of
 * dropout() followed by addLayerNorm().
 */
export function dropoutAddLayerNorm(x: T, residual: T, gamma: T, beta: T, eps: number, site: DropoutSite | null): T {
  if (!site) return addLayerNorm(x, residual, gamma, beta, eps);
  const fused = hasFusedLayerNorm() && hasFusedDropout() ? layerNormResidualFused(x, residual, gamma, beta, eps, site) : null;
  return fused ?? addLayerNorm(dropout(x, site), residual, gamma, beta, eps);
}

/** LayerNorm over the last axis (biased variance, as torch.nn.LayerNorm), x [n, h], gamma/beta [h]. */
export function layerNorm(x: T, gamma: T, beta: T, eps: number): T {
  const fused = hasFusedLayerNorm() ? layerNormFused(x, gamma, beta, eps) : null;
  if (fused) return fused;
  let op = layerNormOps.get(eps);
  if (!op) {
    op = tf.customGrad((...args: Arg[]) => {
      const [xi, g, b] = args as T[];
      const save = args[3] as tf.GradSaveFunc;
      const mean = tf.mean(xi, -1, true);
      const xc = tf.sub(xi, mean);
      const variance = tf.mean(tf.square(xc), -1, true);
      const rstd = tf.rsqrt(tf.add(variance, eps));
      const xhat = tf.mul(xc, rstd);
      const value = tf.add(tf.mul(xhat, g), b);
      save([xhat, rstd, g]);
      return {
        value,
        gradFunc: (dy: T, saved: T[]) => {
          const [xh, rs, gs] = saved;
          const dxhat = tf.mul(dy, gs);
          const m1 = tf.mean(dxhat, -1, true);
          const m2 = tf.mean(tf.mul(dxhat, xh), -1, true);
          const dx = tf.mul(tf.sub(tf.sub(dxhat, m1), tf.mul(xh, m2)), rs);
          return [dx, sumRows(tf.mul(dy, xh)), sumRows(dy)];
        },
      };
    }) as (x: T, g: T, b: T) => T;
    layerNormOps.set(eps, op);
  }
  return op(x, gamma, beta);
}

const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (torch's default "gelu"). */
const geluOp = tf.customGrad((...args: Arg[]) => {
  const x = args[0] as T;
  const save = args[1] as tf.GradSaveFunc;
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, INV_SQRT_2)), 1), 0.5);
  const value = tf.mul(x, cdf);
  save([x, cdf]);
  return {
    value,
    gradFunc: (dy: T, saved: T[]) => {
      const [xs, c] = saved;
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), INV_SQRT_2PI);
      return [tf.mul(dy, tf.add(c, tf.mul(xs, pdf)))];
    },
  };
});

export function gelu(x: T): T {
  return (hasFusedGelu() ? geluFused(x) : null) ?? geluOp(x);
}

/** GELU's tanh approximation ("gelu_new" / "gelu_pytorch_tanh"), through autodiff. */
export function geluTanh(x: T): T {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  });
}

/**
 * activation(name, linear(x, w, b)): BERT's intermediate layer. With exact GELU and no gradient being recorded
 * (evaluation, the pipeline) the webgpu backend does it in one dispatch, GELU applied as the product is stored.
 */
export function linearActivation(name: string, x: T, w: T, b: T): T {
  const fused = name === "gelu" ? linearGeluInference(x, w, b) : null;
  return fused ?? activation(name, linear(x, w, b));
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
 * Sum over the rows of x [n, h] → [h], in two levels (blocks of ≈√n rows, then the block sums): float32
 * error grows with √n instead of n, which keeps parameter gradients (sums over all tokens) accurate.
 */
export function sumRows(x: T): T {
  const [n, h] = x.shape;
  const block = Math.max(1, Math.round(Math.sqrt(n)));
  if (n < 64 || n % block !== 0) return tf.sum(x, 0);
  return tf.sum(tf.sum(tf.reshape(x, [n / block, block, h]), 1), 0);
}

export interface AttentionShape {
  batch: number;
  seq: number;
  heads: number;
  headSize: number;
}

/**
 * Scaled dot-product attention of the fused projections qkv [batch*seq, 3*hidden] (query | key | value, each
 * head-major as HF splits them) → context [batch*seq, hidden]. `maskBias` [batch, 1, 1, seq] is HF's additive
 * padding mask; `dropout` (training) applies dropout to the probabilities with the mask
 * dropoutMask([batch·heads, seq, seq], rate, seed). The backward pass uses torch's softmax gradient
 * p·(dp − Σ p·dp). On webgpu (head size ≤ 64) the forward pass is one dispatch and the backward two
 * (src/backends/webgpu/attention.ts, attentionGrad.ts), dropout included, the mask computed from its seed.
 */
export function attention(qkv: T, shape: AttentionShape, maskBias: T | null, dropout: DropoutSite | null): T {
  const { batch: B, seq: S, heads: nh, headSize: dh } = shape;
  const H = nh * dh;
  const scale = 1 / Math.sqrt(dh);
  /** q, k, v [B·nh, S, dh] and the probabilities [B·nh, S, S] from the fused projections, with tf ops. */
  const probabilities = (x: T) => {
    const heads = tf.reshape(tf.transpose(tf.reshape(x, [B, S, 3, nh, dh]), [2, 0, 3, 1, 4]), [3, B * nh, S, dh]);
    const [q, k, v] = tf.unstack(heads, 0);
    let scores = tf.mul(tf.matMul(q, k, false, true), scale);
    if (maskBias) scores = tf.reshape(tf.add(tf.reshape(scores, [B, nh, S, S]), maskBias), [B * nh, S, S]);
    return { q, k, v, probs: tf.softmax(scores, -1) };
  };
  /** d(qkv) from dy [B·S, H]; `used` are the probabilities after dropout, `mask` the dropout multiplier. */
  const backward = (dy: T, q: T, k: T, v: T, probs: T, used: T, mask: T | null): T => {
    const dctx = tf.reshape(tf.transpose(tf.reshape(dy, [B, S, nh, dh]), [0, 2, 1, 3]), [B * nh, S, dh]);
    let dprobs = tf.matMul(dctx, v, false, true);
    const dv = tf.matMul(used, dctx, true, false);
    if (mask) dprobs = tf.mul(dprobs, mask);
    const dscores = tf.mul(tf.mul(probs, tf.sub(dprobs, tf.sum(tf.mul(dprobs, probs), -1, true))), scale);
    const dq = tf.matMul(dscores, k);
    const dk = tf.matMul(dscores, q, true, false);
    const stacked = tf.reshape(tf.stack([dq, dk, dv]), [3, B, nh, S, dh]);
    return tf.reshape(tf.transpose(stacked, [1, 3, 0, 2, 4]), [B * S, 3 * H]);
  };

  if (hasFusedAttention(dh) && hasFusedAttentionGrad(dh)) {
    const fused = tf.customGrad((...args: Arg[]) => {
      const x = args[0] as T;
      const save = args[1] as tf.GradSaveFunc;
      const ctx = attentionFused(x, shape, maskBias, dropout);
      save([x, ctx]);
      return { value: ctx, gradFunc: (dy: T, saved: T[]) => [attentionFusedGrad(saved[0], saved[1], dy, shape, maskBias, dropout)] };
    });
    return fused(qkv);
  }
  // Head sizes the gradient kernel does not take, without attention dropout: one dispatch forward; the backward
  // pass (when there is one) recomputes the probabilities with tf ops.
  if (!dropout && hasFusedAttention(dh)) {
    const fused = tf.customGrad((...args: Arg[]) => {
      const x = args[0] as T;
      const save = args[1] as tf.GradSaveFunc;
      save([x]);
      return {
        value: attentionFused(x, shape, maskBias),
        gradFunc: (dy: T, saved: T[]) => {
          const { q, k, v, probs } = probabilities(saved[0]);
          return [backward(dy, q, k, v, probs, probs, null)];
        },
      };
    });
    return fused(qkv);
  }

  const op = tf.customGrad((...args: Arg[]) => {
    const x = args[0] as T;
    const save = args[1] as tf.GradSaveFunc;
    const { q, k, v, probs } = probabilities(x);
    const mask = dropout ? dropoutMask([B * nh, S, S], dropout.rate, dropout.seed) : null;
    const used = mask ? tf.mul(probs, mask) : probs;
    const ctx = tf.matMul(used, v);
    const value = tf.reshape(tf.transpose(tf.reshape(ctx, [B, nh, S, dh]), [0, 2, 1, 3]), [B * S, H]);
    save(mask ? [q, k, v, probs, used, mask] : [q, k, v, probs]);
    return {
      value,
      gradFunc: (dy: T, saved: T[]) => {
        const [qs, ks, vs, ps] = saved;
        return [backward(dy, qs, ks, vs, ps, saved.length > 4 ? saved[4] : ps, saved.length > 5 ? saved[5] : null)];
      },
    };
  });
  return op(qkv);
}
