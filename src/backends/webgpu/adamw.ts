// AdamW with the moments on the GPU through the BertImdbAdamWStep kernel (kernels/adamwStep.ts).
import { tf } from "../tf";
import { ADAMW_KERNEL } from "../../trainer/adamwKernels";
import type { AdamWStepAttrs } from "../../trainer/adamwKernels";

/** True when the active backend is webgpu with this module's kernel: AdamW can keep its moments on the GPU. */
export function hasDeviceAdamW(): boolean {
  return tf.getBackend() === "webgpu" && tf.getKernel(ADAMW_KERNEL, "webgpu") != null;
}

/** One fused update with the moments on the GPU: returns [param', m', v'] (new tensors; inputs untouched). */
export function adamwStepOnDevice(param: tf.Tensor, grad: tf.Tensor, expAvg: tf.Tensor, expAvgSq: tf.Tensor, attrs: AdamWStepAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (!hasDeviceAdamW()) throw new Error(`adamwStepOnDevice needs the webgpu backend with its AdamW kernel (backend now: ${tf.getBackend()}); use adamwStepComposed elsewhere`);
  const out = tf.engine().runKernel(ADAMW_KERNEL, { param, grad, expAvg, expAvgSq }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  return [out[0], out[1], out[2]];
}
