// Chooses and initialises the TensorFlow.js backend for this process.
// Automatic order: @tensorflow/tfjs-node-gpu (CUDA) → the real @tensorflow/tfjs-node (TensorFlow C library)
// → wasm (XNNPACK, SIMD) → cpu (plain JavaScript). wasm comes before cpu because it was measured faster for
// BERT training steps here (bench/backend.ts: ≈28 against ≈0.7 GFLOP/s on matrix products; see the report),
// and cpu remains the fallback when wasm cannot start. `BERT_IMDB_BACKEND=webgpu|tensorflow|wasm|cpu` or the
// `name` argument forces one (an error, not a silent fallback, if it cannot start). WebGPU is only tried when
// asked for: Dawn through the `webgpu` package, installed as navigator.gpu before the tfjs webgpu backend loads.
import * as os from "node:os";
import { importEsm } from "../io/esm";
import { tf } from "./tf";
import { guardWasmHeap } from "./wasmGuard";

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

async function activate(name: BackendName): Promise<boolean> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  return ok && tf.getBackend() === name;
}

async function tryTensorflow(skipped: string[]): Promise<string | null> {
  const gpu = loadNativePackage("@tensorflow/tfjs-node-gpu", skipped);
  const native = gpu || loadNativePackage("@tensorflow/tfjs-node", skipped);
  if (!native) return null;
  if (!(await activate("tensorflow"))) {
    skipped.push("tensorflow: setBackend failed");
    return null;
  }
  const usingGpu = Boolean((tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice);
  return usingGpu ? "GPU (CUDA) through the TensorFlow C library (tfjs-node-gpu)" : `CPU through the TensorFlow C library: ${cpuModel()}`;
}

async function tryWasm(skipped: string[]): Promise<string | null> {
  try {
    require("@tensorflow/tfjs-backend-wasm");
  } catch (err) {
    skipped.push(`wasm: @tensorflow/tfjs-backend-wasm failed to load (${errText(err)})`);
    return null;
  }
  try {
    if (!(await activate("wasm"))) {
      skipped.push("wasm: setBackend failed");
      return null;
    }
  } catch (err) {
    skipped.push(`wasm: ${errText(err)}`);
    return null;
  }
  // Sanity check: a small product must match the exact result (a broken wasm build would fail here).
  const got = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]])).dataSync());
  if (Array.from(got).join() !== "19,22,43,50") {
    skipped.push("wasm: a test product gave a wrong result");
    return null;
  }
  guardWasmHeap();
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  return `CPU: WebAssembly${simd ? " SIMD" : ""} (XNNPACK), ${threads ? "multi-threaded" : "1 thread"}, heap ≤ 4 GiB: ${cpuModel()}`;
}

async function tryWebgpu(skipped: string[]): Promise<string | null> {
  let description = "GPU (WebGPU through Dawn)";
  try {
    const { create, globals } = await importEsm<{ create(flags: string[]): unknown; globals: Record<string, unknown> }>("webgpu");
    const g = globalThis as unknown as { navigator?: Record<string, unknown> };
    Object.assign(globalThis, globals);
    const gpu = create([]) as { requestAdapter(): Promise<{ info?: Record<string, string> } | null> };
    if (!g.navigator) g.navigator = {};
    Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true, writable: true });
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      skipped.push("webgpu: Dawn found no GPU adapter");
      return null;
    }
    const info = adapter.info ?? {};
    const words = [info.vendor, info.architecture, info.device, info.description].filter((w) => w);
    if (words.length) description = `GPU (WebGPU through Dawn): ${words.join(" ")}`;
    require("@tensorflow/tfjs-backend-webgpu");
  } catch (err) {
    skipped.push(`webgpu: ${errText(err)}`);
    return null;
  }
  try {
    if (!(await activate("webgpu"))) {
      skipped.push("webgpu: setBackend failed");
      return null;
    }
  } catch (err) {
    skipped.push(`webgpu: ${errText(err)}`);
    return null;
  }
  return description;
}

async function tryCpu(skipped: string[]): Promise<string | null> {
  if (!(await activate("cpu"))) {
    skipped.push("cpu: setBackend failed");
    return null;
  }
  return `CPU: plain JavaScript kernels, 1 thread: ${cpuModel()}`;
}

const TRY: Record<BackendName, (skipped: string[]) => Promise<string | null>> = {
  webgpu: tryWebgpu,
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
 * tensorflow (tfjs-node-gpu, then real tfjs-node) → wasm → cpu. Prints one line saying which (unless quiet).
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
    for (const candidate of ["tensorflow", "wasm", "cpu"] as BackendName[]) {
      const device = await TRY[candidate](skipped);
      if (device) {
        const reason =
          candidate === "tensorflow"
            ? "native TensorFlow binding found"
            : candidate === "wasm"
              ? "no native TensorFlow binding; wasm measured fastest of the JavaScript backends for BERT steps"
              : "no native TensorFlow binding and wasm could not start";
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
