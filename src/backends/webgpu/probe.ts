// Asks Dawn for its preferred adapter without creating a device or loading the tfjs webgpu backend: what
// initBackend needs to decide whether WebGPU is worth using (a real GPU) or not (none, or a software one).
import { loadDawn } from "./dawn";
import { AdapterSummary, summarizeAdapter } from "./adapter";

/** The adapter Dawn would use, or null when there is none (no GPU driver and no software fallback). */
export async function probeWebGPU(): Promise<AdapterSummary | null> {
  const gpu = loadDawn();
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  return adapter ? summarizeAdapter(adapter) : null;
}
