// BertImdbDropoutMask on webgpu (src/models/dropout.ts's kernel): the mask in one dispatch, every element from
// (seed, index) with the JavaScript version's hash, nothing generated on the host or uploaded; sizes beyond one
// dispatch are filled on the host (the same values).
import { DROPOUT_MASK_KERNEL, fillDropoutMask } from "../../../models/dropout";
import { DropoutMaskProgram, dropoutFits } from "../programs/dropout";
import { KernelArgs, KernelResult, sizeOf, WebGPUKernelBackend, webgpuKernel } from "../program";

interface MaskAttrs {
  shape: number[];
  threshold: number;
  scale: number;
  seed: number;
}

function dropoutMask(args: KernelArgs): KernelResult {
  const backend = args.backend as WebGPUKernelBackend;
  const { shape, threshold, scale, seed } = (args.attrs ?? {}) as unknown as MaskAttrs;
  if (!Array.isArray(shape) || typeof threshold !== "number" || typeof scale !== "number" || typeof seed !== "number") {
    throw new Error("dropout mask (webgpu): attributes shape, threshold, scale and seed are required");
  }
  const n = sizeOf(shape);
  if (!dropoutFits(n)) return backend.makeTensorInfo(shape, "float32", fillDropoutMask(n, threshold, scale, seed));
  const out = backend.runWebGPUProgram(new DropoutMaskProgram(n, n % 4 === 0 ? 4 : 1), [], "float32", [
    { type: "uint32", data: [seed >>> 0] },
    { type: "uint32", data: [threshold >>> 0] },
    { type: "float32", data: [scale] },
  ]);
  return { dataId: out.dataId, shape: shape.slice(), dtype: "float32" };
}

export const dropoutMaskConfig = webgpuKernel(DROPOUT_MASK_KERNEL, dropoutMask);
