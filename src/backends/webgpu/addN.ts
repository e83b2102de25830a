// AddN for webgpu within the device's storage-buffer limit. tfjs-backend-webgpu adds all inputs in one program
// that binds every input as a storage buffer, which the device refuses beyond maxStorageBuffersPerShaderStage
// (16 on Mesa's lavapipe, 8 by WebGPU's default): the gradient norm adds one partial sum per parameter
// (bert-base: 201). This kernel, registered over tfjs's, adds chunks that fit and then the chunks' sums.
import { tf } from "../tf";
import { storageBufferLimit, type TensorInfoLike } from "./program";

type KernelArgs = { inputs: TensorInfoLike[] | Record<string, TensorInfoLike>; backend: unknown; attrs?: Record<string, unknown> };
type KernelFn = (args: KernelArgs) => TensorInfoLike;

let registered = false;

/** Replaces tfjs's webgpu AddN with the chunked one (idempotent). */
export function registerChunkedAddN(): void {
  if (registered) return;
  const original = tf.getKernel("AddN", "webgpu");
  if (!original) throw new Error("internal: tfjs-backend-webgpu registered no AddN kernel (is @tensorflow/tfjs-backend-webgpu loaded?)");
  const base = original.kernelFunc as unknown as KernelFn;
  registered = true;
  const chunked: KernelFn = (args) => {
    const list = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as TensorInfoLike[];
    const backend = args.backend as { disposeData(id: object): boolean };
    // One binding is the output and one the uniforms' is not a storage buffer: inputs ≤ limit − 1.
    const limit = Math.max(2, storageBufferLimit(backend) - 1);
    if (list.length <= limit) return base({ ...args, inputs: list });
    const partial: TensorInfoLike[] = [];
    for (let i = 0; i < list.length; i += limit) {
      const chunk = list.slice(i, i + limit);
      partial.push(chunk.length === 1 ? chunk[0] : base({ ...args, inputs: chunk }));
    }
    const out = chunked({ ...args, inputs: partial });
    for (let i = 0; i < partial.length; i++) if (partial[i] !== list[i * limit]) backend.disposeData(partial[i].dataId);
    return out;
  };
  tf.unregisterKernel("AddN", "webgpu");
  tf.registerKernel({ kernelName: "AddN", backendName: "webgpu", kernelFunc: chunked as unknown as tf.KernelFunc });
}
