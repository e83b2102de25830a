// The benchmarks' command-line flags for the WebGPU kernels' options (src/backends/webgpu/options.ts), shared by
// bench/gpu/device.ts, bench/gpu/dispatches.ts and bench/train.ts. Library code never reads these settings from
// the environment; a benchmark sets them with configureWebGPUKernels before (or after) the backend starts.
import { configureWebGPUKernels, DEFAULT_WEBGPU_KERNEL_OPTIONS, webgpuKernelOptions, type WebGPUKernelOptions } from "../../src/backends/webgpu";

export const KERNEL_FLAGS_HELP =
  "--matmul-variant vec4|scalar  --matmul-tile auto|64|128  --matmul-bk 8|16|32  --submit-batch N (dispatches per queue submit)  " +
  "--train-fused 0|1 (fused attention and dropout kernels in training)  --fused-kernels 0|1 (0: tfjs's kernels and the composed forms only)  " +
  "--read-timeout-s S (longest wait for one read from the GPU)";

function value(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  if (i + 1 >= argv.length) throw new Error(`--${name} needs a value`);
  return argv[i + 1];
}

function bool(name: string, v: string): boolean {
  if (v === "1" || v === "true") return true;
  if (v === "0" || v === "false") return false;
  throw new Error(`--${name} must be 0 or 1, got ${v}`);
}

function num(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${v}`);
  return n;
}

/** The options the flags in `argv` ask for (only those given; `defaults` for the rest this benchmark changes). */
export function kernelOptionsFromArgs(argv: readonly string[] = process.argv, defaults: Partial<WebGPUKernelOptions> = {}): Partial<WebGPUKernelOptions> {
  const out: Partial<WebGPUKernelOptions> = { ...defaults };
  const get = (name: string) => value(argv, name);
  let v: string | undefined;
  if ((v = get("matmul-variant")) !== undefined) out.matMulVariant = v as WebGPUKernelOptions["matMulVariant"];
  if ((v = get("matmul-tile")) !== undefined) out.matMulTile = v === "auto" ? "auto" : (num("matmul-tile", v) as 64 | 128);
  if ((v = get("matmul-bk")) !== undefined) out.matMulBk = num("matmul-bk", v) as 8 | 16 | 32;
  if ((v = get("submit-batch")) !== undefined) out.submitBatch = num("submit-batch", v);
  if ((v = get("train-fused")) !== undefined) out.trainFused = bool("train-fused", v);
  if ((v = get("fused-kernels")) !== undefined) out.fusedKernels = bool("fused-kernels", v);
  if ((v = get("read-timeout-s")) !== undefined) out.readTimeoutS = num("read-timeout-s", v);
  return out;
}

/**
 * Sets the options the flags ask for (configureWebGPUKernels checks the values and names a bad one) and returns
 * those that differ from the library's defaults, as a one-line description for the benchmark's output.
 */
export function applyKernelFlags(argv: readonly string[] = process.argv, defaults: Partial<WebGPUKernelOptions> = {}): string {
  configureWebGPUKernels(kernelOptionsFromArgs(argv, defaults));
  return describeKernelOptions();
}

/** The options in effect, e.g. "webgpu kernels: matMulVariant scalar, trainFused true" ("defaults" when none differ). */
export function describeKernelOptions(): string {
  const o = webgpuKernelOptions();
  const changed = Object.entries(o).filter(([k, v]) => (DEFAULT_WEBGPU_KERNEL_OPTIONS as unknown as Record<string, unknown>)[k] !== v);
  return `webgpu kernel options: ${changed.length ? changed.map(([k, v]) => `${k} ${v}`).join(", ") : "defaults"}`;
}
