// BertImdbSumOfSquaresMany on webgpu: Σ‖xᵢ‖² over a list of tensors (the global gradient norm: bert-base's 201
// gradients), as many of them per dispatch as the device binds (maxStorageBuffersPerShaderStage − 1), workgroup
// row k reducing input k, so the norm costs a few dozen dispatches instead of one or two per tensor.
import { SUM_OF_SQUARES_MANY_KERNEL } from "../../../trainer/adamwKernels";
import { ManyPartialSumsProgram, MAX_GROUPS, PartialSumProgram, WORKGROUP } from "../programs/sumOfSquares";
import { flat, KernelArgs, KernelResult, sizeOf, storageBufferLimit, TensorInfoLike, WebGPUKernelBackend, webgpuKernel } from "../program";

/** Σ‖xᵢ‖² over a list of tensors: one dispatch per chunk that fits the device's bindings, then one pass adding all partials. */
function sumOfSquaresMany(args: KernelArgs): KernelResult {
  const backend = args.backend as WebGPUKernelBackend;
  // The inputs come as an array (like AddN's), which runKernel passes on as it is.
  const list = (Object.values(args.inputs) as TensorInfoLike[]).filter((x) => sizeOf(x.shape) > 0);
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

export const sumOfSquaresManyConfig = webgpuKernel(SUM_OF_SQUARES_MANY_KERNEL, sumOfSquaresMany);
