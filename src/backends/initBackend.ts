// Chooses and initialises the TensorFlow.js backend for this process.
// Automatic order: @tensorflow/tfjs-node-gpu on a CUDA GPU → WebGPU (Dawn) on a real GPU adapter → the native
// TensorFlow C library on the CPU (tfjs-node, or tfjs-node-gpu without a usable GPU) → wasm (XNNPACK, SIMD) →
// cpu (plain JavaScript). wasm comes before cpu because it was measured faster for BERT training steps here
// (bench/backend.ts: ≈28 against ≈0.7 GFLOP/s on matrix products; see the report), and cpu remains the fallback
// when wasm cannot start. A software WebGPU adapter (Mesa llvmpipe, SwiftShader: shaders on the CPU) is skipped
// by the automatic choice but used when asked for. `BERT_IMDB_BACKEND=webgpu|tensorflow|wasm|cpu` or the `name`
// argument forces one (an error, not a silent fallback, if it cannot start). WebGPU details: ./webgpu.
import * as os from "node:os";
import { tf } from "./tf";
import { guardWasmHeap } from "./wasmGuard";
import { nativeKernels } from "./onnxruntime/index";
import { wasmSimdKernels, wasmSimdUnavailable } from "./wasmSimd/index";
import { registerSharedIdentity } from "./host/index";
import { describeAdapter, describeWebGPUDevice, probeWebGPU, registerWebGPUBackend, registerWebGPUKernels, webgpuDeviceInfo } from "./webgpu/index";

export type BackendName = "webgpu" | "tensorflow" | "wasm" | "cpu";

export interface BackendInfo {
  /** TensorFlow.js backend name as tf.getBackend() reports it. */
  backend: BackendName;
  /** What runs the kernels, in words (e.g. "CPU: WebAssembly SIMD (XNNPACK), 1 thread"). */
  device: string;
  /** Why this backend was chosen. */
  reason: string;
  /** Backends tried before it, with the reason each was skipped. */
  skipped: string[];
}

const BACKENDS: BackendName[] = ["webgpu", "tensorflow", "wasm", "cpu"];
export const BACKEND_ENV = "BERT_IMDB_BACKEND";

let current: BackendInfo | null = null;

function cpuModel(): string {
  const cpus = os.cpus();
  return cpus.length ? `${cpus[0].model.trim()} × ${cpus.length}` : "unknown CPU";
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message.split("\n")[0] : String(err);
}

/** Loads a native TensorFlow binding package; returns null when it is absent or only an npm alias. */
function loadNativePackage(pkg: string, skipped: string[]): boolean {
  let manifest: { name?: string; version?: string };
  try {
    manifest = require(`${pkg}/package.json`);
  } catch {
    skipped.push(`${pkg}: not installed`);
    return false;
  }
  if (manifest.name !== pkg) {
    // package.json overrides map @tensorflow/tfjs-node to plain @tensorflow/tfjs (for danfojs): no native code.
    skipped.push(`${pkg}: an alias of ${manifest.name}@${manifest.version}, not the native binding`);
    return false;
  }
  try {
    require(pkg);
  } catch (err) {
    skipped.push(`${pkg}: failed to load (${errText(err)})`);
    return false;
  }
  if (!tf.findBackend("tensorflow")) {
    skipped.push(`${pkg}: loaded but registered no "tensorflow" backend`);
    return false;
  }
  return true;
}

/** Switches tfjs to `name`; on failure (false or an exception) records why under `label` and returns false. */
async function activate(name: BackendName, skipped: string[], label: string = name): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (ok && tf.getBackend() === name) return true;
    skipped.push(`${label}: setBackend failed`);
  } catch (err) {
    skipped.push(`${label}: ${errText(err)}`);
  }
  return false;
}

/** Result of loading the native binding: which package, or null (reasons in `skipped`). Loaded once per process. */
let nativeBinding: { pkg: string } | null | undefined;
const nativeSkips: string[] = [];

function loadNative(skipped: string[]): { pkg: string } | null {
  if (nativeBinding === undefined) {
    const gpuPkg = "@tensorflow/tfjs-node-gpu";
    const cpuPkg = "@tensorflow/tfjs-node";
    nativeBinding = loadNativePackage(gpuPkg, nativeSkips) ? { pkg: gpuPkg } : loadNativePackage(cpuPkg, nativeSkips) ? { pkg: cpuPkg } : null;
  }
  for (const reason of nativeSkips) if (!skipped.includes(reason)) skipped.push(reason);
  return nativeBinding;
}

function tensorflowUsesGpu(): boolean {
  return Boolean((tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice);
}

/** The native binding, CPU or GPU (asked for by name, or the automatic choice after WebGPU). */
async function tryTensorflow(skipped: string[]): Promise<string | null> {
  const native = loadNative(skipped);
  if (!native) return null;
  if (!(await activate("tensorflow", skipped))) return null;
  return tensorflowUsesGpu() ? "GPU (CUDA) through the TensorFlow C library (tfjs-node-gpu)" : `CPU through the TensorFlow C library (${native.pkg}): ${cpuModel()}`;
}

/** The automatic choice's first candidate: tfjs-node-gpu, only when TensorFlow found a CUDA device. */
async function tryTensorflowGpu(skipped: string[]): Promise<string | null> {
  const native = loadNative(skipped);
  if (!native) return null;
  if (native.pkg !== "@tensorflow/tfjs-node-gpu") return null;
  if (!(await activate("tensorflow", skipped, "tensorflow (GPU)"))) return null;
  if (!tensorflowUsesGpu()) {
    skipped.push(
      "@tensorflow/tfjs-node-gpu: loaded, but TensorFlow found no CUDA GPU (it needs CUDA 11.2 and cuDNN 8.1 on LD_LIBRARY_PATH; see environment.md); kept as the CPU fallback",
    );
    return null;
  }
  return "GPU (CUDA) through the TensorFlow C library (tfjs-node-gpu)";
}

async function tryWasm(skipped: string[]): Promise<string | null> {
  try {
    require("@tensorflow/tfjs-backend-wasm");
  } catch (err) {
    skipped.push(`wasm: @tensorflow/tfjs-backend-wasm failed to load (${errText(err)})`);
    return null;
  }
  registerSharedIdentity();
  if (!(await activate("wasm", skipped))) return null;
  // Sanity check: a small product must match the exact result (a broken wasm build would fail here).
  const got = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])).dataSync());
  if (Array.from(got).join() !== "19,22,43,50") {
    skipped.push("wasm: a test product gave a wrong result");
    return null;
  }
  guardWasmHeap();
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  const native = nativeKernels();
  const products = native ? `; products, GELU and LayerNorm in ONNX Runtime (MLAS), ${native.threads} thread${native.threads > 1 ? "s" : ""}` : "";
  // Instantiated now, so that its scratch memory is in the heap before the first kernel runs.
  const ownSimd = wasmSimdKernels(tf.backend())
    ? "; AdamW, dropout masks, embeddings, the heads' layout, row sums and the LayerNorm and softmax gradients in WebAssembly SIMD"
    : `; the project's SIMD kernels not in use (${wasmSimdUnavailable() ?? "the backend's memory is not tfjs-wasm's"}): JavaScript loops instead`;
  return `CPU: WebAssembly${simd ? " SIMD" : ""} (XNNPACK), ${threads ? "multi-threaded" : "1 thread"}${products}${ownSimd}, heap ≤ 4 GiB: ${cpuModel()}`;
}

/** WebGPU through Dawn; a software adapter only when `allowSoftware` (asked for by name). */
async function tryWebgpu(skipped: string[], allowSoftware = true): Promise<string | null> {
  let description: string;
  try {
    const adapter = await probeWebGPU();
    if (!adapter) {
      skipped.push("webgpu: Dawn found no GPU adapter (no Vulkan/Metal/D3D12 driver)");
      return null;
    }
    description = describeWebGPUDevice(adapter);
    if (adapter.software && !allowSoftware) {
      skipped.push(`webgpu: only a software adapter (${describeAdapter(adapter)}: shaders on the CPU, slower than wasm); ${BACKEND_ENV}=webgpu uses it anyway`);
      return null;
    }
    registerWebGPUBackend(() => registerWebGPUKernels());
  } catch (err) {
    skipped.push(`webgpu: ${errText(err)}`);
    return null;
  }
  if (!(await activate("webgpu", skipped))) return null;
  const dev = webgpuDeviceInfo();
  return dev ? describeWebGPUDevice(dev.adapter) : description;
}

async function tryCpu(skipped: string[]): Promise<string | null> {
  if (!(await activate("cpu", skipped))) return null;
  return `CPU: plain JavaScript kernels, 1 thread: ${cpuModel()}`;
}

const TRY: Record<BackendName, (skipped: string[]) => Promise<string | null>> = {
  webgpu: (skipped) => tryWebgpu(skipped, true),
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: tryCpu,
};

function parseName(name: string, source: string): BackendName {
  const n = name.trim().toLowerCase();
  if ((BACKENDS as string[]).includes(n)) return n as BackendName;
  throw new Error(`${source}="${name}" is not a backend: use one of ${BACKENDS.join(", ")} (or leave it unset to choose automatically)`);
}

/**
 * Initialises the backend: `name` if given, else BERT_IMDB_BACKEND, else the automatic order
 * tfjs-node-gpu on CUDA → WebGPU on a real GPU → native TensorFlow on the CPU → wasm → cpu.
 * Prints one line saying which (unless quiet), with the GPU's name for the GPU backends.
 * Calling it again returns the same choice unless a different backend is asked for.
 */
export async function initBackend(name?: BackendName | "auto", opts: { quiet?: boolean } = {}): Promise<BackendInfo> {
  const env = process.env[BACKEND_ENV];
  const requested: BackendName | null =
    name && name !== "auto" ? parseName(name, "initBackend(name)") : env && env.trim() && env.trim() !== "auto" ? parseName(env, BACKEND_ENV) : null;
  if (current && (!requested || requested === current.backend) && tf.getBackend() === current.backend) return current;

  const skipped: string[] = [];
  let info: BackendInfo | null = null;
  if (requested) {
    const device = await TRY[requested](skipped);
    if (!device) {
      throw new Error(
        `The TensorFlow.js backend "${requested}" (asked for by ${name ? "initBackend()" : BACKEND_ENV}) could not start: ${skipped.join("; ")}. ` +
          `Unset ${BACKEND_ENV} to choose automatically, or pick another of ${BACKENDS.join(", ")}.`,
      );
    }
    info = { backend: requested, device, reason: `asked for by ${name ? "initBackend()" : BACKEND_ENV}`, skipped };
  } else {
    const order: Array<[BackendName, (skipped: string[]) => Promise<string | null>, string]> = [
      ["tensorflow", tryTensorflowGpu, "tfjs-node-gpu found a CUDA GPU"],
      ["webgpu", (sk) => tryWebgpu(sk, false), "a GPU adapter was found (WebGPU through Dawn)"],
      ["tensorflow", tryTensorflow, "native TensorFlow binding found (no GPU)"],
      ["wasm", tryWasm, "no GPU and no native TensorFlow binding; wasm measured fastest of the JavaScript backends for BERT steps"],
      ["cpu", tryCpu, "no GPU, no native TensorFlow binding, and wasm could not start"],
    ];
    for (const [candidate, attempt, reason] of order) {
      const device = await attempt(skipped);
      if (device) {
        info = { backend: candidate, device, reason, skipped };
        break;
      }
    }
    if (!info) throw new Error(`No TensorFlow.js backend could start: ${skipped.join("; ")}`);
  }
  current = info;
  if (!opts.quiet) console.log(`TensorFlow.js backend: ${info.backend} — ${info.device} (${info.reason})`);
  return info;
}

/** The backend chosen by initBackend (or, if it was not called, what tfjs is using now). */
export function backendInfo(): BackendInfo {
  if (current && tf.getBackend() === current.backend) return current;
  const b = tf.getBackend() as BackendName;
  return { backend: b, device: b === "cpu" ? `CPU: plain JavaScript kernels: ${cpuModel()}` : b, reason: "tfjs default (initBackend not called)", skipped: [] };
}
