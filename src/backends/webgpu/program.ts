// The shape of a custom compute program for tfjs-backend-webgpu (4.22), of the backend calls that run one, and
// of the kernel functions that do (kernels/*.ts, one per kernel name, as tfjs-backend-webgpu's src/kernels/).
// tfjs builds the WGSL around getUserCode(): a uniform block (NAN, INFINITY, each input's and the output's shape
// and strides, `size` when asked for, then `uniforms`), the output as binding 0 (`result`, read_write) and the
// inputs as read-only bindings named after variableNames. One program writes one output.

import { tf } from "../tf";

export type TensorInfoLike = { dataId: object; shape: number[]; dtype: string };

export interface WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Adds uniforms.size = number of output elements / outputComponent. */
  size?: boolean;
  /** Extra uniform fields, e.g. "beta : f32, gradScale : f32,". */
  uniforms?: string;
  outputComponent?: number;
  variableComponents?: number[];
  getUserCode(): string;
}

export type UniformData = Array<{ type: "float32" | "int32" | "uint32"; data: number[] }>;

/** The members of tfjs's WebGPUBackend a kernel uses. */
export interface WebGPUKernelBackend {
  runWebGPUProgram(program: WebGPUProgramLike, inputs: TensorInfoLike[], outputDtype: string, uniforms?: UniformData, output?: TensorInfoLike): TensorInfoLike;
  makeTensorInfo(shape: number[], dtype: string, values?: Float32Array | Int32Array): TensorInfoLike;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The same data seen as a flat vector (as tfjs's Reshape does: shares the buffer, no copy). */
export function flat(t: TensorInfoLike): TensorInfoLike {
  return { dataId: t.dataId, shape: [sizeOf(t.shape)], dtype: t.dtype };
}

/** Workgroups for a flat elementwise program over n elements, `component` per invocation. */
export function flatDispatch(n: number, workgroupSize: number, component: number): [number, number, number] {
  return [Math.max(1, Math.ceil(n / (workgroupSize * component))), 1, 1];
}

/**
 * Storage buffers one shader may bind on the backend's device (maxStorageBuffersPerShaderStage; 8, WebGPU's
 * default, when the device does not say): programs that take a variable number of tensors split by it.
 */
export function storageBufferLimit(backend: unknown): number {
  return (backend as { device?: { limits?: Record<string, number> } }).device?.limits?.maxStorageBuffersPerShaderStage ?? 8;
}

/** Threads per workgroup of the flat programs. */
export const FLAT_WORKGROUP = 256;

/**
 * A program over n elements laid out flat, `component` (1 or 4) per invocation, in workgroups of 256, with
 * uniforms.size set (guard with `if (index < uniforms.size)`). Subclasses name the inputs, the shader key and
 * the WGSL; every input is read with the same component width.
 */
export abstract class FlatProgram implements WebGPUProgramLike {
  outputShape: number[];
  abstract shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [FLAT_WORKGROUP, 1, 1];
  size = true;
  outputComponent: number;
  variableComponents: number[];

  constructor(
    n: number,
    readonly component: number,
    readonly variableNames: string[],
    readonly uniforms?: string,
  ) {
    this.outputShape = [n];
    this.outputComponent = component;
    this.variableComponents = variableNames.map(() => component);
    this.dispatch = flatDispatch(n, FLAT_WORKGROUP, component);
  }

  abstract getUserCode(): string;
}

/** What a kernel function receives: its inputs (the tensors passed to runKernel), the backend and the attributes. */
export interface KernelArgs {
  inputs: Record<string, TensorInfoLike | undefined>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}

/** A kernel's output: TensorInfos of programs it ran, or tensors of the composed form it fell back on. */
export type KernelResult = TensorInfoLike | tf.Tensor | Array<TensorInfoLike | tf.Tensor>;

/** The KernelConfig of a webgpu kernel (kernels/*.ts export one each; ../registerKernels.ts registers them). */
export function webgpuKernel(kernelName: string, kernelFunc: (args: KernelArgs) => KernelResult): tf.KernelConfig {
  return { kernelName, backendName: "webgpu", kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * An input as the tensor runKernel was given (kernels that fall back on the composed forms of src/models/ops.ts
 * run tf ops on their inputs).
 */
export function asTensor(t: TensorInfoLike | undefined, what: string): tf.Tensor {
  if (!(t instanceof tf.Tensor)) throw new Error(`${what}: expected a tensor input (call the kernel through tf.engine().runKernel)`);
  return t;
}

export const i32 = (v: number) => ({ type: "int32" as const, data: [v] });
export const f32 = (v: number) => ({ type: "float32" as const, data: [v] });
