// BertImdbSumOfSquares on webgpu (src/trainer/adamwKernels.ts's kernel): tfjs's own full reduction (tf.sum)
// runs in a single workgroup, so a 23 M-element embedding gradient would be summed by one group of threads;
// here up to 256 workgroups each reduce a strided share into a partial sum, and a second pass adds the partials.
import { SUM_OF_SQUARES_KERNEL } from "../../../trainer/adamwKernels";
import { MAX_GROUPS, PartialSumProgram, WORKGROUP } from "../programs/sumOfSquares";
import { flat, KernelArgs, KernelResult, sizeOf, WebGPUKernelBackend, webgpuKernel } from "../program";

function sumOfSquares(args: KernelArgs): KernelResult {
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

export const sumOfSquaresConfig = webgpuKernel(SUM_OF_SQUARES_KERNEL, sumOfSquares);
