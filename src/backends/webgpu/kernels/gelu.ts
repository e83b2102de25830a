// BertImdbGelu on webgpu: exact GELU in one dispatch (composed of tfjs ops it is five), vec4 where the size
// allows; composed beyond one dispatch.
import { composed, GELU_KERNEL } from "../../../models/ops";
import { GeluProgram, geluFits } from "../programs/gelu";
import { asTensor, flat, KernelArgs, KernelResult, sizeOf, WebGPUKernelBackend, webgpuKernel } from "../program";

const WHAT = "GELU (webgpu)";

function gelu(args: KernelArgs): KernelResult {
  const { x } = args.inputs;
  if (!x || x.dtype !== "float32") throw new Error(`${WHAT}: x must be a float32 tensor`);
  const n = sizeOf(x.shape);
  if (!geluFits(n)) return composed.gelu(asTensor(x, WHAT));
  const out = (args.backend as WebGPUKernelBackend).runWebGPUProgram(new GeluProgram(n, n % 4 === 0 ? 4 : 1, false), [flat(x)], "float32");
  return { dataId: out.dataId, shape: x.shape.slice(), dtype: "float32" };
}

export const geluConfig = webgpuKernel(GELU_KERNEL, gelu);
