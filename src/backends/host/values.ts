import type { tf } from "../tf";

type HostBackend = { readSync(dataId: unknown): ArrayLike<number> };
/** The wasm backend's own methods for kernels written in JavaScript (tfjs-backend-wasm's BackendWasm). */
type WasmBackend = HostBackend & {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): ArrayLike<number>;
};
type CpuBackend = HostBackend & { makeTensorInfo(shape: number[], dtype: "float32", values: Float32Array): tf.TensorInfo };

function float32(v: ArrayLike<number>, x: tf.TensorInfo): Float32Array {
  if (!(v instanceof Float32Array)) throw new Error(`host kernels take float32 tensors, got ${x.dtype}`);
  return v;
}

function int32(v: ArrayLike<number>, x: tf.TensorInfo): Int32Array {
  if (!(v instanceof Int32Array)) throw new Error(`host kernels take int32 indices, got ${x.dtype}`);
  return v;
}

const isWasm = (backend: unknown): backend is WasmBackend => typeof (backend as Partial<WasmBackend>).typedArrayFromHeap === "function";

/**
 * The values of a kernel's input on a host backend: cpu hands out its own array, wasm a copy of the heap
 * (a copy cannot be invalidated by the heap growing while the kernel allocates its outputs). Read-only.
 */
export function hostValues(backend: unknown, x: tf.TensorInfo): Float32Array {
  return float32((backend as HostBackend).readSync(x.dataId), x);
}

/**
 * A kernel's outputs allocated by the backend, with their values' arrays to write into, and the inputs' values
 * where they lie (no copy). On wasm these are views of the heap, valid until the heap next grows: this
 * allocates every output first; the kernel then writes and returns, making no tensor in between.
 */
export function hostArrays(
  backend: unknown,
  outShapes: number[][],
  inputs: tf.TensorInfo[],
  intInputs: tf.TensorInfo[] = [],
): { outs: tf.TensorInfo[]; outValues: Float32Array[]; inValues: Float32Array[]; intValues: Int32Array[] } {
  if (isWasm(backend)) {
    const outs = outShapes.map((shape) => backend.makeOutput(shape, "float32"));
    const view = (x: tf.TensorInfo) => float32(backend.typedArrayFromHeap(x), x);
    return { outs, outValues: outs.map(view), inValues: inputs.map(view), intValues: intInputs.map((x) => int32(backend.typedArrayFromHeap(x), x)) };
  }
  const outValues = outShapes.map((shape) => new Float32Array(shape.reduce((a, b) => a * b, 1)));
  const outs = outShapes.map((shape, i) => (backend as CpuBackend).makeTensorInfo(shape, "float32", outValues[i]));
  const read = (x: tf.TensorInfo) => (backend as HostBackend).readSync(x.dataId);
  return { outs, outValues, inValues: inputs.map((x) => float32(read(x), x)), intValues: intInputs.map((x) => int32(read(x), x)) };
}

/** hostArrays for one output. */
export function hostOutput(backend: unknown, shape: number[], inputs: tf.TensorInfo[]): { out: tf.TensorInfo; values: Float32Array; views: Float32Array[] } {
  const { outs, outValues, inValues } = hostArrays(backend, [shape], inputs);
  return { out: outs[0], values: outValues[0], views: inValues };
}
