// ONNX Runtime (onnxruntime-node, CPU) as a library of kernels: loading it (./load) and the kernels the host
// backends call (./kernels: matrix products, GELU). Inference on whole models is src/onnx/runtime.ts.
export { loadOnnxRuntime, onnxRuntimeVersion, allCores } from "./load";
export type { OnnxRuntimeModule, OrtTensor, OrtSession } from "./load";
export { nativeKernels, nativeKernelsUnavailable } from "./kernels";
export type { NativeKernels } from "./kernels";
export { canFreeBuffers, freeBuffer } from "./freeBuffer";
