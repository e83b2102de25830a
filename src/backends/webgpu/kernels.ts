// The project's own WebGPU kernels, registered when the webgpu backend is created:
//   - the fused AdamW update (in place) and the sums of squares of the gradient norm (src/train picks them up);
//   - LayerNorm and exact GELU, forward and backward (src/models/ops.ts calls them where registered);
//   - the dropout mask generator of src/models/dropout.ts (masks built on the GPU, same values as on the host)
//     and dropout applied where x is read (the mask computed from its seed, never stored);
//   - a 64/128-tiled vec4 matMul for the linear layers' products (forward and both gradients);
//   - attention in one dispatch (online softmax, dropout of the probabilities inside) and its gradient in two.
// BERT_IMDB_WEBGPU_FUSED=0 leaves them out (tfjs-op fallbacks run instead), to compare or to rule them out.
import { registerWebGPUAdamW } from "./adamw";
import { registerWebGPUAttention } from "./attention";
import { registerWebGPUAttentionGrad } from "./attentionGrad";
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
  registerWebGPUAttentionGrad();
  return ["AdamW (in place, 5 parameters per dispatch where the device binds 16 buffers)", "sum of squares (up to 2 dispatches per tensor; the gradient norm binds many tensors per dispatch)", "LayerNorm (1 dispatch forward, residual add folded in; 5 backward)", "GELU (1 dispatch forward, 1 backward)", "dropout (masks in 1 dispatch, no upload; applied inside the kernel that reads x)", "tiled vec4 matMul for linear layers (64×64 or 128×128 tiles)", "attention (1 dispatch forward, dropout inside; 2 backward)"];
}
