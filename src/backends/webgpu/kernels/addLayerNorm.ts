// BertImdbAddLayerNorm on webgpu: LayerNorm(x + residual) in one dispatch, the add folded into the row pass.
import { tf } from "../../tf";
import { ADD_LAYER_NORM_KERNEL, composed } from "../../../models/ops";
import { asTensor, KernelArgs, KernelResult, WebGPUKernelBackend, webgpuKernel } from "../program";
import { checkBeta, checkLike, epsOf, rowsFit, rowsOf, runLayerNorm } from "./layerNormImpl";

const WHAT = "LayerNorm(x + residual) (webgpu)";

function addLayerNorm(args: KernelArgs): KernelResult {
  const { x, residual, gamma, beta } = args.inputs;
  const { rows, h } = rowsOf(x, gamma, WHAT);
  checkBeta(beta, h, WHAT);
  checkLike(residual, x!, "residual", WHAT);
  const eps = epsOf(args.attrs, WHAT);
  if (!rowsFit(rows)) return tf.tidy(() => composed.layerNorm(tf.add(asTensor(x, WHAT), asTensor(residual, WHAT)), asTensor(gamma, WHAT), asTensor(beta, WHAT), eps));
  return runLayerNorm(args.backend as WebGPUKernelBackend, x!, gamma!, beta!, eps, residual!, null);
}

export const addLayerNormConfig = webgpuKernel(ADD_LAYER_NORM_KERNEL, addLayerNorm);
