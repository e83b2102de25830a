// BertImdbDropoutAddLayerNorm on webgpu: LayerNorm(x·mask + residual) in one dispatch, the dropout mask computed
// from its seed as x is read (never stored) — instead of three (mask, multiply, LayerNorm). Registered with the
// trainFused option (../registerKernels.ts); beyond one dispatch's rows it composes dropout and LayerNorm.
import { tf } from "../../tf";
import { composed, DROPOUT_ADD_LAYER_NORM_KERNEL, dropoutMask } from "../../../models/ops";
import { asTensor, KernelArgs, KernelResult, WebGPUKernelBackend, webgpuKernel } from "../program";
import { siteOf } from "../programs/dropout";
import { checkBeta, checkLike, epsOf, rowsFit, rowsOf, runLayerNorm } from "./layerNormImpl";

const WHAT = "LayerNorm(dropout(x) + residual) (webgpu)";

function dropoutAddLayerNorm(args: KernelArgs): KernelResult {
  const { x, residual, gamma, beta } = args.inputs;
  const { rows, h } = rowsOf(x, gamma, WHAT);
  checkBeta(beta, h, WHAT);
  checkLike(residual, x!, "residual", WHAT);
  const eps = epsOf(args.attrs, WHAT);
  const site = siteOf(args.attrs, WHAT);
  if (!rowsFit(rows)) {
    return tf.tidy(() => {
      const xt = asTensor(x, WHAT);
      const sum = tf.add(tf.mul(xt, dropoutMask(xt.shape, site.rate, site.seed)), asTensor(residual, WHAT));
      return composed.layerNorm(sum, asTensor(gamma, WHAT), asTensor(beta, WHAT), eps);
    });
  }
  return runLayerNorm(args.backend as WebGPUKernelBackend, x!, gamma!, beta!, eps, residual!, site);
}

export const dropoutAddLayerNormConfig = webgpuKernel(DROPOUT_ADD_LAYER_NORM_KERNEL, dropoutAddLayerNorm);
