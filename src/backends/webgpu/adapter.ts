// What a WebGPU adapter is, in words: its vendor/architecture/device, whether it is a software rasterizer
// (Mesa's llvmpipe/lavapipe, SwiftShader, WARP: they run shaders on the CPU, slower for BERT than the wasm
// backend), and its limits that matter for BERT (one storage binding must hold bert-base's 94 MB embedding).
import type { GpuAdapterLike } from "./dawn";

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU implementations of WebGPU (llvmpipe, SwiftShader, WARP, Dawn's fallback adapter). */
  software: boolean;
  features: string[];
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number; maxComputeWorkgroupStorageSize: number; maxComputeInvocationsPerWorkgroup: number };
}

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i;

export function isSoftwareAdapter(info: GpuAdapterLike["info"]): boolean {
  if (info.isFallbackAdapter) return true;
  if (/^(software|cpu)$/i.test(info.architecture ?? "")) return true;
  return SOFTWARE.test(`${info.vendor} ${info.device} ${info.description}`);
}

export function summarizeAdapter(adapter: GpuAdapterLike): AdapterSummary {
  const info = adapter.info;
  const features = Array.from(adapter.features);
  const L = adapter.limits;
  return {
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    device: info.device ?? "",
    description: info.description ?? "",
    software: isSoftwareAdapter(info),
    features: features.sort(),
    limits: {
      maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
      maxBufferSize: L.maxBufferSize,
      maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
    },
  };
}

/** One line naming the adapter: "nvidia hopper NVIDIA H200 (…)", "mesa software llvmpipe-… (llvmpipe: Mesa 25.0.7 …)". */
export function describeAdapter(s: AdapterSummary): string {
  const words: string[] = [];
  for (const w of [s.vendor, s.architecture, s.device]) if (w && !words.includes(w)) words.push(w);
  const desc = s.description && !words.includes(s.description) ? ` (${s.description})` : "";
  return `${words.join(" ") || "unnamed adapter"}${desc}`;
}

/** The backend's device line: "GPU (WebGPU through Dawn): …", or "CPU (WebGPU through Dawn, software adapter): …". */
export function describeWebGPUDevice(s: AdapterSummary): string {
  return `${s.software ? "CPU (WebGPU through Dawn, software adapter — shaders run on the CPU)" : "GPU (WebGPU through Dawn)"}: ${describeAdapter(s)}`;
}
