// The dropout programs: the mask generator of src/models/dropout.ts (every element from (seed, index) with the
// same PCG-based hash as the JavaScript version, so masks are identical across backends) and x·mask (+ r) with
// the mask computed where it is used, never stored; and the WGSL the other programs that apply dropout share.
import { dropThreshold } from "../../../models/dropout";
import type { DropoutSite } from "../../../models/ops";
import { FLAT_WORKGROUP, FlatProgram } from "../program";

const WORKGROUP = FLAT_WORKGROUP;
const MAX_GROUPS = 65535;

/** Whether one dispatch of a flat dropout program covers n elements (vec4 where n is a multiple of 4). */
export function dropoutFits(n: number): boolean {
  return n > 0 && Math.ceil(n / (WORKGROUP * (n % 4 === 0 ? 4 : 1))) <= MAX_GROUPS;
}

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

export class DropoutMaskProgram extends FlatProgram {
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

/** result = X·mask, or X·mask + R: element i of X meets element i of the mask seeded with `seed`. */
export class DropoutApplyProgram extends FlatProgram {
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

/** The dropout site of a kernel's attributes {rate, seed}. */
export function siteOf(attrs: Record<string, unknown> | undefined, what: string): DropoutSite {
  const { rate, seed } = (attrs ?? {}) as Partial<DropoutSite>;
  if (typeof rate !== "number" || !(rate > 0 && rate < 1) || typeof seed !== "number") throw new Error(`${what}: attributes rate (in (0, 1)) and seed are required`);
  return { rate, seed };
}
