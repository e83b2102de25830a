// Exact GELU, x·Φ(x) with Φ(x) = (1 + erf(x/√2))/2, and its gradient dy·(Φ(x) + x·φ(x)), as flat programs
// (vec4 where the size allows). erf uses the same Abramowitz–Stegun 7.1.26 formula and constants as tfjs's own
// Erf kernels, so results match the composed version to float32 rounding.
import { FLAT_WORKGROUP, FlatProgram } from "../program";

const WORKGROUP = FLAT_WORKGROUP;
const MAX_GROUPS = 65535;

/** Whether one dispatch covers n elements (vec4 invocations where n is a multiple of 4). */
export function geluFits(n: number): boolean {
  return Math.ceil(n / (WORKGROUP * (n % 4 === 0 ? 4 : 1))) <= MAX_GROUPS;
}

/** WGSL: Φ(x) and φ(x) for a vec4 or scalar T (erf: A&S 7.1.26, tfjs's ERF_* constants). */
export function geluWgsl(t: string): string {
  return `
  fn erfApprox(a : ${t}) -> ${t} {
    let p = 0.3275911;
    let a1 = 0.254829592;
    let a2 = -0.284496736;
    let a3 = 1.421413741;
    let a4 = -1.453152027;
    let a5 = 1.061405429;
    let absA = abs(a);
    let t = 1.0 / (1.0 + p * absA);
    return sign(a) * (1.0 - (((((a5 * t + a4) * t) + a3) * t + a2) * t + a1) * t * exp(-absA * absA));
  }
  fn normalCdf(x : ${t}) -> ${t} {
    return (erfApprox(x * 0.7071067811865476) + 1.0) * 0.5;
  }
  fn normalPdf(x : ${t}) -> ${t} {
    return exp(x * x * -0.5) * 0.3989422804014327;
  }`;
}

export class GeluProgram extends FlatProgram {
  shaderKey: string;

  constructor(n: number, component: number, private readonly grad: boolean) {
    super(n, component, grad ? ["X", "DY"] : ["X"]);
    this.shaderKey = `bertImdbGelu_${grad ? "grad" : "fwd"}_${component}`;
  }

  getUserCode(): string {
    const t = this.component === 4 ? "vec4<f32>" : "f32";
    const body = this.grad ? "DY[index] * (normalCdf(x) + x * normalPdf(x))" : "x * normalCdf(x)";
    return `
      ${geluWgsl(t)}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let x = X[index];
          result[index] = ${body};
        }
      }`;
  }
}
