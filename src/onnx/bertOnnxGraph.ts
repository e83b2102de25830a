// Builds the ONNX graph of BertForSequenceClassification exactly as Hugging Face computes it: embeddings
// (word + token type + position, LayerNorm), encoder layers (scaled dot-product attention with the additive
// mask (1 - mask) * finfo(float32).min, exact erf GELU, post-LayerNorm), tanh pooler on [CLS], classifier.
// Inputs/outputs follow the contract transformers.js and optimum use: int64 input_ids / attention_mask /
// token_type_ids [batch_size, sequence_length] → float32 logits [batch_size, num_labels].
import { onnx } from "onnx-proto";
import { bertClassifierParameterShapes, compareParameterShapes, type BertClassifierShape } from "../models/bertLayout";
import { floatAttr, intAttr, intsAttr, OnnxGraphBuilder } from "./onnxGraphBuilder";
import type { Float32Tensor } from "./versions";

/** The most negative float32, torch.finfo(torch.float32).min: HF's additive value for masked positions. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/** The ONNX operators the exported graph uses (all in the default domain, opset >= 17). */
export const BERT_ONNX_OPS = [
  "Gather", "Shape", "Slice", "Add", "Sub", "Mul", "Div", "Cast", "Unsqueeze", "LayerNormalization",
  "MatMul", "Reshape", "Transpose", "Softmax", "Erf", "Gemm", "Tanh",
  // Only with `finalSep` (restoring [SEP] on rows cut at the length limit):
  "Concat", "Equal", "Not", "And", "Where",
] as const;

/**
 * Restores the final [SEP] on rows that a tokenizer cut at the length limit after adding special tokens.
 * transformers.js (4.3) truncates `[CLS] pieces [SEP]` by dropping everything past `maxLength`, [SEP]
 * included, where HF Python (and this project) cut the pieces to `maxLength - 2` and keep [SEP]. A row that
 * fills exactly `maxLength` tokens, is attended at its last position and does not end with [SEP] can only
 * come from that cut (every tokenizer call that adds special tokens ends a row with [SEP]); the graph then
 * puts [SEP] in that last position, which gives exactly the ids Python builds.
 */
export interface FinalSepOptions {
  sepTokenId: number;
  /** The tokenizer's limit (model_max_length, at most max_position_embeddings). */
  maxLength: number;
}

export interface BertOnnxOptions {
  opset: number;
  producerVersion: string;
  /** Extra key/value pairs stored in the model's metadata_props. */
  metadata?: Record<string, string>;
  /** Restore [SEP] on rows truncated without it (see FinalSepOptions); off when absent. */
  finalSep?: FinalSepOptions;
}

/** Transposes a row-major [rows, cols] matrix (HF Linear weight [out, in] → MatMul's [in, out]). */
function transpose2d(t: Float32Tensor): Float32Tensor {
  const [rows, cols] = t.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[base + c];
  }
  return { shape: [cols, rows], data: out };
}

/** input_ids with its last column set to [SEP] on the rows described in FinalSepOptions; returns the new value. */
function restoreFinalSep(g: OnnxGraphBuilder, o: FinalSepOptions): string {
  const s = "/restore_final_sep";
  const axis1 = g.addInt64("axis_1", [1]);
  const minusOne = g.addInt64("minus_one", [-1]);
  const end = g.addInt64("slice_to_end", [Number.MAX_SAFE_INTEGER]);
  const last = g.op("Slice", ["input_ids", minusOne, end, axis1], s); // [b, 1]
  const head = g.op("Slice", ["input_ids", g.addInt64("zero_start", [0]), minusOne, axis1], s); // [b, seq - 1]
  const lastMask = g.op("Slice", ["attention_mask", minusOne, end, axis1], s);
  const sep = g.addInt64("sep_token_id", [o.sepTokenId], true);
  const full = g.op("Equal", [g.op("Shape", ["input_ids"], s, [intAttr("start", 1), intAttr("end", 2)]), g.addInt64("max_length", [o.maxLength])], s); // [1]
  const attended = g.op("Equal", [lastMask, g.addInt64("one_int64", [1], true)], s);
  const notSep = g.op("Not", [g.op("Equal", [last, sep], s)], s);
  const cut = g.op("And", [g.op("And", [full, attended], s), notSep], s); // [b, 1]
  return g.op("Concat", [head, g.op("Where", [cut, sep, last], s)], s, [intAttr("axis", 1)]);
}

/**
 * Serialises a BERT sequence classifier to ONNX. `weights` maps HF parameter names (e.g.
 * "bert.encoder.layer.0.attention.self.query.weight") to float32 tensors with HF shapes.
 */
export function buildBertClassifierOnnx(shape: BertClassifierShape, weights: Map<string, Float32Tensor>, opts: BertOnnxOptions): Uint8Array {
  if (shape.hiddenAct !== "gelu") {
    throw new Error(`hidden_act ${JSON.stringify(shape.hiddenAct)} is not supported by the ONNX export (only "gelu", the exact erf GELU of bert-base-uncased)`);
  }
  const expected = bertClassifierParameterShapes(shape);
  const found = new Map([...weights].map(([k, v]) => [k, v.shape]));
  const problems = compareParameterShapes(expected, found).filter((p) => !p.startsWith("unexpected"));
  if (problems.length > 0) {
    throw new Error(`Cannot export to ONNX, the weights do not match the config:\n  ${problems.slice(0, 20).join("\n  ")}${problems.length > 20 ? `\n  ... ${problems.length - 20} more` : ""}`);
  }
  const g = new OnnxGraphBuilder();
  const w = (name: string): Float32Tensor => weights.get(name) as Float32Tensor;
  const init = (name: string): string => g.addFloat(name, w(name).shape, w(name).data);
  const initT = (name: string): string => {
    const t = transpose2d(w(name));
    return g.addFloat(`${name}.T`, t.shape, t.data);
  };
  const H = shape.hiddenSize;
  const heads = shape.numAttentionHeads;
  const headDim = H / heads;
  const eps = shape.layerNormEps;

  const linear = (x: string, prefix: string, scope: string): string =>
    g.op("Add", [g.op("MatMul", [x, initT(`${prefix}.weight`)], scope), init(`${prefix}.bias`)], scope);
  const layerNorm = (x: string, prefix: string, scope: string): string =>
    g.op("LayerNormalization", [x, init(`${prefix}.weight`), init(`${prefix}.bias`)], scope, [intAttr("axis", -1), floatAttr("epsilon", eps)]);

  const zero = g.addInt64("zero_1d", [0]);
  const one = g.addFloatScalar("one", 1);
  const inputIds = opts.finalSep ? restoreFinalSep(g, opts.finalSep) : "input_ids";
  // Embeddings: (word + token_type) + position, then LayerNorm (the order of HF's BertEmbeddings).
  let s = "/bert/embeddings";
  const word = g.op("Gather", [init("bert.embeddings.word_embeddings.weight"), inputIds], `${s}/word_embeddings`, [intAttr("axis", 0)]);
  const tokenType = g.op("Gather", [init("bert.embeddings.token_type_embeddings.weight"), "token_type_ids"], `${s}/token_type_embeddings`, [intAttr("axis", 0)]);
  const seqLen = g.op("Shape", ["input_ids"], s, [intAttr("start", 1), intAttr("end", 2)]);
  const position = g.op(
    "Slice",
    [init("bert.embeddings.position_embeddings.weight"), zero, seqLen, zero],
    `${s}/position_embeddings`,
  );
  let hidden = layerNorm(g.op("Add", [g.op("Add", [word, tokenType], s), position], s), "bert.embeddings.LayerNorm", `${s}/LayerNorm`);

  // Additive attention mask [batch, 1, 1, seq]: 0 where attended, finfo(float32).min where padded.
  s = "/bert/extended_attention_mask";
  const maskF = g.op("Cast", ["attention_mask"], s, [intAttr("to", onnx.TensorProto.DataType.FLOAT)]);
  const inverted = g.op("Sub", [one, maskF], s);
  const additive = g.op("Mul", [inverted, g.addFloatScalar("float32_min", FLOAT32_MIN)], s);
  const mask = g.op("Unsqueeze", [additive, g.addInt64("axes_1_2", [1, 2])], s);

  const splitHeads = g.addInt64("shape_split_heads", [0, 0, heads, headDim]);
  const mergeHeads = g.addInt64("shape_merge_heads", [0, 0, H]);
  const scaling = g.addFloatScalar("attention_scaling", 1 / Math.sqrt(headDim));
  const sqrt2 = g.addFloatScalar("sqrt_2", Math.SQRT2);
  const half = g.addFloatScalar("half", 0.5);

  for (let l = 0; l < shape.numHiddenLayers; l++) {
    const p = `bert.encoder.layer.${l}`;
    s = `/bert/encoder/layer.${l}`;
    const a = `${s}/attention/self`;
    const heads4d = (proj: string, perm: number[]): string =>
      g.op("Transpose", [g.op("Reshape", [linear(hidden, `${p}.attention.self.${proj}`, `${a}/${proj}`), splitHeads], `${a}/${proj}`)], `${a}/${proj}`, [intsAttr("perm", perm)]);
    const q = heads4d("query", [0, 2, 1, 3]); // [b, heads, seq, headDim]
    const kT = heads4d("key", [0, 2, 3, 1]); // [b, heads, headDim, seq]
    const v = heads4d("value", [0, 2, 1, 3]);
    const scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, kT], a), scaling], a), mask], a);
    const probs = g.op("Softmax", [scores], a, [intAttr("axis", -1)]);
    const context = g.op("MatMul", [probs, v], a);
    const merged = g.op("Reshape", [g.op("Transpose", [context], a, [intsAttr("perm", [0, 2, 1, 3])]), mergeHeads], a);
    const attnOut = linear(merged, `${p}.attention.output.dense`, `${s}/attention/output/dense`);
    hidden = layerNorm(g.op("Add", [attnOut, hidden], `${s}/attention/output`), `${p}.attention.output.LayerNorm`, `${s}/attention/output/LayerNorm`);

    // Exact GELU as HF's GELUActivation: 0.5 * x * (1 + erf(x / sqrt(2))).
    const inter = linear(hidden, `${p}.intermediate.dense`, `${s}/intermediate/dense`);
    const act = `${s}/intermediate/intermediate_act_fn`;
    const erf = g.op("Erf", [g.op("Div", [inter, sqrt2], act)], act);
    const gelu = g.op("Mul", [g.op("Mul", [inter, half], act), g.op("Add", [erf, one], act)], act);
    const out = linear(gelu, `${p}.output.dense`, `${s}/output/dense`);
    hidden = layerNorm(g.op("Add", [out, hidden], `${s}/output`), `${p}.output.LayerNorm`, `${s}/output/LayerNorm`);
  }

  // Pooler (tanh(dense([CLS]))) and classifier; Gemm with transB keeps HF's [out, in] weights as stored.
  s = "/bert/pooler";
  const cls = g.op("Gather", [hidden, g.addInt64("cls_index", [0], true)], s, [intAttr("axis", 1)]);
  const pooled = g.op(
    "Tanh",
    [g.op("Gemm", [cls, init("bert.pooler.dense.weight"), init("bert.pooler.dense.bias")], `${s}/dense`, [intAttr("transB", 1)])],
    s,
  );
  const logits = g.op("Gemm", [pooled, init("classifier.weight"), init("classifier.bias")], "/classifier", [intAttr("transB", 1)]);
  g.renameOutput(logits, "logits");

  const i64 = onnx.TensorProto.DataType.INT64;
  return g.encode({
    graphName: "bert_for_sequence_classification",
    inputs: [
      { name: "input_ids", elemType: i64, dims: ["batch_size", "sequence_length"] },
      { name: "attention_mask", elemType: i64, dims: ["batch_size", "sequence_length"] },
      { name: "token_type_ids", elemType: i64, dims: ["batch_size", "sequence_length"] },
    ],
    outputs: [{ name: "logits", elemType: onnx.TensorProto.DataType.FLOAT, dims: ["batch_size", shape.numLabels] }],
    opset: opts.opset,
    producerName: "bert-imdb-ts",
    producerVersion: opts.producerVersion,
    docString: "BertForSequenceClassification exported from TensorFlow.js weights by bert-imdb-ts",
    metadata: opts.metadata,
  });
}
