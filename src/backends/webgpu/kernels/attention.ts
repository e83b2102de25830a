// BertImdbAttention on webgpu: the context of qkv in one dispatch (../programs/attention.ts) instead of the ≈ 9
// of the composed form (a transpose to heads, an unstack, two batched matMuls, the scale, the additive mask, a
// softmax and a transpose back), dropout of the probabilities inside when the call has a site. Head sizes the
// program does not take (not a multiple of 4, or above 64) are composed of tf ops.
import { composed, ATTENTION_KERNEL } from "../../../models/ops";
import { dropoutUniforms } from "../programs/dropout";
import { AttentionProgram, headSizeFits } from "../programs/attention";
import { asTensor, KernelArgs, KernelResult, WebGPUKernelBackend, webgpuKernel } from "../program";
import { attentionCall } from "./attentionImpl";

const WHAT = "attention (webgpu)";

function attention(args: KernelArgs): KernelResult {
  const { attrs, shape, qkv, mask, site, uniforms } = attentionCall(WHAT, args);
  if (!headSizeFits(attrs.headSize)) return composed.attention(asTensor(qkv, WHAT), shape, args.inputs.mask ? asTensor(args.inputs.mask, WHAT) : null, site);
  const program = new AttentionProgram(attrs.batch, attrs.seq, attrs.heads, attrs.headSize, !!mask, site != null);
  return (args.backend as WebGPUKernelBackend).runWebGPUProgram(program, mask ? [qkv, mask] : [qkv], "float32", [...uniforms, ...(site ? dropoutUniforms(site) : [])]);
}

export const attentionConfig = webgpuKernel(ATTENTION_KERNEL, attention);
