// The "webgpu" TensorFlow.js backend for Node, registered in place of the one @tensorflow/tfjs-backend-webgpu
// registers in a browser. Differences from that factory:
//  - tensor.dataSync()/arraySync() work: readSync copies the buffer to a staging buffer and waits on Dawn through
//    ./eventPump (tfjs's own readSync needs OffscreenCanvas, which Node lacks), so the project's synchronous
//    reads (loss, gradient norm, metrics) run unchanged;
//  - the device asks for the adapter's largest buffers and storage bindings (bert-base's word embedding is
//    94 MB, over WebGPU's default 128 MiB binding limit only for larger vocabularies, but gradients of the
//    stacked layers are not) and for shader-f16 / timestamp-query when the adapter has them;
//  - flags: WEBGPU_CPU_FORWARD=false (small inputs would otherwise run on the CPU, costing a GPU→CPU copy)
//    and a larger WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE (dispatches per queue submit; tfjs default 15; the
//    submitBatch option of ./options.ts);
//  - AddN split into chunks that fit the device's storage-buffer limit (./addN: the gradient norm adds 201 terms);
//  - counters of dispatches, submits and synchronous reads, for the benchmarks (webgpuStats()).
// Validation errors of the device (a bad shader, an oversized buffer) are printed instead of being lost.
import { tf } from "../tf";
import { loadDawn, GpuAdapterLike, GpuDeviceLike } from "./dawn";
import { AdapterSummary, summarizeAdapter } from "./adapter";
import { waitUntil } from "./eventPump";
import { registerChunkedAddN } from "./addN";
import { DEFAULT_WEBGPU_KERNEL_OPTIONS, kernelOptionsView } from "./options";

/** Dispatches per queue submit by default (tfjs's own default is 15); the submitBatch option changes it. */
export const DEFAULT_SUBMIT_BATCH_SIZE = DEFAULT_WEBGPU_KERNEL_OPTIONS.submitBatch;

export interface WebGPUStats {
  dispatches: number;
  submits: number;
  syncReads: number;
  syncReadBytes: number;
  syncReadMs: number;
}

export interface WebGPUDeviceInfo {
  adapter: AdapterSummary;
  requestedFeatures: string[];
  requestedLimits: Record<string, number>;
  submitBatchSize: number;
}

interface TensorDataLike {
  values: unknown;
  dtype: string;
  resource: unknown;
  complexTensorInfos?: { real: { dataId: object }; imag: { dataId: object } };
}

interface GpuBufferLike {
  size: number;
  mapState: string;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}

/** The members of tfjs-backend-webgpu's WebGPUBackend this module uses (tfjs 4.22). */
interface WebGPUBackendBase {
  tensorMap: { get(dataId: object): TensorDataLike | undefined; has(dataId: object): boolean };
  bufferManager: { acquireBuffer(size: number, usage: number): GpuBufferLike; releaseBuffer(b: GpuBufferLike): void };
  commandEncoder: { copyBufferToBuffer(src: unknown, srcOffset: number, dst: unknown, dstOffset: number, size: number): void };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  recordAndSubmit(...args: unknown[]): void;
  convertAndCacheOnCPU(dataId: object, values: unknown): unknown;
  readSync(dataId: object): unknown;
}

type BackendCtor = new (device: GpuDeviceLike, adapterInfo: unknown) => WebGPUBackendBase;

const stats: WebGPUStats = { dispatches: 0, submits: 0, syncReads: 0, syncReadBytes: 0, syncReadMs: 0 };
let deviceInfo: WebGPUDeviceInfo | null = null;
let backendClass: BackendCtor | null = null;
let registered = false;

/** Counters since the process started (or since resetWebGPUStats). */
export function webgpuStats(): WebGPUStats {
  return { ...stats };
}

/** Counts a dispatch encoded outside tfjs's recordAndSubmit (./adamwMany.ts). */
export function countDispatch(): void {
  stats.dispatches += 1;
}

export function resetWebGPUStats(): void {
  stats.dispatches = 0;
  stats.submits = 0;
  stats.syncReads = 0;
  stats.syncReadBytes = 0;
  stats.syncReadMs = 0;
}

/** The adapter and device settings of the webgpu backend once it was created (null before). */
export function webgpuDeviceInfo(): WebGPUDeviceInfo | null {
  return deviceInfo;
}

/**
 * The tensor's values when they cost nothing to read: always on CPU backends; on webgpu only while tfjs still
 * holds the host copy (a tensor made from JavaScript data and not yet uploaded). null when reading would be a
 * GPU → CPU copy, which waits for every queued dispatch.
 */
export function valuesIfOnHost(t: tf.Tensor): ArrayLike<number> | null {
  if (tf.getBackend() !== "webgpu") return t.dataSync() as ArrayLike<number>;
  const rec = (tf.backend() as unknown as WebGPUBackendBase).tensorMap.get(t.dataId);
  return rec && rec.values != null && ArrayBuffer.isView(rec.values) ? (rec.values as unknown as ArrayLike<number>) : null;
}

function typedArrayOf(buffer: ArrayBuffer, dtype: string): Float32Array | Int32Array | Uint8Array {
  if (dtype === "float32") return new Float32Array(buffer);
  if (dtype === "int32" || dtype === "bool") return new Int32Array(buffer);
  throw new Error(`webgpu readSync: unsupported dtype ${dtype}`);
}

function syncReadClass(Base: BackendCtor): BackendCtor {
  const G = globalThis as unknown as { GPUBufferUsage: Record<string, number>; GPUMapMode: Record<string, number> };
  class SyncReadWebGPUBackend extends Base {
    readSync(dataId: object): unknown {
      const data = this.tensorMap.get(dataId);
      if (!data) throw new Error("webgpu readSync: the tensor was disposed");
      if (data.values != null || data.dtype === "string" || data.dtype === "complex64") return super.readSync(dataId);
      const buffer = data.resource as GpuBufferLike | null;
      if (!buffer || typeof buffer.size !== "number") throw new Error("webgpu readSync: the tensor has neither CPU values nor a GPU buffer (a texture-backed tensor?)");
      const t0 = performance.now();
      const size = buffer.size;
      const staging = this.bufferManager.acquireBuffer(size, G.GPUBufferUsage.MAP_READ | G.GPUBufferUsage.COPY_DST);
      this.ensureCommandEncoderReady();
      this.endComputePassEncoder();
      this.commandEncoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
      this.submitQueue();
      let failure: unknown = null;
      staging.mapAsync(G.GPUMapMode.READ).catch((err: unknown) => {
        failure = err ?? new Error("mapAsync failed");
      });
      waitUntil(() => failure !== null || staging.mapState === "mapped", "a GPU → CPU copy", readTimeoutMs());
      if (failure !== null) {
        this.bufferManager.releaseBuffer(staging);
        throw new Error(`webgpu readSync: mapping the staging buffer failed (${failure instanceof Error ? failure.message : String(failure)}); the GPU device may be lost`);
      }
      const bytes = staging.getMappedRange().slice(0);
      staging.unmap();
      this.bufferManager.releaseBuffer(staging);
      const values = typedArrayOf(bytes, data.dtype);
      this.convertAndCacheOnCPU(dataId, values);
      stats.syncReads += 1;
      stats.syncReadBytes += size;
      stats.syncReadMs += performance.now() - t0;
      return values;
    }

    recordAndSubmit(...args: unknown[]): void {
      stats.dispatches += 1;
      super.recordAndSubmit(...args);
    }

    submitQueue(): void {
      stats.submits += 1;
      super.submitQueue();
    }
  }
  return SyncReadWebGPUBackend;
}

/** Longest wait for one synchronous read (the readTimeoutS option; default 30 min: a whole evaluation can be queued). */
function readTimeoutMs(): number {
  return kernelOptionsView().readTimeoutS * 1000;
}

/** Sets the dispatches per queue submit of the running backend (none yet: it takes the option when created). */
export function applySubmitBatch(n: number): void {
  if (!deviceInfo) return;
  tf.env().set("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE", n);
  deviceInfo.submitBatchSize = n;
}

/** Limits worth raising to the adapter's maximum (WebGPU defaults are sized for web pages). */
const RAISED_LIMITS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeWorkgroupsPerDimension",
  "maxComputeWorkgroupSizeX",
  "maxComputeInvocationsPerWorkgroup",
  "maxStorageBuffersPerShaderStage",
];
const WANTED_FEATURES = ["timestamp-query", "shader-f16"];

async function createBackend(onCreated: () => void): Promise<unknown> {
  const gpu = loadDawn();
  const adapter: GpuAdapterLike | null = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("WebGPU: Dawn found no adapter (no Vulkan/Metal/D3D12 driver for a GPU, and no software fallback)");
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const k of RAISED_LIMITS) if (typeof adapter.limits[k] === "number") requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: "bert-imdb-ts" });
  device.onuncapturederror = (ev) => console.error(`WebGPU error: ${ev.error?.message ?? String(ev)}`);
  void device.lost.then((info) => {
    if (info.reason !== "destroyed") console.error(`WebGPU device lost (${info.reason}): ${info.message}`);
  });
  const batch = kernelOptionsView().submitBatch;
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  tf.env().set("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE", batch);
  if (!backendClass) {
    const { WebGPUBackend } = require("@tensorflow/tfjs-backend-webgpu") as { WebGPUBackend: BackendCtor };
    backendClass = syncReadClass(WebGPUBackend);
  }
  const backend = new backendClass(device, adapter.info);
  registerChunkedAddN();
  deviceInfo = { adapter: summarizeAdapter(adapter), requestedFeatures: requiredFeatures, requestedLimits: requiredLimits, submitBatchSize: batch };
  onCreated();
  return backend;
}

/**
 * Registers this module's "webgpu" backend factory with tfjs (idempotent), replacing the package's own. Dawn and
 * the tfjs webgpu kernels are loaded here; the device is only created when tfjs first uses the backend.
 * `onCreated` runs once the backend exists (to register the project's own kernels).
 */
export function registerWebGPUBackend(onCreated: () => void = () => undefined): void {
  if (registered) return;
  loadDawn();
  // Importing the package registers its kernels (and, with navigator.gpu set, a factory of its own).
  require("@tensorflow/tfjs-backend-webgpu");
  if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  // Priority 0: never chosen by tfjs on its own; initBackend picks it explicitly.
  tf.registerBackend("webgpu", (() => createBackend(onCreated)) as unknown as () => Promise<tf.KernelBackend>, 0);
  registered = true;
}
