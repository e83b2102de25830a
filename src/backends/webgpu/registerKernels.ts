// The project's WebGPU kernels, one KernelConfig per kernel name (kernels/*.ts), registered for "webgpu" when
// the backend is created (as tfjs-backend-webgpu's register_all_kernels.ts registers its own), and kept in line
// with the options (./options.ts) when configureWebGPUKernels changes them:
//   always        AdamW (in place) and the sums of squares of the gradient norm (src/trainer picks them up);
//                 LayerNorm, LayerNorm(x + residual) and their gradient; exact GELU and its gradient; the
//                 dropout mask generator of src/models/dropout.ts; the tiled matMul of the linear layers
//                 (forward, both gradients, GELU fused in outside a gradient tape); attention (one dispatch);
//   trainFused    dropout applied where x is read (BertImdbDropout), LayerNorm(dropout(x) + residual) in one
//                 dispatch and its gradient, and the attention gradient in two dispatches (with dropout of the
//                 probabilities inside the attention kernel) — src/models/ops.ts uses them where registered;
//   !fusedKernels none of them: the kernel ops run their composed implementations (src/models/ops.ts, as on
//                 cpu) and the fused ops their composed forms, to compare or to rule the custom kernels out.
import { tf } from "../tf";
import { composedKernelConfigs } from "../../models/ops";
import { kernelOptionsView } from "./options";
import { adamwStepConfig } from "./kernels/adamwStep";
import { addLayerNormConfig } from "./kernels/addLayerNorm";
import { attentionConfig } from "./kernels/attention";
import { attentionGradConfig } from "./kernels/attentionGrad";
import { dropoutConfig } from "./kernels/dropout";
import { dropoutAddLayerNormConfig } from "./kernels/dropoutAddLayerNorm";
import { dropoutAddLayerNormGradConfig } from "./kernels/dropoutAddLayerNormGrad";
import { dropoutMaskConfig } from "./kernels/dropoutMask";
import { geluConfig } from "./kernels/gelu";
import { geluGradConfig } from "./kernels/geluGrad";
import { layerNormConfig } from "./kernels/layerNorm";
import { layerNormGradConfig } from "./kernels/layerNormGrad";
import { matMulConfig } from "./kernels/matMul";
import { sumOfSquaresConfig } from "./kernels/sumOfSquares";
import { sumOfSquaresManyConfig } from "./kernels/sumOfSquaresMany";

/** Registered whenever fusedKernels is on. */
const KERNEL_CONFIGS: tf.KernelConfig[] = [
  adamwStepConfig,
  sumOfSquaresConfig,
  sumOfSquaresManyConfig,
  layerNormConfig,
  addLayerNormConfig,
  layerNormGradConfig,
  geluConfig,
  geluGradConfig,
  dropoutMaskConfig,
  matMulConfig,
  attentionConfig,
];

/** Registered when trainFused is on too. */
const TRAIN_FUSED_CONFIGS: tf.KernelConfig[] = [dropoutConfig, dropoutAddLayerNormConfig, dropoutAddLayerNormGradConfig, attentionGradConfig];

/** With fusedKernels off: the composed implementations of the kernel ops (made once, so that syncs compare equal). */
let composedConfigs: tf.KernelConfig[] | null = null;

/** What registerWebGPUKernels registers, in words (initBackend may print it). */
const DESCRIPTIONS = [
  "AdamW (in place, 5 parameters per dispatch where the device binds 16 buffers)",
  "sum of squares (up to 2 dispatches per tensor; the gradient norm binds many tensors per dispatch)",
  "LayerNorm (1 dispatch forward, residual add folded in; 5 backward)",
  "GELU (1 dispatch forward, 1 backward)",
  "dropout masks (1 dispatch, no upload)",
  "tiled vec4 matMul for linear layers (64×64 or 128×128 tiles)",
  "attention (1 dispatch forward)",
];
const TRAIN_FUSED_DESCRIPTIONS = ["dropout applied inside the kernels that read x", "attention with dropout inside, 2 dispatches backward"];

let active = false;

/** The configs the options ask for. */
function wanted(): tf.KernelConfig[] {
  const o = kernelOptionsView();
  if (!o.fusedKernels) return (composedConfigs ??= composedKernelConfigs("webgpu"));
  return o.trainFused ? [...KERNEL_CONFIGS, ...TRAIN_FUSED_CONFIGS] : KERNEL_CONFIGS;
}

/**
 * Registers the project's kernels for "webgpu" as the options ask (the backend calls this once it is created;
 * idempotent). Returns what was registered, in words ([] with fusedKernels off).
 */
export function registerWebGPUKernels(): string[] {
  active = true;
  syncWebGPUKernels();
  const o = kernelOptionsView();
  return o.fusedKernels ? [...DESCRIPTIONS, ...(o.trainFused ? TRAIN_FUSED_DESCRIPTIONS : [])] : [];
}

/**
 * Brings the "webgpu" registrations of the project's kernel names in line with the options: registers what is
 * wanted and not there (or there with another implementation), unregisters what is not wanted. Nothing before
 * registerWebGPUKernels ran (the backend registers them when it is created).
 */
export function syncWebGPUKernels(): void {
  if (!active) return;
  const want = new Map(wanted().map((k) => [k.kernelName, k]));
  const names = new Set([...KERNEL_CONFIGS, ...TRAIN_FUSED_CONFIGS, ...(composedConfigs ?? [])].map((k) => k.kernelName));
  for (const name of names) {
    const have = tf.getKernel(name, "webgpu");
    const config = want.get(name);
    if (config && have?.kernelFunc === config.kernelFunc) continue;
    if (have) tf.unregisterKernel(name, "webgpu");
    if (config) tf.registerKernel(config);
  }
}
