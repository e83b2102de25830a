// Scaled dot-product attention of BERT's fused projections as one program (kernels/attention.ts). One
// invocation owns one query row of one head: it keeps q and the output (head size ≤ 64, as vec4s) in registers,
// walks the keys in chunks of 64 that the workgroup stages in workgroup memory, and folds each key into a
// running (max, sum, output) — the online softmax — so the S × S scores never exist in memory. Masked keys (HF's
// additive float32-min bias) contribute exp(−huge) = 0. With a dropout site the probabilities' mask is computed
// from its seed where each probability meets its value row (the values of dropoutMask([B·nh, S, S], rate, seed)).
import { WebGPUProgramLike } from "../program";
import { DROPOUT_UNIFORMS, WGSL_DROPOUT_HASH, WGSL_DROPOUT_KEEP } from "./dropout";

const ROWS = 64; // query rows per workgroup = keys staged per chunk

/**
 * WGSL of the attention programs' indexing: one workgroup of 64 invocations per block of 64 rows (queries or
 * keys) of one (batch b, head h), `me` the row this invocation owns; V4, H4, row4 the vec4s per head row, per
 * hidden row and per qkv row; S and NH the sequence length and head count.
 */
export function attentionIndices(headSize: number): string {
  return `
        let lid = i32(localId.x);
        let S = uniforms.seq;
        let NH = uniforms.heads;
        let blocks = (S + ${ROWS - 1}) / ${ROWS};
        let wg = i32(workgroupId.x);
        let bh = wg / blocks;
        let b = bh / NH;
        let h = bh % NH;
        let me = (wg % blocks) * ${ROWS} + lid;
        let V4 = ${headSize / 4};
        let H4 = NH * V4;
        let row4 = 3 * H4;`;
}

/** WGSL of the dropout helpers when a program applies attention dropout, else nothing. */
export function attentionDropoutHelpers(dropout: boolean): string {
  return dropout ? `${WGSL_DROPOUT_HASH}\n${WGSL_DROPOUT_KEEP}` : "";
}
/** Largest head size: two staged blocks of 64 rows (keys and values) must fit 32 KiB of workgroup memory. */
const MAX_HEAD = 64;

/** Whether the programs take this head size (a multiple of 4, at most MAX_HEAD). */
export function headSizeFits(headSize: number): boolean {
  return headSize % 4 === 0 && headSize <= MAX_HEAD;
}

export class AttentionProgram implements WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [ROWS, 1, 1];
  uniforms = "batch : i32, seq : i32, heads : i32, scale : f32,";
  outputComponent = 4;
  variableComponents: number[];

  constructor(batch: number, seq: number, heads: number, private readonly headSize: number, private readonly masked: boolean, private readonly dropout = false) {
    this.variableNames = masked ? ["QKV", "Mask"] : ["QKV"];
    this.variableComponents = masked ? [4, 1] : [4];
    this.outputShape = [batch * seq, heads * headSize];
    this.dispatch = [batch * heads * Math.ceil(seq / ROWS), 1, 1];
    this.shaderKey = `bertImdbAttention_${headSize}_${masked ? "mask" : "nomask"}${dropout ? "_dropout" : ""}`;
    if (dropout) this.uniforms += DROPOUT_UNIFORMS;
  }

  getUserCode(): string {
    const V = this.headSize / 4; // vec4s per head row
    const regs = (name: string) => Array.from({ length: V }, (_, c) => `var ${name}${c} = vec4<f32>(0.0);`).join(" ");
    const loadQ = Array.from({ length: V }, (_, c) => `q${c} = QKV[qBase + ${c}];`).join(" ");
    const stage = Array.from({ length: V }, (_, c) => `Ks[lid * ${V} + ${c}] = QKV[kBase + ${c}]; Vs[lid * ${V} + ${c}] = QKV[vBase + ${c}];`).join(" ");
    const zero = Array.from({ length: V }, (_, c) => `Ks[lid * ${V} + ${c}] = vec4<f32>(0.0); Vs[lid * ${V} + ${c}] = vec4<f32>(0.0);`).join(" ");
    const dot = Array.from({ length: V }, (_, c) => `dot(q${c}, Ks[j * ${V} + ${c}])`).join(" + ");
    // With dropout the value rows are weighted by p·mask, while the normaliser l sums p alone (softmax first,
    // dropout after, as torch's dropout(softmax(scores))); element (b·heads + h, query, key) of the mask.
    const weight = this.dropout ? "p * dropoutKeep(u32((bh * S + qi) * S + k0 + j))" : "p";
    const update = Array.from({ length: V }, (_, c) => `o${c} = o${c} * corr + pw * Vs[j * ${V} + ${c}];`).join(" ");
    const store = Array.from({ length: V }, (_, c) => `result[oBase + ${c}] = o${c} * inv;`).join(" ");
    const bias = this.masked ? "s = s + Mask[b * S + k0 + j];" : "";
    return `
      var<workgroup> Ks : array<vec4<f32>, ${ROWS * V}>;
      var<workgroup> Vs : array<vec4<f32>, ${ROWS * V}>;
      ${attentionDropoutHelpers(this.dropout)}
      fn main(index : i32) {
        ${attentionIndices(this.headSize)}
        let qi = me;
        ${regs("q")}
        ${regs("o")}
        if (qi < S) {
          let qBase = (b * S + qi) * row4 + h * ${V};
          ${loadQ}
        }
        var m = -uniforms.INFINITY;
        var l = 0.0;
        for (var k0 = 0; k0 < S; k0 = k0 + ${ROWS}) {
          let kj = k0 + lid;
          if (kj < S) {
            let kBase = (b * S + kj) * row4 + H4 + h * ${V};
            let vBase = kBase + H4;
            ${stage}
          } else {
            ${zero}
          }
          workgroupBarrier();
          let n = min(${ROWS}, S - k0);
          for (var j = 0; j < n; j = j + 1) {
            var s = (${dot}) * uniforms.scale;
            ${bias}
            let mNew = max(m, s);
            let corr = exp(m - mNew);
            let p = exp(s - mNew);
            l = l * corr + p;
            let pw = ${weight};
            ${update}
            m = mNew;
          }
          workgroupBarrier();
        }
        if (qi < S) {
          let inv = 1.0 / l;
          let oBase = (b * S + qi) * H4 + h * ${V};
          ${store}
        }
      }`;
  }
}
