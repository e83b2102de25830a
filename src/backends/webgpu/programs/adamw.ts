// The fused AdamW update as programs (kernels/adamwStep.ts): a tfjs program writes one output, so one update is
// three dispatches (m', v', then p' from m' and v'), reading vec4s where the size allows; the hyper-parameters
// are uniforms, so every step reuses the compiled pipelines.
import { FlatProgram } from "../program";

/** m' (second = false) or v' (second = true) from the gradient and the old moment. */
export class MomentProgram extends FlatProgram {
  shaderKey: string;

  constructor(n: number, component: number, private readonly second: boolean) {
    super(n, component, ["G", "S"], "beta : f32, oneMinusBeta : f32, gradScale : f32,");
    this.shaderKey = `bertImdbAdamW_${second ? "v" : "m"}_${component}`;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let g = G[index] * uniforms.gradScale;
          result[index] = uniforms.beta * S[index] + uniforms.oneMinusBeta * ${this.second ? "(g * g)" : "g"};
        }
      }`;
  }
}

/** p' from p and the already updated moments. */
export class ParamProgram extends FlatProgram {
  shaderKey: string;

  constructor(n: number, component: number) {
    super(n, component, ["P", "M", "V"], "decay : f32, stepSize : f32, bc2Sqrt : f32, eps : f32,");
    this.shaderKey = `bertImdbAdamW_p_${component}`;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let denom = sqrt(V[index]) / uniforms.bc2Sqrt + uniforms.eps;
          result[index] = P[index] * uniforms.decay - uniforms.stepSize * M[index] / denom;
        }
      }`;
  }
}
