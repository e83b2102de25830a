// The LayerNorm programs (kernels/layerNorm.ts, addLayerNorm.ts, dropoutAddLayerNorm.ts and their gradients):
//   forward   one workgroup per row (two-pass mean and variance in workgroup memory), for LayerNorm(x), for
//             LayerNorm(x + residual) with the add folded in, and for LayerNorm(dropout(x) + residual) with the
//             dropout mask computed from its seed as x is read;
//   backward  row statistics, dx per row, per-chunk column sums of dy·x̂ and dy, then the chunk sums for dgamma
//             and for dbeta.
import { WebGPUProgramLike } from "../program";
import { DROPOUT_UNIFORMS, WGSL_DROPOUT_HASH, WGSL_DROPOUT_KEEP } from "./dropout";

const ROW_WG = 256;
const COL_WG = 64;
/** Rows one dispatch takes (one workgroup per row). */
export const MAX_ROWS = 65535;

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
export class ForwardProgram extends RowProgram {
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
export class StatsProgram extends RowProgram {
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
export class DxProgram extends RowProgram {
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
export class ParamPartialsProgram implements WebGPUProgramLike {
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
export class ParamFinalProgram implements WebGPUProgramLike {
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
