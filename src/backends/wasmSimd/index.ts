// WebAssembly SIMD kernels on tfjs-wasm's heap (AdamW, the gradient norm's sum of squares, LayerNorm's gradient,
// dropout masks), used by the host kernels when the backend is wasm.
export { wasmHeap, wasmSimdKernels, wasmSimdUnavailable } from "./load";
export type { WasmHeap, WasmSimdKernels } from "./load";
