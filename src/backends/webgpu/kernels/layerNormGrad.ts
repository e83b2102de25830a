// BertImdbLayerNormGrad on webgpu: [dx, dgamma, dbeta] in five dispatches (composed beyond one dispatch's rows).
import { composed, LAYER_NORM_GRAD_KERNEL } from "../../../models/ops";
import { asTensor, KernelArgs, KernelResult, sizeOf, WebGPUKernelBackend, webgpuKernel } from "../program";
import { epsOf, rowsFit, rowsOf, runLayerNormGrad } from "./layerNormImpl";

const WHAT = "LayerNorm gradient (webgpu)";

function layerNormGrad(args: KernelArgs): KernelResult {
  const { x, gamma, dy } = args.inputs;
  const { rows, h } = rowsOf(x, gamma, WHAT);
  if (!dy || sizeOf(dy.shape) !== rows * h) throw new Error(`${WHAT}: dy must have x's shape`);
  const eps = epsOf(args.attrs, WHAT);
  if (!rowsFit(rows)) return composed.layerNormGrad(asTensor(x, WHAT), asTensor(gamma, WHAT), asTensor(dy, WHAT), eps);
  return runLayerNormGrad(args.backend as WebGPUKernelBackend, x!, gamma!, dy, eps);
}

export const layerNormGradConfig = webgpuKernel(LAYER_NORM_GRAD_KERNEL, layerNormGrad);
