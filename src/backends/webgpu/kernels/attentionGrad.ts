// BertImdbAttentionGrad on webgpu: d(qkv) of the attention kernel in two dispatches (../programs/attentionGrad.ts)
// instead of the ≈ 14 of the composed form, the probabilities recomputed from q and k and the dropout mask from
// its seed. Registered with the trainFused option (../registerKernels.ts); head sizes the programs do not take
// recompute the probabilities with tf ops (src/models/ops.ts).
import { composed, ATTENTION_GRAD_KERNEL } from "../../../models/ops";
import { dropoutUniforms } from "../programs/dropout";
import { ColumnsProgram, MAX_GRAD_HEAD, RowsProgram } from "../programs/attentionGrad";
import { asTensor, KernelArgs, KernelResult, WebGPUKernelBackend, webgpuKernel } from "../program";
import { attentionCall } from "./attentionImpl";

const WHAT = "attention gradient (webgpu)";

function attentionGrad(args: KernelArgs): KernelResult {
  const backend = args.backend as WebGPUKernelBackend;
  const { attrs, shape, qkv, mask, site, uniforms } = attentionCall(WHAT, args);
  const { batch, seq, heads, headSize } = attrs;
  const { ctx, dy } = args.inputs;
  for (const [name, t] of [["ctx", ctx], ["dy", dy]] as const) {
    if (!t || t.shape.join() !== [batch * seq, heads * headSize].join()) throw new Error(`${WHAT}: ${name} must be [${batch * seq}, ${heads * headSize}], got ${t ? `[${t.shape.join(", ")}]` : "nothing"}`);
  }
  if (headSize % 4 !== 0 || headSize > MAX_GRAD_HEAD) {
    return composed.attentionBackward(asTensor(qkv, WHAT), asTensor(dy, WHAT), shape, args.inputs.mask ? asTensor(args.inputs.mask, WHAT) : null, site);
  }
  const rowInputs = [qkv, dy!, ctx!, ...(mask ? [mask] : [])];
  const scratch = backend.runWebGPUProgram(new RowsProgram(batch, seq, heads, headSize, !!mask, site != null), rowInputs, "float32", [...uniforms, ...(site ? dropoutUniforms(site) : [])]);
  try {
    return backend.runWebGPUProgram(new ColumnsProgram(batch, seq, heads, headSize), [qkv, dy!, scratch], "float32", uniforms);
  } finally {
    backend.disposeData(scratch.dataId);
  }
}

export const attentionGradConfig = webgpuKernel(ATTENTION_GRAD_KERNEL, attentionGrad);
