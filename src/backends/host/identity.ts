// Identity for wasm that shares its input's memory, as tfjs's cpu and webgpu backends do. tfjs saves the tensors a
// gradient needs by cloning them (Engine.clone runs Identity), and tfjs-backend-wasm 4.22's Identity copies the
// values into a new buffer: in a quick-model training step that was ≈ 18 ms of copies (node --cpu-prof). Every
// kernel on wasm writes only its outputs (reshape already shares memory the same way), so a reference-counted
// share is safe; the data is freed when the last tensor on it is disposed.
import { tf } from "../tf";

type IdentityArgs = { inputs: { x: tf.TensorInfo }; backend: { incRef(dataId: unknown): void } };

let tfjsIdentity: tf.KernelFunc | null = null;

/** Identity without the copy: the same data, one more reference (strings, kept outside the heap, as tfjs does). */
function sharedIdentity(args: IdentityArgs): tf.TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype === "string" && tfjsIdentity) return tfjsIdentity(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

/**
 * Replaces tfjs-backend-wasm's Identity with the sharing one (idempotent). Call it after the wasm backend's
 * package is loaded, since loading it registers tfjs's own Identity again.
 */
export function registerSharedIdentity(): void {
  const current = tf.getKernel("Identity", "wasm");
  if (!current || current.kernelFunc === (sharedIdentity as unknown as tf.KernelFunc)) return;
  tfjsIdentity = current.kernelFunc;
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({ kernelName: "Identity", backendName: "wasm", kernelFunc: sharedIdentity as unknown as tf.KernelFunc });
}
