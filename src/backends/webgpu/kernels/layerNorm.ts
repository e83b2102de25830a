// BertImdbLayerNorm on webgpu: one dispatch per call (composed beyond one dispatch's rows).
import { composed, LAYER_NORM_KERNEL } from "../../../models/ops";
import { asTensor, KernelArgs, KernelResult, WebGPUKernelBackend, webgpuKernel } from "../program";
import { checkBeta, epsOf, rowsFit, rowsOf, runLayerNorm } from "./layerNormImpl";

const WHAT = "LayerNorm (webgpu)";

function layerNorm(args: KernelArgs): KernelResult {
  const { x, gamma, beta } = args.inputs;
  const { rows, h } = rowsOf(x, gamma, WHAT);
  checkBeta(beta, h, WHAT);
  const eps = epsOf(args.attrs, WHAT);
  if (!rowsFit(rows)) return composed.layerNorm(asTensor(x, WHAT), asTensor(gamma, WHAT), asTensor(beta, WHAT), eps);
  return runLayerNorm(args.backend as WebGPUKernelBackend, x!, gamma!, beta!, eps, null, null);
}

export const layerNormConfig = webgpuKernel(LAYER_NORM_KERNEL, layerNorm);
