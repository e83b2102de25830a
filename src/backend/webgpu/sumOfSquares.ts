// Sum of squares of a tensor as a WebGPU program, registered for "webgpu" under src/train's
// SUM_OF_SQUARES_KERNEL (the global gradient norm of clipping calls it once per gradient). tfjs's own full
// reduction (tf.sum) runs in a single workgroup, so a 23 M-element embedding gradient is summed by one group of
// threads; here up to 256 workgroups each reduce a strided share (vec4 loads where the size allows) into a
// partial sum, and a second one-workgroup pass adds the partials.
import { tf } from "../tf";
import { SUM_OF_SQUARES_KERNEL } from "../../train/adamwKernels";
import { flat, sizeOf, TensorInfoLike, WebGPUKernelBackend, WebGPUProgramLike, registerWebGPUKernel } from "./program";

const WORKGROUP = 256;
const MAX_GROUPS = 256;

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
        partial[lid] = acc;
        workgroupBarrier();
        for (var s = ${WORKGROUP / 2}; s > 0; s = s >> 1u) {
          if (lid < s) {
            partial[lid] = partial[lid] + partial[lid + s];
          }
          workgroupBarrier();
        }
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

/** Registers the sum-of-squares kernel for "webgpu" (idempotent: an existing registration is kept). */
export function registerWebGPUSumOfSquares(): void {
  registerWebGPUKernel(SUM_OF_SQUARES_KERNEL, sumOfSquaresWebGPU);
}
