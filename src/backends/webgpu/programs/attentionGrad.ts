// The two programs of the attention gradient (kernels/attentionGrad.ts). With P the probabilities, Z the
// dropout mask (1 without dropout), U = P∘Z, dO the gradient of the context and O the context:
//   dP = dO·Vᵀ,  D_i = Σ_j U_ij dP_ij = dO_i·O_i,  dS = P∘(Z∘dP − D)·scale,  dQ = dS·K,  dK = dSᵀ·Q,  dV = Uᵀ·dO
// (torch's softmax gradient p·(dp − Σ p·dp) with dropout's mask inside). P is recomputed from q and k, the
// mask from its seed; nothing of the forward pass is kept but qkv and the context.
//   rows     one invocation per query row i of one (batch, head): the row's max and sum over all keys, then
//            dS and U for every key, and dQ_i; writes dS and U ([B·heads, S, S] each) and dQ to a scratch tensor
//   columns  one invocation per key j of one (batch, head): dK_j = Σ_i dS_ij q_i and dV_j = Σ_i U_ij dO_i over
//            all queries, and writes d(qkv) for token j (dQ copied from the scratch)
// Keys (rows pass) and queries with their dO (columns pass) are staged 64 at a time in workgroup memory, as the
// forward program does.
import { attentionDropoutHelpers, attentionIndices } from "./attention";
import { DROPOUT_UNIFORMS } from "./dropout";
import { WebGPUProgramLike } from "../program";

const ROWS = 64;
/** Largest head size whose two staged 64-row blocks fit 32 KiB of workgroup memory (the WebGPU default). */
export const MAX_GRAD_HEAD = 64;

const UNIFORMS = "batch : i32, seq : i32, heads : i32, scale : f32,";

/** WGSL for each vec4 of a head row (c = 0 … V−1): statements side by side, or terms of one sum. */
const each = (V: number, f: (c: number) => string) => Array.from({ length: V }, (_, c) => f(c)).join(" ");
const sum = (V: number, f: (c: number) => string) => Array.from({ length: V }, (_, c) => f(c)).join(" + ");

abstract class GradProgram implements WebGPUProgramLike {
  abstract variableNames: string[];
  abstract variableComponents: number[];
  abstract outputShape: number[];
  abstract shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [ROWS, 1, 1];
  uniforms: string;

  constructor(
    batch: number,
    seq: number,
    heads: number,
    protected readonly headSize: number,
    protected readonly masked: boolean,
    protected readonly dropout: boolean,
  ) {
    this.dispatch = [batch * heads * Math.ceil(seq / ROWS), 1, 1];
    this.uniforms = UNIFORMS + (dropout ? DROPOUT_UNIFORMS : "");
  }

  /** Shared WGSL: the dropout helpers (when used) and the (b, h, row) this invocation owns. */
  protected prelude(): string {
    return attentionDropoutHelpers(this.dropout);
  }

  protected indices(): string {
    return attentionIndices(this.headSize);
  }

  abstract getUserCode(): string;
}

/** dS and U rows and dQ: output [2·B·heads·S·S + B·S·H] (dS plane, U plane, dQ as [B·S, H]). */
export class RowsProgram extends GradProgram {
  variableNames: string[];
  variableComponents: number[];
  outputShape: number[];
  shaderKey: string;

  constructor(batch: number, seq: number, heads: number, headSize: number, masked: boolean, dropout: boolean) {
    super(batch, seq, heads, headSize, masked, dropout);
    this.variableNames = masked ? ["QKV", "DY", "CTX", "Mask"] : ["QKV", "DY", "CTX"];
    this.variableComponents = masked ? [4, 4, 4, 1] : [4, 4, 4];
    this.outputShape = [2 * batch * heads * seq * seq + batch * seq * heads * headSize];
    this.shaderKey = `bertImdbAttentionGradRows_${headSize}_${masked ? "mask" : "nomask"}${dropout ? "_dropout" : ""}`;
  }

  getUserCode(): string {
    const V = this.headSize / 4;
    const bias = this.masked ? "s = s + Mask[b * S + k0 + j];" : "";
    const dot = sum(V, (c) => `dot(q${c}, Ks[j * ${V} + ${c}])`);
    const dotV = sum(V, (c) => `dot(g${c}, Vs[j * ${V} + ${c}])`);
    const keep = this.dropout ? "dropoutKeep(u32(rowBase + k0 + j))" : "1.0";
    return `
      var<workgroup> Ks : array<vec4<f32>, ${ROWS * V}>;
      var<workgroup> Vs : array<vec4<f32>, ${ROWS * V}>;
      ${this.prelude()}
      fn main(index : i32) {
        ${this.indices()}
        let qi = me;
        let live = qi < S;
        ${each(V, (c) => `var q${c} = vec4<f32>(0.0); var g${c} = vec4<f32>(0.0); var dq${c} = vec4<f32>(0.0);`)}
        var D = 0.0;
        if (live) {
          let qBase = (b * S + qi) * row4 + h * V4;
          let oBase = (b * S + qi) * H4 + h * V4;
          ${each(V, (c) => `q${c} = QKV[qBase + ${c}]; g${c} = DY[oBase + ${c}]; D = D + dot(g${c}, CTX[oBase + ${c}]);`)}
        }
        // Pass 1: the row's max and sum of exp over all keys.
        var m = -uniforms.INFINITY;
        var l = 0.0;
        for (var k0 = 0; k0 < S; k0 = k0 + ${ROWS}) {
          let kj = k0 + lid;
          if (kj < S) {
            let kBase = (b * S + kj) * row4 + H4 + h * V4;
            ${each(V, (c) => `Ks[lid * ${V} + ${c}] = QKV[kBase + ${c}];`)}
          } else {
            ${each(V, (c) => `Ks[lid * ${V} + ${c}] = vec4<f32>(0.0);`)}
          }
          workgroupBarrier();
          let n = min(${ROWS}, S - k0);
          for (var j = 0; j < n; j = j + 1) {
            var s = (${dot}) * uniforms.scale;
            ${bias}
            let mNew = max(m, s);
            l = l * exp(m - mNew) + exp(s - mNew);
            m = mNew;
          }
          workgroupBarrier();
        }
        let invL = 1.0 / l;
        // Pass 2: P, U and dS for every key; dQ accumulates dS·k.
        let plane = uniforms.batch * NH * S * S;
        let rowBase = (bh * S + qi) * S;
        for (var k0 = 0; k0 < S; k0 = k0 + ${ROWS}) {
          let kj = k0 + lid;
          if (kj < S) {
            let kBase = (b * S + kj) * row4 + H4 + h * V4;
            let vBase = kBase + H4;
            ${each(V, (c) => `Ks[lid * ${V} + ${c}] = QKV[kBase + ${c}]; Vs[lid * ${V} + ${c}] = QKV[vBase + ${c}];`)}
          } else {
            ${each(V, (c) => `Ks[lid * ${V} + ${c}] = vec4<f32>(0.0); Vs[lid * ${V} + ${c}] = vec4<f32>(0.0);`)}
          }
          workgroupBarrier();
          let n = min(${ROWS}, S - k0);
          for (var j = 0; j < n; j = j + 1) {
            var s = (${dot}) * uniforms.scale;
            ${bias}
            let p = exp(s - m) * invL;
            let z = ${keep};
            let dp = ${dotV};
            let ds = p * (z * dp - D) * uniforms.scale;
            ${each(V, (c) => `dq${c} = dq${c} + ds * Ks[j * ${V} + ${c}];`)}
            if (live) {
              result[rowBase + k0 + j] = ds;
              result[plane + rowBase + k0 + j] = p * z;
            }
          }
          workgroupBarrier();
        }
        if (live) {
          let dqBase = 2 * plane + ((b * S + qi) * H4 + h * V4) * 4;
          ${each(V, (c) => `result[dqBase + ${4 * c}] = dq${c}.x; result[dqBase + ${4 * c + 1}] = dq${c}.y; result[dqBase + ${4 * c + 2}] = dq${c}.z; result[dqBase + ${4 * c + 3}] = dq${c}.w;`)}
        }
      }`;
  }
}

/** d(qkv) [B·S, 3·H] from the rows pass's scratch: dQ copied, dK and dV summed over the queries. */
export class ColumnsProgram extends GradProgram {
  variableNames = ["QKV", "DY", "G"];
  variableComponents = [4, 4, 1];
  outputShape: number[];
  shaderKey: string;
  outputComponent = 4;

  constructor(batch: number, seq: number, heads: number, headSize: number) {
    super(batch, seq, heads, headSize, false, false);
    this.outputShape = [batch * seq, 3 * heads * headSize];
    this.shaderKey = `bertImdbAttentionGradColumns_${headSize}`;
  }

  getUserCode(): string {
    const V = this.headSize / 4;
    return `
      var<workgroup> Qs : array<vec4<f32>, ${ROWS * V}>;
      var<workgroup> Gs : array<vec4<f32>, ${ROWS * V}>;
      fn main(index : i32) {
        ${this.indices()}
        let kj = me;
        let live = kj < S;
        ${each(V, (c) => `var dk${c} = vec4<f32>(0.0); var dv${c} = vec4<f32>(0.0);`)}
        let plane = uniforms.batch * NH * S * S;
        for (var i0 = 0; i0 < S; i0 = i0 + ${ROWS}) {
          let qi = i0 + lid;
          if (qi < S) {
            let qBase = (b * S + qi) * row4 + h * V4;
            let oBase = (b * S + qi) * H4 + h * V4;
            ${each(V, (c) => `Qs[lid * ${V} + ${c}] = QKV[qBase + ${c}]; Gs[lid * ${V} + ${c}] = DY[oBase + ${c}];`)}
          } else {
            ${each(V, (c) => `Qs[lid * ${V} + ${c}] = vec4<f32>(0.0); Gs[lid * ${V} + ${c}] = vec4<f32>(0.0);`)}
          }
          workgroupBarrier();
          let n = min(${ROWS}, S - i0);
          if (live) {
            for (var i = 0; i < n; i = i + 1) {
              let at = (bh * S + i0 + i) * S + kj;
              let ds = G[at];
              let u = G[plane + at];
              ${each(V, (c) => `dk${c} = dk${c} + ds * Qs[i * ${V} + ${c}]; dv${c} = dv${c} + u * Gs[i * ${V} + ${c}];`)}
            }
          }
          workgroupBarrier();
        }
        if (live) {
          let outBase = (b * S + kj) * row4 + h * V4;
          let dqBase = 2 * plane + ((b * S + kj) * H4 + h * V4) * 4;
          ${each(V, (c) => `result[outBase + ${c}] = vec4<f32>(G[dqBase + ${4 * c}], G[dqBase + ${4 * c + 1}], G[dqBase + ${4 * c + 2}], G[dqBase + ${4 * c + 3}]);`)}
          ${each(V, (c) => `result[outBase + H4 + ${c}] = dk${c}; result[outBase + 2 * H4 + ${c}] = dv${c};`)}
        }
      }`;
  }
}
