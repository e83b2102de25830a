// An independent float64 BertForSequenceClassification forward + backward in plain loops (no TensorFlow.js),
// for the golden tests: it computes what the model computes with exact-enough arithmetic, so the tests can
// tell the float32 rounding of PyTorch's golden values apart from errors of the TensorFlow.js model.
// Dropout is off (the golden model has dropout 0); attention uses HF's additive float32-min padding mask.

export interface RefConfig {
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  eps: number;
}

export type RefWeights = Map<string, Float32Array>;

export interface RefResult {
  logits: Float64Array;
  /** [batch*seq*hidden] per entry: embeddings output, then each layer's output. */
  hiddenStates: Float64Array[];
  pooled: Float64Array;
  loss: number;
  grads: Map<string, Float64Array>;
}

/** erf in double precision: Taylor series near 0, continued fraction for erfc beyond. */
export function erf64(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    const x2 = ax * ax;
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * sum * (2 / Math.sqrt(Math.PI));
  }
  let f = 0;
  for (let k = 80; k >= 1; k--) f = k / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

function get(w: RefWeights, name: string): Float32Array {
  const v = w.get(name);
  if (!v) throw new Error(`reference: missing weight ${name}`);
  return v;
}

/** y[n,out] = x[n,in] W^T + b. */
function linear(x: Float64Array, n: number, inp: number, W: Float32Array, b: Float32Array, out: number): Float64Array {
  const y = new Float64Array(n * out);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < out; o++) {
      let s = b[o];
      for (let k = 0; k < inp; k++) s += x[i * inp + k] * W[o * inp + k];
      y[i * out + o] = s;
    }
  }
  return y;
}

/** Gradients of linear: returns dx, accumulates dW/db into grads. */
function linearBack(dy: Float64Array, x: Float64Array, n: number, inp: number, W: Float32Array, out: number, dW: Float64Array, db: Float64Array): Float64Array {
  const dx = new Float64Array(n * inp);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < out; o++) {
      const g = dy[i * out + o];
      if (g === 0) continue;
      db[o] += g;
      for (let k = 0; k < inp; k++) {
        dx[i * inp + k] += g * W[o * inp + k];
        dW[o * inp + k] += g * x[i * inp + k];
      }
    }
  }
  return dx;
}

interface LnCache {
  xhat: Float64Array;
  rstd: Float64Array;
}

function layerNorm(x: Float64Array, n: number, h: number, g: Float32Array, b: Float32Array, eps: number): { y: Float64Array; c: LnCache } {
  const y = new Float64Array(n * h);
  const xhat = new Float64Array(n * h);
  const rstd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let j = 0; j < h; j++) mean += x[i * h + j];
    mean /= h;
    let v = 0;
    for (let j = 0; j < h; j++) v += (x[i * h + j] - mean) ** 2;
    v /= h;
    const r = 1 / Math.sqrt(v + eps);
    rstd[i] = r;
    for (let j = 0; j < h; j++) {
      const xh = (x[i * h + j] - mean) * r;
      xhat[i * h + j] = xh;
      y[i * h + j] = xh * g[j] + b[j];
    }
  }
  return { y, c: { xhat, rstd } };
}

function layerNormBack(dy: Float64Array, c: LnCache, n: number, h: number, g: Float32Array, dg: Float64Array, db: Float64Array): Float64Array {
  const dx = new Float64Array(n * h);
  for (let i = 0; i < n; i++) {
    let m1 = 0;
    let m2 = 0;
    for (let j = 0; j < h; j++) {
      const d = dy[i * h + j];
      const dxh = d * g[j];
      m1 += dxh;
      m2 += dxh * c.xhat[i * h + j];
      dg[j] += d * c.xhat[i * h + j];
      db[j] += d;
    }
    m1 /= h;
    m2 /= h;
    for (let j = 0; j < h; j++) dx[i * h + j] = c.rstd[i] * (dy[i * h + j] * g[j] - m1 - c.xhat[i * h + j] * m2);
  }
  return dx;
}

const FLOAT32_MIN = -3.4028234663852886e38;

/** Forward and backward of the mean cross-entropy of (ids, mask, labels) [batch, seq]. */
export function referenceForwardBackward(
  w: RefWeights,
  cfg: RefConfig,
  ids: Int32Array,
  mask: Int32Array,
  labels: Int32Array,
  batch: number,
  seq: number,
): RefResult {
  const { hidden: H, heads: nh, intermediate: I, eps } = cfg;
  const dh = H / nh;
  const N = batch * seq;
  const grads = new Map<string, Float64Array>();
  for (const [k, v] of w) grads.set(k, new Float64Array(v.length));
  const G = (name: string) => grads.get(name)!;
  const W = (name: string) => get(w, name);
  const scale = 1 / Math.sqrt(dh);

  // Embeddings.
  const word = W("bert.embeddings.word_embeddings.weight");
  const pos = W("bert.embeddings.position_embeddings.weight");
  const tt = W("bert.embeddings.token_type_embeddings.weight");
  const emb = new Float64Array(N * H);
  for (let t = 0; t < N; t++) {
    const s = t % seq;
    for (let j = 0; j < H; j++) emb[t * H + j] = word[ids[t] * H + j] + tt[j] + pos[s * H + j];
  }
  const e = layerNorm(emb, N, H, W("bert.embeddings.LayerNorm.weight"), W("bert.embeddings.LayerNorm.bias"), eps);
  let h = e.y;
  const hiddenStates = [h];
  interface LayerCache {
    x: Float64Array;
    q: Float64Array;
    k: Float64Array;
    v: Float64Array;
    probs: Float64Array;
    ctx: Float64Array;
    c1: LnCache;
    h1: Float64Array;
    inter: Float64Array;
    act: Float64Array;
    c2: LnCache;
  }
  const caches: LayerCache[] = [];
  for (let l = 0; l < cfg.layers; l++) {
    const p = `bert.encoder.layer.${l}.`;
    const x = h;
    const q = linear(x, N, H, W(p + "attention.self.query.weight"), W(p + "attention.self.query.bias"), H);
    const k = linear(x, N, H, W(p + "attention.self.key.weight"), W(p + "attention.self.key.bias"), H);
    const v = linear(x, N, H, W(p + "attention.self.value.weight"), W(p + "attention.self.value.bias"), H);
    const probs = new Float64Array(batch * nh * seq * seq);
    const ctx = new Float64Array(N * H);
    const row = new Float64Array(seq);
    for (let b = 0; b < batch; b++) {
      for (let hd = 0; hd < nh; hd++) {
        for (let i = 0; i < seq; i++) {
          let mx = -Infinity;
          for (let j = 0; j < seq; j++) {
            let s = 0;
            for (let d = 0; d < dh; d++) s += q[(b * seq + i) * H + hd * dh + d] * k[(b * seq + j) * H + hd * dh + d];
            s = s * scale + (1 - mask[b * seq + j]) * FLOAT32_MIN;
            row[j] = s;
            if (s > mx) mx = s;
          }
          let z = 0;
          for (let j = 0; j < seq; j++) {
            row[j] = Math.exp(row[j] - mx);
            z += row[j];
          }
          const base = ((b * nh + hd) * seq + i) * seq;
          for (let j = 0; j < seq; j++) probs[base + j] = row[j] / z;
          for (let d = 0; d < dh; d++) {
            let s = 0;
            for (let j = 0; j < seq; j++) s += probs[base + j] * v[(b * seq + j) * H + hd * dh + d];
            ctx[(b * seq + i) * H + hd * dh + d] = s;
          }
        }
      }
    }
    const ao = linear(ctx, N, H, W(p + "attention.output.dense.weight"), W(p + "attention.output.dense.bias"), H);
    for (let t = 0; t < N * H; t++) ao[t] += x[t];
    const n1 = layerNorm(ao, N, H, W(p + "attention.output.LayerNorm.weight"), W(p + "attention.output.LayerNorm.bias"), eps);
    const inter = linear(n1.y, N, H, W(p + "intermediate.dense.weight"), W(p + "intermediate.dense.bias"), I);
    const act = inter.map((z) => 0.5 * z * (1 + erf64(z / Math.SQRT2)));
    const o = linear(act, N, I, W(p + "output.dense.weight"), W(p + "output.dense.bias"), H);
    for (let t = 0; t < N * H; t++) o[t] += n1.y[t];
    const n2 = layerNorm(o, N, H, W(p + "output.LayerNorm.weight"), W(p + "output.LayerNorm.bias"), eps);
    caches.push({ x, q, k, v, probs, ctx, c1: n1.c, h1: n1.y, inter, act, c2: n2.c });
    h = n2.y;
    hiddenStates.push(h);
  }
  // Pooler + classifier + loss.
  const first = new Float64Array(batch * H);
  for (let b = 0; b < batch; b++) for (let j = 0; j < H; j++) first[b * H + j] = h[b * seq * H + j];
  const pre = linear(first, batch, H, W("bert.pooler.dense.weight"), W("bert.pooler.dense.bias"), H);
  const pooled = pre.map(Math.tanh);
  const C = W("classifier.bias").length;
  const logits = linear(pooled, batch, H, W("classifier.weight"), W("classifier.bias"), C);
  let loss = 0;
  const dl = new Float64Array(batch * C);
  for (let b = 0; b < batch; b++) {
    let mx = -Infinity;
    for (let c = 0; c < C; c++) mx = Math.max(mx, logits[b * C + c]);
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(logits[b * C + c] - mx);
    loss -= logits[b * C + labels[b]] - mx - Math.log(z);
    for (let c = 0; c < C; c++) dl[b * C + c] = (Math.exp(logits[b * C + c] - mx) / z - (c === labels[b] ? 1 : 0)) / batch;
  }
  loss /= batch;

  // Backward.
  const dpooled = linearBack(dl, pooled, batch, H, W("classifier.weight"), C, G("classifier.weight"), G("classifier.bias"));
  const dpre = dpooled.map((d, i) => d * (1 - pooled[i] * pooled[i]));
  const dfirst = linearBack(dpre, first, batch, H, W("bert.pooler.dense.weight"), H, G("bert.pooler.dense.weight"), G("bert.pooler.dense.bias"));
  let dh2 = new Float64Array(N * H);
  for (let b = 0; b < batch; b++) for (let j = 0; j < H; j++) dh2[b * seq * H + j] = dfirst[b * H + j];
  for (let l = cfg.layers - 1; l >= 0; l--) {
    const p = `bert.encoder.layer.${l}.`;
    const c = caches[l];
    const d2 = layerNormBack(dh2, c.c2, N, H, W(p + "output.LayerNorm.weight"), G(p + "output.LayerNorm.weight"), G(p + "output.LayerNorm.bias"));
    const dact = linearBack(d2, c.act, N, I, W(p + "output.dense.weight"), H, G(p + "output.dense.weight"), G(p + "output.dense.bias"));
    const dinter = dact.map((d, i) => {
      const z = c.inter[i];
      return d * (0.5 * (1 + erf64(z / Math.SQRT2)) + (z * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI));
    });
    const dh1 = linearBack(dinter, c.h1, N, H, W(p + "intermediate.dense.weight"), I, G(p + "intermediate.dense.weight"), G(p + "intermediate.dense.bias"));
    for (let t = 0; t < N * H; t++) dh1[t] += d2[t];
    const d1 = layerNormBack(dh1, c.c1, N, H, W(p + "attention.output.LayerNorm.weight"), G(p + "attention.output.LayerNorm.weight"), G(p + "attention.output.LayerNorm.bias"));
    const dctx = linearBack(d1, c.ctx, N, H, W(p + "attention.output.dense.weight"), H, G(p + "attention.output.dense.weight"), G(p + "attention.output.dense.bias"));
    const dq = new Float64Array(N * H);
    const dk = new Float64Array(N * H);
    const dv = new Float64Array(N * H);
    const dp = new Float64Array(seq);
    for (let b = 0; b < batch; b++) {
      for (let hd = 0; hd < nh; hd++) {
        for (let i = 0; i < seq; i++) {
          const base = ((b * nh + hd) * seq + i) * seq;
          let dot = 0;
          for (let j = 0; j < seq; j++) {
            let s = 0;
            for (let d = 0; d < dh; d++) s += dctx[(b * seq + i) * H + hd * dh + d] * c.v[(b * seq + j) * H + hd * dh + d];
            dp[j] = s;
            dot += s * c.probs[base + j];
            const pij = c.probs[base + j];
            for (let d = 0; d < dh; d++) dv[(b * seq + j) * H + hd * dh + d] += pij * dctx[(b * seq + i) * H + hd * dh + d];
          }
          for (let j = 0; j < seq; j++) {
            const ds = c.probs[base + j] * (dp[j] - dot) * scale;
            if (ds === 0) continue;
            for (let d = 0; d < dh; d++) {
              dq[(b * seq + i) * H + hd * dh + d] += ds * c.k[(b * seq + j) * H + hd * dh + d];
              dk[(b * seq + j) * H + hd * dh + d] += ds * c.q[(b * seq + i) * H + hd * dh + d];
            }
          }
        }
      }
    }
    const dx = new Float64Array(d1);
    for (const [nm, d] of [["query", dq], ["key", dk], ["value", dv]] as const) {
      const part = linearBack(d, c.x, N, H, W(`${p}attention.self.${nm}.weight`), H, G(`${p}attention.self.${nm}.weight`), G(`${p}attention.self.${nm}.bias`));
      for (let t = 0; t < N * H; t++) dx[t] += part[t];
    }
    dh2 = dx;
  }
  const de = layerNormBack(dh2, e.c, N, H, W("bert.embeddings.LayerNorm.weight"), G("bert.embeddings.LayerNorm.weight"), G("bert.embeddings.LayerNorm.bias"));
  const gw = G("bert.embeddings.word_embeddings.weight");
  const gp = G("bert.embeddings.position_embeddings.weight");
  const gt = G("bert.embeddings.token_type_embeddings.weight");
  for (let t = 0; t < N; t++) {
    const s = t % seq;
    for (let j = 0; j < H; j++) {
      const d = de[t * H + j];
      gw[ids[t] * H + j] += d;
      gp[s * H + j] += d;
      gt[j] += d;
    }
  }
  return { logits, hiddenStates, pooled, loss, grads };
}
