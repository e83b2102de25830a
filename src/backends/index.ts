// The TensorFlow.js instance, backend selection and backend-aware helpers.
export { tf } from "./tf";
export { initBackend, backendInfo, BACKEND_ENV } from "./initBackend";
export type { BackendInfo, BackendName } from "./initBackend";
export { guardWasmHeap, wasmHeapBytes, WasmHeapExhaustedError, WASM_HEAP_LIMIT_BYTES } from "./wasmGuard";
export { matMulFast } from "./matmul";
