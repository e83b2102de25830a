// The dropout mask generator of src/model/dropout.ts as a WebGPU program: one dispatch computes every element
// from (seed, index) with the same PCG-based hash as the JavaScript version, so masks are identical across
// backends, and nothing is generated on the host or uploaded. Registered for "webgpu" under
// DROPOUT_MASK_KERNEL; sizes beyond one dispatch fall back to the host version (same values).
import { tf } from "../tf";
import { DROPOUT_MASK_KERNEL, fillDropoutMask } from "../../model/dropout";
import { FLAT_WORKGROUP, FlatProgram, sizeOf, TensorInfoLike, WebGPUKernelBackend, registerWebGPUKernel } from "./program";

const WORKGROUP = FLAT_WORKGROUP;
const MAX_GROUPS = 65535;

/** WGSL of src/model/dropout.ts's pcgHash and dropoutHash (u32 arithmetic wraps as Math.imul does). */
export const WGSL_DROPOUT_HASH = `
  fn pcgHash(v : u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
  }
  fn dropoutHash(seed : u32, index : u32) -> u32 {
    return pcgHash(pcgHash(index + pcgHash(seed)) ^ seed);
  }`;

class DropoutMaskProgram extends FlatProgram {
  shaderKey: string;

  constructor(n: number, component: number) {
    super(n, component, [], "seed : u32, threshold : u32, scale : f32,");
    this.shaderKey = `bertImdbDropoutMask_${component}`;
  }

  getUserCode(): string {
    const one = (k: string) => `select(0.0, uniforms.scale, dropoutHash(uniforms.seed, base + ${k}) >= uniforms.threshold)`;
    const value = this.component === 4 ? `vec4<f32>(${one("0u")}, ${one("1u")}, ${one("2u")}, ${one("3u")})` : one("0u");
    return `
      ${WGSL_DROPOUT_HASH}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let base = u32(index) * ${this.component}u;
          result[index] = ${value};
        }
      }`;
  }
}

interface MaskAttrs {
  shape: number[];
  threshold: number;
  scale: number;
  seed: number;
}

function dropoutMaskKernel(args: { inputs: unknown; backend: unknown; attrs?: Record<string, unknown> }): TensorInfoLike {
  const backend = args.backend as WebGPUKernelBackend;
  const { shape, threshold, scale, seed } = (args.attrs ?? {}) as unknown as MaskAttrs;
  if (!Array.isArray(shape) || typeof threshold !== "number" || typeof scale !== "number" || typeof seed !== "number") {
    throw new Error("dropout mask (webgpu): attributes shape, threshold, scale and seed are required");
  }
  const n = sizeOf(shape);
  const component = n % 4 === 0 ? 4 : 1;
  if (n === 0 || Math.ceil(n / (WORKGROUP * component)) > MAX_GROUPS) {
    return backend.makeTensorInfo(shape, "float32", fillDropoutMask(n, threshold, scale, seed));
  }
  const out = backend.runWebGPUProgram(new DropoutMaskProgram(n, component), [], "float32", [
    { type: "uint32", data: [seed >>> 0] },
    { type: "uint32", data: [threshold >>> 0] },
    { type: "float32", data: [scale] },
  ]);
  return { dataId: out.dataId, shape: shape.slice(), dtype: "float32" };
}

/** Registers the dropout mask kernel for "webgpu" (idempotent: an existing registration is kept). */
export function registerWebGPUDropout(): void {
  registerWebGPUKernel(DROPOUT_MASK_KERNEL, dropoutMaskKernel);
}
