// BERT_IMDB_WEBGPU_TRAIN_FUSED=1: training's attention and dropout through the fused kernels — attention as one
// dispatch forward (dropout inside) and two backward (attentionGrad.ts), dropout applied inside the kernels that
// read x (dropout.ts, layerNorm.ts) — 829 instead of 1,143 dispatches per bert-base-depth training step
// (npm run bench:dispatches). Opt-in until a GPU run has timed it against the composed forms the H100/H200
// figures in environment.md were measured with; the values are the same within float32 rounding (tested).
export const TRAIN_FUSED_ENV = "BERT_IMDB_WEBGPU_TRAIN_FUSED";

/** Whether BERT_IMDB_WEBGPU_TRAIN_FUSED asks for the fused training kernels ("1"; unset, "" or "0": no). */
export function trainFusedAsked(): boolean {
  const v = (process.env[TRAIN_FUSED_ENV] ?? "").trim();
  if (v === "" || v === "0") return false;
  if (v === "1") return true;
  throw new Error(`${TRAIN_FUSED_ENV}=${process.env[TRAIN_FUSED_ENV]} must be 1 (fused attention and dropout kernels in training) or 0`);
}
