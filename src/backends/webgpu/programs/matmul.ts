// The tiled matrix product programs of the BertImdbMatMul kernel (kernels/matMul.ts): each workgroup of 256
// threads computes a 128×128 output tile (8×8 values per thread, as two 4-wide halves so workgroup-memory reads
// are contiguous vec4s) or a 64×64 one (4×4 per thread), stepping through K `bk` at a time via workgroup memory.
// Operands may be transposed (A [M,K] or stored [K,M]; B [K,N] or stored [N,K]); an optional bias [N] is added
// to every row, and optionally exact GELU applied to every output as it is stored (inference only). Two
// programs: the vec4 one (Vec4MatMulProgram, the default wherever the sizes allow it: faster on the H100, see
// environment.md) and the scalar one (TiledMatMulProgram).
import { geluWgsl } from "./gelu";
import { WebGPUProgramLike } from "../program";

const THREADS = 256;
/** Threads per tile side (16 × 16 = THREADS); each thread computes (tile/16)² values. */
const SIDE = 16;

/**
 * The per-thread part both programs share: a thread of the 16 × 16 grid owns (TILE/16)² outputs as 4 × 4
 * blocks TILE/2 apart (or one block for TILE 64), accumulated as vec4 rows. Returns the WGSL for the
 * accumulators, the multiply-adds of one K slice of BK out of workgroup memory (As/Bs hold [k][m/4] and
 * [k][n/4] vec4s), and a `store(m, n, vec4)` call per accumulator.
 */
function microTile(TILE: number, BK: number, store: string): { shared: string; prelude: string; accDecl: string[]; multiply: string; stores: string[] } {
  const halves = TILE / (4 * SIDE);
  const accDecl: string[] = [];
  const fmas: string[] = [];
  const stores: string[] = [];
  for (let r = 0; r < 4 * halves; r++) {
    for (let h = 0; h < halves; h++) accDecl.push(`var acc${r}_${h} = vec4<f32>(0.0);`);
    const a = `a${Math.floor(r / 4)}[${r % 4}]`;
    fmas.push(Array.from({ length: halves }, (_, h) => `acc${r}_${h} = fma(vec4<f32>(${a}), b${h}, acc${r}_${h});`).join(" "));
    const row = `${(TILE / halves) * Math.floor(r / 4)} + ty * 4 + ${r % 4}`;
    for (let h = 0; h < halves; h++) stores.push(`${store}(m0 + ${row}, n0 + ${(TILE / halves) * h} + tx * 4, acc${r}_${h});`);
  }
  const fragments: string[] = [];
  for (let h = 0; h < halves; h++) {
    fragments.push(`let a${h} = As[kk * ${TILE / 4} + ${(TILE / halves / 4) * h} + ty];`);
    fragments.push(`let b${h} = Bs[kk * ${TILE / 4} + ${(TILE / halves / 4) * h} + tx];`);
  }
  const multiply = `for (var kk = 0; kk < ${BK}; kk = kk + 1) {
            ${fragments.join("\n            ")}
            ${fmas.join("\n            ")}
          }`;
  const shared = `var<workgroup> As : array<vec4<f32>, ${(TILE * BK) / 4}>;
      var<workgroup> Bs : array<vec4<f32>, ${(TILE * BK) / 4}>;`;
  // The thread's place in the grid and the workgroup's tile origin.
  const prelude = `let tid = i32(localId.x);
        let tx = tid % ${SIDE};
        let ty = tid / ${SIDE};
        let M = uniforms.M;
        let N = uniforms.N;
        let K = uniforms.K;
        let m0 = i32(workgroupId.y) * ${TILE};
        let n0 = i32(workgroupId.x) * ${TILE};`;
  return { shared, prelude, accDecl, multiply, stores };
}

/** How a product is computed: operand layouts, bias, fused activation, tile side and K step. */
export interface ProductForm {
  transposeA: boolean;
  transposeB: boolean;
  hasBias: boolean;
  gelu: boolean;
  tile: 64 | 128;
  bk: number;
}

export class TiledMatMulProgram implements WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [THREADS, 1, 1];
  uniforms = "M : i32, N : i32, K : i32,";

  protected readonly transposeA: boolean;
  protected readonly transposeB: boolean;
  protected readonly hasBias: boolean;
  protected readonly tile: 64 | 128;
  protected readonly bk: number;
  /** Exact GELU applied to each output (after the bias): the intermediate layer's activation, fused. */
  protected readonly gelu: boolean;

  constructor(m: number, n: number, o: ProductForm) {
    this.transposeA = o.transposeA;
    this.transposeB = o.transposeB;
    this.hasBias = o.hasBias;
    this.tile = o.tile;
    this.bk = o.bk;
    this.gelu = o.gelu;
    this.variableNames = o.hasBias ? ["A", "B", "Bias"] : ["A", "B"];
    this.outputShape = [m, n];
    this.dispatch = [Math.ceil(n / o.tile), Math.ceil(m / o.tile), 1];
    this.shaderKey = `bertImdbMatMul_${this.form()}`;
  }

  /** Transposes, bias, activation, tile and K step: what the shader depends on besides the input shapes. */
  protected form(): string {
    return `${this.transposeA ? "T" : "N"}${this.transposeB ? "T" : "N"}_${this.hasBias ? "bias" : "plain"}${this.gelu ? "_gelu" : ""}_${this.tile}_k${this.bk}`;
  }

  getUserCode(): string {
    const TILE = this.tile;
    const BK = this.bk;
    // Which element of the tile a thread loads: along the stored matrix's contiguous axis for coalescing.
    const loadA = this.transposeA
      ? `let mm = e % ${TILE}; let kk = e / ${TILE}; let m = m0 + mm; let k = k0 + kk;
         var v = 0.0; if (m < M && k < K) { v = A[k * M + m]; }`
      : `let kk = e % ${BK}; let mm = e / ${BK}; let m = m0 + mm; let k = k0 + kk;
         var v = 0.0; if (m < M && k < K) { v = A[m * K + k]; }`;
    const loadB = this.transposeB
      ? `let kk = e % ${BK}; let nn = e / ${BK}; let n = n0 + nn; let k = k0 + kk;
         var v = 0.0; if (n < N && k < K) { v = B[n * K + k]; }`
      : `let nn = e % ${TILE}; let kk = e / ${TILE}; let n = n0 + nn; let k = k0 + kk;
         var v = 0.0; if (n < N && k < K) { v = B[k * N + n]; }`;
    const loads = (TILE * BK) / THREADS; // elements each thread loads per operand and K step
    const { shared, prelude, accDecl, multiply, stores } = microTile(TILE, BK, "storeRow");
    const bias = (this.hasBias ? "v = v + Bias[n + j];" : "") + (this.gelu ? " v = v * normalCdf(v);" : "");
    return `
      ${shared}
      ${this.gelu ? geluWgsl("f32") : ""}

      fn storeRow(m : i32, n : i32, value : vec4<f32>) {
        if (m >= uniforms.M) { return; }
        for (var j = 0; j < 4; j = j + 1) {
          if (n + j < uniforms.N) {
            var v = value[j];
            ${bias}
            result[m * uniforms.N + n + j] = v;
          }
        }
      }

      fn main(index : i32) {
        ${prelude}
        ${accDecl.join("\n        ")}
        for (var k0 = 0; k0 < K; k0 = k0 + ${BK}) {
          for (var i = 0; i < ${loads}; i = i + 1) {
            let e = tid + ${THREADS} * i;
            {
              ${loadA}
              As[(kk * ${TILE} + mm) / 4][mm % 4] = v;
            }
            {
              ${loadB}
              Bs[(kk * ${TILE} + nn) / 4][nn % 4] = v;
            }
          }
          workgroupBarrier();
          ${multiply}
          workgroupBarrier();
        }
        ${stores.join("\n        ")}
      }`;
  }
}

/**
 * op(A)·op(B) (+ bias) with vec4 memory access throughout: each operand is read four values per load — along K
 * when it is stored K-contiguous (A [M,K], B [N,K]), else along M or N (A stored [K,M], B stored [K,N]), which
 * then lands in workgroup memory as one vec4 store — the bias and the output four columns at a time, and the
 * next K slice is fetched into registers while the current one is multiplied out of workgroup memory (one
 * global-load latency hidden per slice). Same tiling as TiledMatMulProgram (128×128 or 64×64 per 256 threads).
 * Needs K and N divisible by 4, and M when A is stored [K,M]. The default (the matMulVariant option
 * "scalar" turns it off) for the linear layer's forward x·Wᵀ and its two gradient products: on an H100 an evaluation
 * batch took 26.7–27.4 ms with it against 30.2–35.6 ms with the scalar program and 37.3–38.5 ms with tfjs's
 * matMul, and a training step's matrix products 58 ms of GPU time against 88 ms (environment.md).
 */
export class Vec4MatMulProgram extends TiledMatMulProgram {
  variableComponents: number[];
  outputComponent = 4;

  constructor(m: number, n: number, o: ProductForm) {
    super(m, n, o);
    this.variableComponents = o.hasBias ? [4, 4, 4] : [4, 4];
    this.shaderKey = `bertImdbMatMulVec4_${this.form()}`;
  }

  /**
   * Register fetch and workgroup-memory store of one operand's K slice, per load `i` of each thread.
   * `alongK`: stored [rows, K] (vec4 along K, scattered into the [k][row] layout); else stored [K, rows]
   * (vec4 along the rows, stored as is).
   */
  private operand(x: "A" | "B", alongK: boolean, origin: string, extent: string, i: number): { fetch: string; park: string } {
    const TILE = this.tile;
    const KQ = this.bk / 4;
    const slots = TILE * KQ;
    const e = `tid + ${THREADS * i}`;
    const guard = slots % THREADS === 0 ? "" : `${e} < ${slots} && `;
    const reg = `r${x.toLowerCase()}${i}`;
    const shared = `${x}s`;
    if (alongK) {
      return {
        fetch: `{ let e = ${e}; let row = e / ${KQ}; let kq = k4 + e % ${KQ}; ${reg} = vec4<f32>(0.0);
            if (${guard}kq < K4 && ${origin} + row < ${extent}) { ${reg} = ${x}[(${origin} + row) * K4 + kq]; } }`,
        park: `if (${guard}true) { let e = ${e}; let row = e / ${KQ}; let k = (e % ${KQ}) * 4;
            ${[0, 1, 2, 3].map((c) => `${shared}[((k + ${c}) * ${TILE} + row) / 4][row % 4] = ${reg}[${c}];`).join(" ")} }`,
      };
    }
    return {
      fetch: `{ let e = ${e}; let kk = e / ${TILE / 4}; let rq = e % ${TILE / 4}; ${reg} = vec4<f32>(0.0);
            if (${guard}k4 * 4 + kk < K && ${origin} + rq * 4 < ${extent}) { ${reg} = ${x}[(k4 * 4 + kk) * (${extent} / 4) + ${origin} / 4 + rq]; } }`,
      park: `if (${guard}true) { ${shared}[${e}] = ${reg}; }`,
    };
  }

  getUserCode(): string {
    const TILE = this.tile;
    const BK = this.bk;
    const KQ = BK / 4; // vec4s along K per tile row
    const loads = Math.ceil((TILE * KQ) / THREADS);
    const decl: string[] = [];
    const fetch: string[] = [];
    const park: string[] = [];
    for (let i = 0; i < loads; i++) {
      decl.push(`var ra${i} = vec4<f32>(0.0);`, `var rb${i} = vec4<f32>(0.0);`);
      const a = this.operand("A", !this.transposeA, "m0", "M", i);
      const b = this.operand("B", this.transposeB, "n0", "N", i);
      fetch.push(a.fetch, b.fetch);
      park.push(a.park, b.park);
    }
    const { shared, prelude, accDecl, multiply, stores } = microTile(TILE, BK, "store4");
    const bias = this.hasBias ? " + Bias[n / 4]" : "";
    const out = this.gelu ? "v * normalCdf(v)" : "v";
    return `
      ${shared}
      ${this.gelu ? geluWgsl("vec4<f32>") : ""}

      fn store4(m : i32, n : i32, value : vec4<f32>) {
        if (m < uniforms.M && n < uniforms.N) {
          let v = value${bias};
          result[(m * uniforms.N + n) / 4] = ${out};
        }
      }

      fn main(index : i32) {
        ${prelude}
        let K4 = K / 4;
        ${accDecl.join("\n        ")}
        ${decl.join("\n        ")}
        var k4 = 0;
        ${fetch.join("\n        ")}
        for (var k0 = 0; k0 < K4; k0 = k0 + ${KQ}) {
          ${park.join("\n          ")}
          workgroupBarrier();
          k4 = k0 + ${KQ};
          ${fetch.join("\n          ")}
          ${multiply}
          workgroupBarrier();
        }
        ${stores.join("\n        ")}
      }`;
  }
}

/** M, K (from A) and K (from B), N of op(A)·op(B) for rank-2 shapes. */
export function productSizes(a: readonly number[], b: readonly number[], transposeA: boolean, transposeB: boolean): { m: number; k: number; kb: number; n: number } {
  const [m, k] = transposeA ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = transposeB ? [b[1], b[0]] : [b[0], b[1]];
  return { m, k, kb, n };
}

/** Whether the vec4 program can run op(A)·op(B) with these sizes. */
export function vec4Fits(m: number, k: number, n: number, transposeA: boolean): boolean {
  return k % 4 === 0 && n % 4 === 0 && (!transposeA || m % 4 === 0);
}
