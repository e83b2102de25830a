// Loads Dawn, Google's WebGPU implementation, in Node: dawn.node from the npm package `webgpu` (or the file
// named by DAWN_NODE, as on a GPU host that received it without node_modules). Installs its globals
// (GPUBufferUsage, GPUMapMode, …) and navigator.gpu, which @tensorflow/tfjs-backend-webgpu needs, and the event
// pump (./eventPump) that lets tensor.dataSync() wait for the GPU. Dawn is loaded once per process.
import * as path from "node:path";
import { installEventPump } from "./eventPump";

/** The parts of WebGPU's adapter this project reads (dawn.node implements the full W3C interface). */
export interface GpuAdapterLike {
  readonly info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  readonly features: { has(name: string): boolean } & Iterable<string>;
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number>; label?: string }): Promise<GpuDeviceLike>;
}

export interface GpuDeviceLike {
  readonly limits: Record<string, number>;
  readonly features: { has(name: string): boolean };
  readonly lost: Promise<{ reason: string; message: string }>;
  onuncapturederror: ((ev: { error: { message: string } }) => void) | null;
  destroy(): void;
}

export interface GpuLike {
  requestAdapter(options?: { powerPreference?: "high-performance" | "low-power"; forceFallbackAdapter?: boolean }): Promise<GpuAdapterLike | null>;
}

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** Extra dawn.node creation flags, space-separated (e.g. "enable-dawn-features=allow_unsafe_apis"). */
export const DAWN_FLAGS_ENV = "BERT_IMDB_DAWN_FLAGS";

let gpu: GpuLike | null = null;
let loadedFrom = "";

/** Where dawn.node is: $DAWN_NODE, else inside the installed `webgpu` package for this platform. */
export function dawnNodePath(): string {
  if (process.env.DAWN_NODE) return path.resolve(process.env.DAWN_NODE);
  let pkgJson: string;
  try {
    pkgJson = require.resolve("webgpu/package.json");
  } catch {
    throw new Error("Dawn is not available: the npm package `webgpu` is not installed (npm install webgpu) and DAWN_NODE does not name a dawn.node file");
  }
  const dir = process.platform === "darwin" ? "darwin-universal" : `${process.platform}-${process.arch}`;
  return path.join(path.dirname(pkgJson), "dist", dir, "dawn.node");
}

/** The file Dawn was loaded from ("" before loadDawn). */
export function dawnLoadedFrom(): string {
  return loadedFrom;
}

/** Loads dawn.node once and installs navigator.gpu and the WebGPU globals. Returns navigator.gpu. */
export function loadDawn(): GpuLike {
  if (gpu) return gpu;
  const file = dawnNodePath();
  installEventPump();
  let dawn: DawnModule;
  try {
    // A computed path: bundlers leave it alone, and Node loads the native module at run time.
    dawn = module.require(file) as DawnModule;
  } catch (err) {
    throw new Error(`could not load Dawn from ${file}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
  }
  const flags = (process.env[DAWN_FLAGS_ENV] ?? "").split(/\s+/).filter((f) => f);
  const created = dawn.create(flags);
  const g = globalThis as unknown as Record<string, unknown> & { navigator?: Record<string, unknown> };
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in g)) g[k] = v;
  if (!g.navigator) g.navigator = {};
  Object.defineProperty(g.navigator, "gpu", { value: created, configurable: true, writable: true });
  gpu = created;
  loadedFrom = file;
  return created;
}
