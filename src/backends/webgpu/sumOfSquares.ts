// Sum of squares of a tensor as a WebGPU program, registered for "webgpu" under src/train's
// SUM_OF_SQUARES_KERNEL (the global gradient norm of clipping calls it once per gradient). tfjs's own full
// reduction (tf.sum) runs in a single workgroup, so a 23 M-element embedding gradient is summed by one group of
// threads; here up to 256 workgroups each reduce a strided share (vec4 loads where the size allows) into a
// partial sum, and a second one-workgroup pass adds the partials.
// The gradient norm sums 201 tensors (bert-base): SUM_OF_SQUARES_MANY_KERNEL takes as many of them per dispatch
// as the device binds (maxStorageBuffersPerShaderStage − 1), workgroup row k reducing input k, so the norm costs
// a few dozen dispatches instead of one or two per tensor.
import { tf } from "../tf";
import { SUM_OF_SQUARES_KERNEL, SUM_OF_SQUARES_MANY_KERNEL } from "../../trainer/adamwKernels";
import { flat, sizeOf, storageBufferLimit, TensorInfoLike, WebGPUKernelBackend, WebGPUProgramLike, registerWebGPUKernel } from "./program";

const WORKGROUP = 256;
const MAX_GROUPS = 256;

/** WGSL: adds every invocation's `acc` into partial[0] (a tree over the workgroup's shared array). */
const TREE_SUM = `partial[lid] = acc;
        workgroupBarrier();
        for (var s = ${WORKGROUP / 2}; s > 0; s = s >> 1u) {
          if (lid < s) {
            partial[lid] = partial[lid] + partial[lid + s];
          }
          workgroupBarrier();
        }`;

class PartialSumProgram implements WebGPUProgramLike {
  variableNames = ["X"];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms = "count : i32,";
  outputComponent = 1;
  variableComponents: number[];

  constructor(groups: number, private readonly component: number, private readonly square: boolean) {
    this.outputShape = [groups];
    this.dispatch = [groups, 1, 1];
    this.variableComponents = [component];
    this.shaderKey = `bertImdbSumSq_${component}_${square ? "sq" : "plain"}`;
  }

  getUserCode(): string {
    const term = this.component === 4 ? (this.square ? "dot(x, x)" : "(x.x + x.y + x.z + x.w)") : this.square ? "x * x" : "x";
    return `
      var<workgroup> partial : array<f32, ${WORKGROUP}>;
      fn main(index : i32) {
        let lid = i32(localId.x);
        let stride = ${WORKGROUP} * i32(numWorkgroups.x);
        var acc = 0.0;
        for (var i = i32(workgroupId.x) * ${WORKGROUP} + lid; i < uniforms.count; i = i + stride) {
          let x = X[i];
          acc = acc + ${term};
        }
        ${TREE_SUM}
        if (lid == 0) {
          result[i32(workgroupId.x)] = partial[0];
        }
      }`;
  }
}

function sumOfSquaresWebGPU(args: { inputs: Record<string, TensorInfoLike | undefined>; backend: unknown }): TensorInfoLike {
  const backend = args.backend as WebGPUKernelBackend;
  const x = args.inputs.x;
  if (!x) throw new Error("sum of squares (webgpu): input x is missing");
  if (x.dtype !== "float32") throw new Error(`sum of squares (webgpu): x must be float32, got ${x.dtype}`);
  const n = sizeOf(x.shape);
  if (n === 0) return backend.makeTensorInfo([], "float32", Float32Array.of(0));
  const component = n % 4 === 0 ? 4 : 1;
  const count = n / component;
  const groups = Math.max(1, Math.min(MAX_GROUPS, Math.ceil(count / (WORKGROUP * 8))));
  const first = backend.runWebGPUProgram(new PartialSumProgram(groups, component, true), [flat(x)], "float32", [{ type: "int32", data: [count] }]);
  if (groups === 1) return { dataId: first.dataId, shape: [], dtype: "float32" };
  const total = backend.runWebGPUProgram(new PartialSumProgram(1, 1, false), [first], "float32", [{ type: "int32", data: [groups] }]);
  backend.disposeData(first.dataId);
  return { dataId: total.dataId, shape: [], dtype: "float32" };
}

/**
 * Partial sums of squares of K inputs: workgroup (g, k) reduces a strided share of input k into
 * result[offset + k·G + g] (the output is a buffer shared by several such dispatches).
 */
class ManyPartialSumsProgram implements WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms: string;
  outputComponent = 1;
  variableComponents: number[];

  constructor(components: number[], private readonly groups: number) {
    const k = components.length;
    this.variableNames = components.map((_, i) => `X${i}`);
    this.variableComponents = components;
    this.outputShape = [k * groups];
    this.dispatch = [groups, k, 1];
    this.uniforms = `${components.map((_, i) => `count${i} : i32,`).join(" ")} offset : i32,`;
    this.shaderKey = `bertImdbSumSqMany_${components.join("")}_${groups}`;
  }

  getUserCode(): string {
    const branch = (c: number, i: number) => `
          if (k == ${i}) {
            for (var i = start; i < uniforms.count${i}; i = i + stride) {
              let x = X${i}[i];
              acc = acc + ${c === 4 ? "dot(x, x)" : "x * x"};
            }
          }`;
    return `
      var<workgroup> partial : array<f32, ${WORKGROUP}>;
      fn main(index : i32) {
        let lid = i32(localId.x);
        let k = i32(workgroupId.y);
        let start = i32(workgroupId.x) * ${WORKGROUP} + lid;
        let stride = ${WORKGROUP} * ${this.groups};
        var acc = 0.0;${this.variableComponents.map(branch).join("")}
        ${TREE_SUM}
        if (lid == 0) {
          result[uniforms.offset + k * ${this.groups} + i32(workgroupId.x)] = partial[0];
        }
      }`;
  }
}

/** Σ‖xᵢ‖² over a list of tensors: one dispatch per chunk that fits the device's bindings, then one pass adding all partials. */
function sumOfSquaresManyWebGPU(args: { inputs: TensorInfoLike[] | Record<string, TensorInfoLike>; backend: unknown }): TensorInfoLike {
  const backend = args.backend as WebGPUKernelBackend;
  const list = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)).filter((x) => sizeOf(x.shape) > 0);
  for (const x of list) if (x.dtype !== "float32") throw new Error(`sum of squares (webgpu): inputs must be float32, got ${x.dtype}`);
  if (list.length === 0) return backend.makeTensorInfo([], "float32", Float32Array.of(0));
  // Bindings: the output, the inputs, and the uniforms (not a storage buffer).
  const perDispatch = Math.max(1, storageBufferLimit(backend) - 1);
  // Every chunk writes its partial sums at its own offset of one buffer; one last pass adds them all.
  const chunks: Array<{ inputs: TensorInfoLike[]; components: number[]; counts: number[]; groups: number; offset: number }> = [];
  let total = 0;
  for (let i = 0; i < list.length; i += perDispatch) {
    const inputs = list.slice(i, i + perDispatch);
    const components = inputs.map((x) => (sizeOf(x.shape) % 4 === 0 ? 4 : 1));
    const counts = inputs.map((x, j) => sizeOf(x.shape) / components[j]);
    const groups = Math.max(1, Math.min(MAX_GROUPS, Math.ceil(Math.max(...counts) / (WORKGROUP * 8))));
    chunks.push({ inputs, components, counts, groups, offset: total });
    total += inputs.length * groups;
  }
  const partials = backend.makeTensorInfo([total], "float32");
  for (const c of chunks) {
    const uniforms = [...c.counts.map((n) => ({ type: "int32" as const, data: [n] })), { type: "int32" as const, data: [c.offset] }];
    backend.runWebGPUProgram(new ManyPartialSumsProgram(c.components, c.groups), c.inputs.map(flat), "float32", uniforms, partials);
  }
  const sum = backend.runWebGPUProgram(new PartialSumProgram(1, 1, false), [partials], "float32", [{ type: "int32", data: [total] }]);
  backend.disposeData(partials.dataId);
  return { dataId: sum.dataId, shape: [], dtype: "float32" };
}

/** Registers the sum-of-squares kernel for "webgpu" (idempotent: an existing registration is kept). */
export function registerWebGPUSumOfSquares(): void {
  registerWebGPUKernel(SUM_OF_SQUARES_KERNEL, sumOfSquaresWebGPU);
  registerWebGPUKernel(SUM_OF_SQUARES_MANY_KERNEL, sumOfSquaresManyWebGPU);
}
