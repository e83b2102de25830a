// Exact GELU, x·Φ(x) with Φ(x) = (1 + erf(x/√2))/2, and its gradient dy·(Φ(x) + x·φ(x)), as single WebGPU
// dispatches (vec4 where the size allows). Composed of tfjs ops the forward pass is 5 dispatches over the
// [tokens, 3072] intermediate activation of every layer and the backward pass 7. erf uses the same
// Abramowitz–Stegun 7.1.26 formula and constants as tfjs's own Erf kernels, so results match the composed
// version to float32 rounding. Registered for "webgpu" as BertImdbGelu / BertImdbGeluGrad; `geluFused` is the
// differentiable op src/models/ops.ts calls where hasFusedGelu() is true.
import { tf } from "../tf";
import { flat, FLAT_WORKGROUP, FlatProgram, sizeOf, TensorInfoLike, WebGPUKernelBackend, registerWebGPUKernel } from "./program";

export const GELU_KERNEL = "BertImdbGelu";
export const GELU_GRAD_KERNEL = "BertImdbGeluGrad";

const WORKGROUP = FLAT_WORKGROUP;
const MAX_GROUPS = 65535;

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

class GeluProgram extends FlatProgram {
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

type Args = { inputs: Record<string, TensorInfoLike | undefined>; backend: unknown };

function run(args: Args, grad: boolean): TensorInfoLike {
  const backend = args.backend as WebGPUKernelBackend;
  const { x, dy } = args.inputs;
  const what = grad ? "GELU gradient (webgpu)" : "GELU (webgpu)";
  if (!x || x.dtype !== "float32") throw new Error(`${what}: x must be a float32 tensor`);
  const n = sizeOf(x.shape);
  if (grad && (!dy || sizeOf(dy.shape) !== n)) throw new Error(`${what}: dy must have x's shape`);
  const component = n % 4 === 0 ? 4 : 1;
  if (Math.ceil(n / (WORKGROUP * component)) > MAX_GROUPS) throw new Error(`${what}: ${n} elements exceed one dispatch`);
  const inputs = grad ? [flat(x), flat(dy!)] : [flat(x)];
  const out = backend.runWebGPUProgram(new GeluProgram(n, component, grad), inputs, "float32");
  return { dataId: out.dataId, shape: x.shape.slice(), dtype: "float32" };
}

/** Registers both GELU kernels for "webgpu" (idempotent: an existing registration is kept). */
export function registerWebGPUGelu(): void {
  registerWebGPUKernel(GELU_KERNEL, (a: Args) => run(a, false));
  registerWebGPUKernel(GELU_GRAD_KERNEL, (a: Args) => run(a, true));
}

/** True when the active backend has the fused GELU kernels. */
export function hasFusedGelu(): boolean {
  const b = tf.getBackend();
  return tf.getKernel(GELU_KERNEL, b) != null && tf.getKernel(GELU_GRAD_KERNEL, b) != null;
}

const MAX_FUSED = MAX_GROUPS * WORKGROUP;

type Arg = tf.Tensor | tf.GradSaveFunc;
const geluOp = tf.customGrad((...args: Arg[]) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  save([x]);
  return {
    value: tf.engine().runKernel(GELU_KERNEL, { x }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.engine().runKernel(GELU_GRAD_KERNEL, { x: saved[0], dy }) as tf.Tensor],
  };
}) as (x: tf.Tensor) => tf.Tensor;

/** Exact GELU through the fused kernels (needs hasFusedGelu()); null when x is too large for one dispatch. */
export function geluFused(x: tf.Tensor): tf.Tensor | null {
  if (!hasFusedGelu()) throw new Error(`geluFused needs the webgpu backend with its GELU kernels (backend now: ${tf.getBackend()})`);
  if (x.size > MAX_FUSED * (x.size % 4 === 0 ? 4 : 1)) return null;
  return geluOp(x);
}
