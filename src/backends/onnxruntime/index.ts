// ONNX Runtime (onnxruntime-node, CPU) as a library of kernels: loading it (./load) and the matrix products the
// host backends' kernels call (./products). Inference on whole models is src/onnx/runtime.ts.
export { loadOnnxRuntime, onnxRuntimeVersion, allCores } from "./load";
export type { OnnxRuntimeModule, OrtTensor, OrtSession } from "./load";
export { nativeProducts, nativeProductsUnavailable } from "./products";
export type { NativeProducts } from "./products";
