// Kernels for the backends whose tensors live in host memory (cpu, wasm): what tfjs composes slowly there, done
// on the host's arrays. src/models/ops.ts registers them under its kernel names, beside its composed kernels.
export { splitHeads, mergeHeads } from "./heads";
export { batchMatMulSlices } from "./batchMatMul";
export { nativeMatMul, nativeBatchMatMul, nativeGelu, nativeGeluGrad, nativeLayerNorm } from "./native";
export { softmaxGrad } from "./softmaxGrad";
export { sumRows } from "./sumRows";
export { layerNormGrad } from "./layerNormGrad";
export { embeddingLookup, embeddingGrad } from "./embedding";
export { dropoutMask } from "./dropoutMask";
export type { DropoutMaskAttrs } from "./dropoutMask";
export { hostValues, hostOutput, hostArrays } from "./values";
export { registerSharedIdentity } from "./identity";
