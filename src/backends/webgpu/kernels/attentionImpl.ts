// What the attention kernels share: the call's attributes, its qkv and mask checked against them, the mask as
// the flat [batch·seq] input the programs read, the dropout site, and the uniforms both programs take.
import type { AttentionAttrs, AttentionShape, DropoutSite } from "../../../models/ops";
import { f32, i32, TensorInfoLike } from "../program";

export function attentionCall(what: string, args: { inputs: Record<string, TensorInfoLike | undefined>; attrs?: Record<string, unknown> }) {
  const attrs = (args.attrs ?? {}) as unknown as AttentionAttrs;
  const { batch, seq, heads, headSize, scale } = attrs;
  const { qkv, mask } = args.inputs;
  if (!qkv || qkv.dtype !== "float32") throw new Error(`${what}: qkv must be a float32 tensor`);
  const H = heads * headSize;
  if (qkv.shape.join() !== [batch * seq, 3 * H].join()) throw new Error(`${what}: qkv must be [${batch * seq}, ${3 * H}], got [${qkv.shape.join(", ")}]`);
  if (mask && mask.shape.reduce((a, x) => a * x, 1) !== batch * seq) throw new Error(`${what}: the mask must hold batch × seq = ${batch * seq} values`);
  const site: DropoutSite | null = attrs.dropoutRate ? { rate: attrs.dropoutRate, seed: attrs.dropoutSeed ?? 0 } : null;
  const uniforms = [i32(batch), i32(seq), i32(heads), f32(scale)];
  const flatMask: TensorInfoLike | null = mask ? { dataId: mask.dataId, shape: [batch * seq], dtype: mask.dtype } : null;
  const shape: AttentionShape = { batch, seq, heads, headSize };
  return { attrs, shape, qkv, mask: flatMask, site, uniforms };
}
