// The measurement knobs of the WebGPU backend and its kernels, as one options object with today's defaults.
// Library code reads them from here, never from the environment; the benchmarks set them from their own
// command-line flags (bench/gpu/kernelFlags.ts) through configureWebGPUKernels (./configure.ts), tests through
// the same call. This module only holds and checks the values; configure.ts applies a change to a running backend.

/** How the project's WebGPU kernels run (defaults: DEFAULT_WEBGPU_KERNEL_OPTIONS). */
export interface WebGPUKernelOptions {
  /**
   * Register the project's WebGPU kernels (true, the default). false: tfjs's own kernels and the composed
   * forms of the project's ops only (the cpu backend's implementations run on webgpu), to compare or to rule
   * the custom kernels out.
   */
  fusedKernels: boolean;
  /**
   * Also train attention and dropout with the fused kernels (false, the default): attention in three
   * dispatches with dropout inside, dropout applied inside the kernels that read x. Registers the kernels
   * BertImdbDropout, BertImdbDropoutAddLayerNorm(Grad) and BertImdbAttentionGrad, which src/models/ops.ts
   * then uses in place of its composed forms.
   */
  trainFused: boolean;
  /** Program of the linear layers' products: "vec4" (the default, where the sizes allow it) or "scalar". */
  matMulVariant: "vec4" | "scalar";
  /** Tile side of that program: "auto" (the default: 128 when there are ≥ 256 such tiles, else 64), 64 or 128. */
  matMulTile: "auto" | 64 | 128;
  /** K step of that program (values of K staged in workgroup memory at a time): 8 (the default), 16 or 32. */
  matMulBk: 8 | 16 | 32;
  /** Dispatches per queue submit (tfjs's WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE; default 64, tfjs's own is 15). */
  submitBatch: number;
  /** Longest wait for one synchronous read back from the GPU, in seconds (default 1,800: a whole evaluation can be queued). */
  readTimeoutS: number;
}

export const DEFAULT_WEBGPU_KERNEL_OPTIONS: Readonly<WebGPUKernelOptions> = Object.freeze({
  fusedKernels: true,
  trainFused: false,
  matMulVariant: "vec4",
  matMulTile: "auto",
  matMulBk: 8,
  submitBatch: 64,
  readTimeoutS: 1800,
});

let current: WebGPUKernelOptions = { ...DEFAULT_WEBGPU_KERNEL_OPTIONS };

/** The options in effect (a copy). */
export function webgpuKernelOptions(): WebGPUKernelOptions {
  return { ...current };
}

/** The options in effect, without a copy (for the kernels, which read them on every call). */
export function kernelOptionsView(): Readonly<WebGPUKernelOptions> {
  return current;
}

const CHECKS: { [K in keyof WebGPUKernelOptions]: [(v: unknown) => boolean, string] } = {
  fusedKernels: [(v) => typeof v === "boolean", "true or false"],
  trainFused: [(v) => typeof v === "boolean", "true or false"],
  matMulVariant: [(v) => v === "vec4" || v === "scalar", '"vec4" or "scalar"'],
  matMulTile: [(v) => v === "auto" || v === 64 || v === 128, '"auto", 64 or 128'],
  matMulBk: [(v) => v === 8 || v === 16 || v === 32, "8, 16 or 32"],
  submitBatch: [(v) => Number.isInteger(v) && (v as number) >= 1, "a positive integer (dispatches per queue submit)"],
  readTimeoutS: [(v) => typeof v === "number" && Number.isFinite(v) && v > 0, "a number of seconds > 0"],
};

/** Checks `changes` (every key known, every value valid) and merges them in; returns the options before. */
export function setKernelOptions(changes: Partial<WebGPUKernelOptions>): WebGPUKernelOptions {
  for (const [key, value] of Object.entries(changes)) {
    const check = CHECKS[key as keyof WebGPUKernelOptions];
    if (!check) throw new Error(`configureWebGPUKernels: unknown option "${key}" (options: ${Object.keys(CHECKS).join(", ")})`);
    if (value === undefined) continue;
    if (!check[0](value)) throw new Error(`configureWebGPUKernels: ${key} must be ${check[1]}, got ${JSON.stringify(value)}`);
  }
  const before = current;
  const next = { ...current };
  for (const [key, value] of Object.entries(changes)) if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  current = next;
  return { ...before };
}
