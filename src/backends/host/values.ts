import type { tf } from "../tf";

type HostBackend = { readSync(dataId: unknown): ArrayLike<number> };

/**
 * The values of a kernel's input on a host backend: cpu hands out its own array, wasm a copy of the heap
 * (a copy cannot be invalidated by the heap growing while the kernel allocates its outputs). Read-only.
 */
export function hostValues(backend: unknown, x: tf.TensorInfo): Float32Array {
  const v = (backend as HostBackend).readSync(x.dataId);
  if (!(v instanceof Float32Array)) throw new Error(`host kernels take float32 tensors, got ${x.dtype}`);
  return v;
}
