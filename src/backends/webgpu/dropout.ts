// The dropout mask generator of src/models/dropout.ts as a WebGPU program: one dispatch computes every element
// from (seed, index) with the same PCG-based hash as the JavaScript version, so masks are identical across
// backends, and nothing is generated on the host or uploaded. Registered for "webgpu" under
// DROPOUT_MASK_KERNEL; sizes beyond one dispatch fall back to the host version (same values).
// DROPOUT_APPLY_KERNEL goes one step further: x·mask (+ r) in one dispatch, the mask computed where it is used
// and never stored; its gradient is the same kernel on dy (`dropoutFused`).
import { tf } from "../tf";
import { DROPOUT_MASK_KERNEL, dropThreshold, fillDropoutMask } from "../../models/dropout";
import { trainFusedAsked } from "./trainFused";
import { FLAT_WORKGROUP, flat, FlatProgram, sizeOf, TensorInfoLike, WebGPUKernelBackend, registerWebGPUKernel } from "./program";

const WORKGROUP = FLAT_WORKGROUP;
const MAX_GROUPS = 65535;

/** WGSL of src/models/dropout.ts's pcgHash and dropoutHash (u32 arithmetic wraps as Math.imul does). */
export const WGSL_DROPOUT_HASH = `
  fn pcgHash(v : u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
  }
  fn dropoutHash(seed : u32, index : u32) -> u32 {
    return pcgHash(pcgHash(index + pcgHash(seed)) ^ seed);
  }`;

/**
 * WGSL: the mask's value at `index` (0 or the kept scale) from uniforms dropSeed, dropThreshold and dropScale; needs
 * WGSL_DROPOUT_HASH. The programs that apply dropout where they read x use it.
 */
export const WGSL_DROPOUT_KEEP = `
  fn dropoutKeep(index : u32) -> f32 {
    return select(0.0, uniforms.dropScale, dropoutHash(uniforms.dropSeed, index) >= uniforms.dropThreshold);
  }`;

/** The uniforms those programs declare after their own (the order the kernels pass them in). */
export const DROPOUT_UNIFORMS = "dropSeed : u32, dropThreshold : u32, dropScale : f32,";

/** Seed, threshold and kept value of a dropout site as uniforms. */
export function dropoutUniforms(d: DropoutSite): Array<{ type: "uint32" | "float32"; data: number[] }> {
  return [
    { type: "uint32", data: [d.seed >>> 0] },
    { type: "uint32", data: [dropThreshold(d.rate) >>> 0] },
    { type: "float32", data: [Math.fround(1 / (1 - d.rate))] },
  ];
}

/** One dropout site: its rate and the seed of its mask (src/models/ops.ts siteSeed). */
export interface DropoutSite {
  rate: number;
  seed: number;
}

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

export const DROPOUT_APPLY_KERNEL = "BertImdbDropoutApply";

/** result = X·mask, or X·mask + R: element i of X meets element i of the mask seeded with `seed`. */
class DropoutApplyProgram extends FlatProgram {
  shaderKey: string;

  constructor(n: number, component: number, private readonly residual: boolean) {
    super(n, component, residual ? ["X", "R"] : ["X"], DROPOUT_UNIFORMS);
    this.shaderKey = `bertImdbDropoutApply_${component}_${residual ? "residual" : "plain"}`;
  }

  getUserCode(): string {
    const keep = this.component === 4 ? "vec4<f32>(dropoutKeep(base), dropoutKeep(base + 1u), dropoutKeep(base + 2u), dropoutKeep(base + 3u))" : "dropoutKeep(base)";
    return `
      ${WGSL_DROPOUT_HASH}
      ${WGSL_DROPOUT_KEEP}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let base = u32(index) * ${this.component}u;
          result[index] = X[index] * ${keep}${this.residual ? " + R[index]" : ""};
        }
      }`;
  }
}

/** Whether one dispatch of the apply kernel covers n elements (else the caller composes mask and multiply). */
export function dropoutApplyFits(n: number): boolean {
  return n > 0 && Math.ceil(n / (WORKGROUP * (n % 4 === 0 ? 4 : 1))) <= MAX_GROUPS;
}

function dropoutApplyKernel(args: { inputs: Record<string, TensorInfoLike | undefined>; backend: unknown; attrs?: Record<string, unknown> }): TensorInfoLike {
  const backend = args.backend as WebGPUKernelBackend;
  const { x, residual } = args.inputs;
  const { rate, seed } = (args.attrs ?? {}) as unknown as DropoutSite;
  if (!x || x.dtype !== "float32") throw new Error("dropout (webgpu): x must be a float32 tensor");
  if (typeof rate !== "number" || typeof seed !== "number") throw new Error("dropout (webgpu): attributes rate and seed are required");
  if (residual && (residual.dtype !== "float32" || residual.shape.join() !== x.shape.join())) throw new Error(`dropout (webgpu): the residual must be float32 [${x.shape.join(", ")}]`);
  const n = sizeOf(x.shape);
  if (!dropoutApplyFits(n)) throw new Error(`dropout (webgpu): ${n} elements are more than one dispatch covers (check dropoutApplyFits first)`);
  const component = n % 4 === 0 ? 4 : 1;
  const inputs = residual ? [flat(x), flat(residual)] : [flat(x)];
  const out = backend.runWebGPUProgram(new DropoutApplyProgram(n, component, !!residual), inputs, "float32", dropoutUniforms({ rate, seed }));
  return { dataId: out.dataId, shape: x.shape.slice(), dtype: "float32" };
}

/** Registers the dropout kernels for "webgpu" (idempotent: an existing registration is kept). */
export function registerWebGPUDropout(): void {
  registerWebGPUKernel(DROPOUT_MASK_KERNEL, dropoutMaskKernel);
  registerWebGPUKernel(DROPOUT_APPLY_KERNEL, dropoutApplyKernel);
}

/** True when BERT_IMDB_WEBGPU_TRAIN_FUSED=1 asks for it and the active backend has the dropout-apply kernel. */
export function hasFusedDropout(): boolean {
  return tf.getKernel(DROPOUT_APPLY_KERNEL, tf.getBackend()) != null && trainFusedAsked();
}

/** x·mask (+ residual) through the apply kernel, no gradient of its own. */
export function dropoutApply(x: tf.Tensor, site: DropoutSite, residual?: tf.Tensor): tf.Tensor {
  const inputs: tf.NamedTensorMap = residual ? { x, residual } : { x };
  return tf.engine().runKernel(DROPOUT_APPLY_KERNEL, inputs, { rate: site.rate, seed: site.seed >>> 0 } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/**
 * Inverted dropout of x in one dispatch where the backend has the apply kernel and one dispatch covers x; null
 * otherwise (the caller multiplies by dropoutMask, which gives the same values). Its gradient is dy times the
 * same mask, recomputed from the seed rather than kept.
 */
export function dropoutFused(x: tf.Tensor, site: DropoutSite): tf.Tensor | null {
  if (x.dtype !== "float32" || !dropoutApplyFits(x.size) || !hasFusedDropout()) return null;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: dropoutApply(args[0] as tf.Tensor, site),
    gradFunc: (dy: tf.Tensor) => [dropoutApply(dy, site)],
  }));
  return op(x);
}
