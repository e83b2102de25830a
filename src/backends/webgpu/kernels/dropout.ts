// BertImdbDropout on webgpu: x·mask in one dispatch, the mask computed from its seed where it multiplies (never
// stored); its gradient is the same kernel on dy (src/models/ops.ts). Registered with the trainFused option
// (../registerKernels.ts). Beyond one dispatch, or for another dtype, it multiplies by dropoutMask (same values).
import { tf } from "../../tf";
import { DROPOUT_KERNEL, dropoutMask } from "../../../models/ops";
import { DropoutApplyProgram, dropoutFits, dropoutUniforms, siteOf } from "../programs/dropout";
import { asTensor, flat, KernelArgs, KernelResult, sizeOf, WebGPUKernelBackend, webgpuKernel } from "../program";

const WHAT = "dropout (webgpu)";

function dropout(args: KernelArgs): KernelResult {
  const { x } = args.inputs;
  if (!x) throw new Error(`${WHAT}: input x is missing`);
  const site = siteOf(args.attrs, WHAT);
  const n = sizeOf(x.shape);
  if (x.dtype !== "float32" || !dropoutFits(n)) {
    const xt = asTensor(x, WHAT);
    return tf.tidy(() => tf.mul(xt, dropoutMask(xt.shape, site.rate, site.seed)));
  }
  const out = (args.backend as WebGPUKernelBackend).runWebGPUProgram(new DropoutApplyProgram(n, n % 4 === 0 ? 4 : 1, false), [flat(x)], "float32", dropoutUniforms(site));
  return { dataId: out.dataId, shape: x.shape.slice(), dtype: "float32" };
}

export const dropoutConfig = webgpuKernel(DROPOUT_KERNEL, dropout);
