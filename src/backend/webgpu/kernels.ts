// The project's own WebGPU kernels, registered when the webgpu backend is created:
//   - the fused AdamW update (in place) and the sums of squares of the gradient norm (src/train picks them up);
//   - LayerNorm and exact GELU, forward and backward (src/model/ops.ts calls them where registered);
//   - the dropout mask generator of src/model/dropout.ts (masks built on the GPU, same values as on the host);
//   - a 64/128-tiled matMul for the linear layers' forward products;
//   - attention in one dispatch (online softmax) where there is no attention dropout (evaluation, inference).
// BERT_IMDB_WEBGPU_FUSED=0 leaves them out (tfjs-op fallbacks run instead), to compare or to rule them out.
import { registerWebGPUAdamW } from "./adamw";
import { registerWebGPUAttention } from "./attention";
import { registerWebGPUDropout } from "./dropout";
import { registerWebGPUGelu } from "./gelu";
import { registerWebGPUMatMul } from "./matmul";
import { registerWebGPULayerNorm } from "./layerNorm";
import { registerWebGPUSumOfSquares } from "./sumOfSquares";

export const FUSED_KERNELS_ENV = "BERT_IMDB_WEBGPU_FUSED";

/** Registers the project's WebGPU kernels unless BERT_IMDB_WEBGPU_FUSED=0 (idempotent). Returns their names. */
export function registerWebGPUKernels(): string[] {
  if (process.env[FUSED_KERNELS_ENV] === "0") return [];
  registerWebGPUAdamW();
  registerWebGPUSumOfSquares();
  registerWebGPULayerNorm();
  registerWebGPUGelu();
  registerWebGPUDropout();
  registerWebGPUMatMul();
  registerWebGPUAttention();
  return ["AdamW (in place, 5 parameters per dispatch where the device binds 16 buffers)", "sum of squares (up to 2 dispatches per tensor; the gradient norm binds many tensors per dispatch)", "LayerNorm (1 dispatch forward, residual add folded in; 5 backward)", "GELU (1 dispatch forward, 1 backward)", "dropout masks (1 dispatch, no upload)", "tiled matMul for linear layers (128×128 tiles)", "attention without dropout (1 dispatch forward)"];
}
