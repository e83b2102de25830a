// WebGPU for TensorFlow.js in Node, through Dawn: backend registration (synchronous reads, raised device limits,
// flags), adapter description, the project's kernels (programs/ hold the WGSL programs, kernels/ one kernel
// function and KernelConfig per kernel name, registerKernels.ts registers them) and the options of those kernels
// (configureWebGPUKernels: the knobs the benchmarks measure with).
export { registerWebGPUBackend, valuesIfOnHost, webgpuStats, resetWebGPUStats, webgpuDeviceInfo, DEFAULT_SUBMIT_BATCH_SIZE } from "./backend";
export type { WebGPUStats, WebGPUDeviceInfo } from "./backend";
export { loadDawn, dawnNodePath, dawnLoadedFrom, DAWN_FLAGS_ENV } from "./dawn";
export { probeWebGPU } from "./probe";
export { describeAdapter, describeWebGPUDevice, isSoftwareAdapter, summarizeAdapter } from "./adapter";
export type { AdapterSummary } from "./adapter";
export { configureWebGPUKernels } from "./configure";
export { DEFAULT_WEBGPU_KERNEL_OPTIONS, webgpuKernelOptions, type WebGPUKernelOptions } from "./options";
export { registerWebGPUKernels } from "./registerKernels";
export { adamwStepOnDevice, hasDeviceAdamW } from "./adamw";
export { adamwStepInPlaceMany, adamwManyPerDispatch, ownsBuffer, type AdamWManyItem, type DeviceClip } from "./adamwMany";
export { matMulTiled } from "./kernels/matMul";
export { WGSL_DROPOUT_HASH } from "./programs/dropout";
