// Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_ (what HF's Trainer calls before each step):
// total = ‖(‖g₁‖, ‖g₂‖, …)‖₂; coef = maxNorm / (total + 1e-6); gradients are scaled by coef only when coef < 1.
import { tf } from "../backends/tf";
import { sumOfSquaresOfAll } from "./adamwKernels";

/** The global L2 norm over all gradients as a one-element tensor, left on the device. */
export function globalGradNormTensor(grads: readonly tf.Tensor[]): tf.Tensor {
  if (grads.length === 0) return tf.zeros([1]);
  return tf.tidy(() => tf.reshape(tf.sqrt(sumOfSquaresOfAll(grads)), [1]));
}

/** The global L2 norm over all gradients (one read-back from the device). */
export function globalGradNorm(grads: readonly tf.Tensor[]): number {
  const total = globalGradNormTensor(grads);
  const value = total.dataSync()[0];
  total.dispose();
  return value;
}

/** The factor torch's clip_grad_norm_ multiplies every gradient by (1 when no clipping is needed or maxNorm ≤ 0). */
export function clipCoefficient(totalNorm: number, maxNorm: number): number {
  if (!(maxNorm > 0)) return 1;
  const coef = maxNorm / (totalNorm + 1e-6);
  return coef < 1 ? coef : 1;
}

/**
 * Clips `grads` to global norm `maxNorm`: returns the norm before clipping and the gradients to use — the
 * inputs themselves when no clipping is needed, else new scaled tensors (the inputs are then disposed).
 * The Trainer does not call this: it passes the coefficient to AdamW, whose fused kernel scales while it
 * updates; this is for callers that want the clipped gradients themselves.
 */
export function clipGradNorm(grads: tf.Tensor[], maxNorm: number): { totalNorm: number; clipCoef: number; grads: tf.Tensor[] } {
  const totalNorm = globalGradNorm(grads);
  const clipCoef = clipCoefficient(totalNorm, maxNorm);
  if (clipCoef === 1) return { totalNorm, clipCoef, grads };
  const scaled = grads.map((g) => {
    const s = tf.mul(g, clipCoef);
    g.dispose();
    return s;
  });
  return { totalNorm, clipCoef, grads: scaled };
}
