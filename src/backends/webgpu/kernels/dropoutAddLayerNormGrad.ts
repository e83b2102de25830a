// BertImdbDropoutAddLayerNormGrad on webgpu: [dx, dresidual, dgamma, dbeta] of LayerNorm(x·mask + residual) —
// x·mask + residual recomputed (the mask from its seed), LayerNorm's five gradient dispatches on it, and the mask
// applied to the sum's gradient for x: seven dispatches, no mask kept from the forward pass.
import { tf } from "../../tf";
import { composed, DROPOUT_ADD_LAYER_NORM_GRAD_KERNEL, dropoutMask } from "../../../models/ops";
import { DropoutApplyProgram, dropoutFits, dropoutUniforms, siteOf } from "../programs/dropout";
import { asTensor, flat, KernelArgs, KernelResult, sizeOf, TensorInfoLike, WebGPUKernelBackend, webgpuKernel } from "../program";
import { checkLike, epsOf, rowsFit, rowsOf, runLayerNormGrad } from "./layerNormImpl";

const WHAT = "LayerNorm(dropout(x) + residual) gradient (webgpu)";

function dropoutAddLayerNormGrad(args: KernelArgs): KernelResult {
  const backend = args.backend as WebGPUKernelBackend;
  const { x, residual, gamma, dy } = args.inputs;
  const { rows, h } = rowsOf(x, gamma, WHAT);
  checkLike(residual, x!, "residual", WHAT);
  if (!dy || sizeOf(dy.shape) !== rows * h) throw new Error(`${WHAT}: dy must have x's shape`);
  const eps = epsOf(args.attrs, WHAT);
  const site = siteOf(args.attrs, WHAT);
  const n = rows * h;
  if (!rowsFit(rows) || !dropoutFits(n)) {
    return tf.tidy(() => {
      const xt = asTensor(x, WHAT);
      const mask = dropoutMask(xt.shape, site.rate, site.seed);
      const [dsum, dgamma, dbeta] = composed.layerNormGrad(tf.add(tf.mul(xt, mask), asTensor(residual, WHAT)), asTensor(gamma, WHAT), asTensor(dy, WHAT), eps);
      return [tf.mul(dsum, mask), dsum, dgamma, dbeta];
    });
  }
  const component = n % 4 === 0 ? 4 : 1;
  const uniforms = dropoutUniforms(site);
  const sum = backend.runWebGPUProgram(new DropoutApplyProgram(n, component, true), [flat(x!), flat(residual!)], "float32", uniforms);
  const sumInfo: TensorInfoLike = { dataId: sum.dataId, shape: x!.shape.slice(), dtype: "float32" };
  const [dsum, dgamma, dbeta] = runLayerNormGrad(backend, sumInfo, gamma!, dy, eps);
  backend.disposeData(sum.dataId);
  const dx = backend.runWebGPUProgram(new DropoutApplyProgram(n, component, false), [flat(dsum)], "float32", uniforms);
  return [{ dataId: dx.dataId, shape: x!.shape.slice(), dtype: "float32" }, dsum, dgamma, dbeta];
}

export const dropoutAddLayerNormGradConfig = webgpuKernel(DROPOUT_ADD_LAYER_NORM_GRAD_KERNEL, dropoutAddLayerNormGrad);
