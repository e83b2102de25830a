// WebGPU for TensorFlow.js in Node, through Dawn: backend registration (synchronous reads, raised device limits,
// flags), adapter description, and the project's fused kernels (AdamW, sum of squares, LayerNorm).
export { registerWebGPUBackend, valuesIfOnHost, webgpuStats, resetWebGPUStats, webgpuDeviceInfo, DEFAULT_SUBMIT_BATCH_SIZE, SUBMIT_BATCH_ENV, READ_TIMEOUT_ENV } from "./backend";
export type { WebGPUStats, WebGPUDeviceInfo } from "./backend";
export { loadDawn, dawnNodePath, dawnLoadedFrom, DAWN_FLAGS_ENV } from "./dawn";
export { probeWebGPU } from "./probe";
export { describeAdapter, describeWebGPUDevice, isSoftwareAdapter, summarizeAdapter } from "./adapter";
export type { AdapterSummary } from "./adapter";
export { registerWebGPUKernels, FUSED_KERNELS_ENV } from "./kernels";
export { adamwStepOnDevice, hasDeviceAdamW, registerWebGPUAdamW } from "./adamw";
export { adamwStepInPlaceMany, adamwManyPerDispatch, ownsBuffer, type AdamWManyItem, type DeviceClip } from "./adamwMany";
export { registerWebGPUSumOfSquares } from "./sumOfSquares";
export { layerNormFused, layerNormResidualFused, hasFusedLayerNorm, registerWebGPULayerNorm, LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL } from "./layerNorm";
export { geluFused, hasFusedGelu, registerWebGPUGelu, GELU_KERNEL, GELU_GRAD_KERNEL } from "./gelu";
export { dropoutApply, dropoutFused, hasFusedDropout, registerWebGPUDropout, DROPOUT_APPLY_KERNEL, WGSL_DROPOUT_HASH, type DropoutSite } from "./dropout";
export { linearGeluInference, matMulTiled, matMulVec4, registerWebGPUMatMul, MATMUL_KERNEL, MATMUL_VARIANT_ENV } from "./matmul";
export { attentionFused, hasFusedAttention, registerWebGPUAttention, ATTENTION_KERNEL } from "./attention";
export { attentionFusedGrad, hasFusedAttentionGrad, registerWebGPUAttentionGrad, ATTENTION_GRAD_KERNEL } from "./attentionGrad";
export { TRAIN_FUSED_ENV, trainFusedAsked } from "./trainFused";
