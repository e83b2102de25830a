// BertImdbGeluGrad on webgpu: dy·(Φ(x) + x·φ(x)) in one dispatch (composed of tfjs ops it is seven).
import { composed, GELU_GRAD_KERNEL } from "../../../models/ops";
import { GeluProgram, geluFits } from "../programs/gelu";
import { asTensor, flat, KernelArgs, KernelResult, sizeOf, WebGPUKernelBackend, webgpuKernel } from "../program";

const WHAT = "GELU gradient (webgpu)";

function geluGrad(args: KernelArgs): KernelResult {
  const { x, dy } = args.inputs;
  if (!x || x.dtype !== "float32") throw new Error(`${WHAT}: x must be a float32 tensor`);
  const n = sizeOf(x.shape);
  if (!dy || sizeOf(dy.shape) !== n) throw new Error(`${WHAT}: dy must have x's shape`);
  if (!geluFits(n)) return composed.geluGrad(asTensor(x, WHAT), asTensor(dy, WHAT));
  const out = (args.backend as WebGPUKernelBackend).runWebGPUProgram(new GeluProgram(n, n % 4 === 0 ? 4 : 1, true), [flat(x), flat(dy)], "float32");
  return { dataId: out.dataId, shape: x.shape.slice(), dtype: "float32" };
}

export const geluGradConfig = webgpuKernel(GELU_GRAD_KERNEL, geluGrad);
