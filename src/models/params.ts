// The parameters of BertForSequenceClassification: Hugging Face names, shapes and order (as torch's
// named_parameters lists them), and their random initialisation as transformers' _init_weights does it
// (normal(0, initializer_range) for Linear and Embedding weights, the padding row of the word embeddings
// zeroed, zero biases, LayerNorm weight 1 / bias 0), drawn from the project's seeded generator.
import { Rng } from "../random";
import { BertConfig } from "./config";

export type ParamKind = "linear" | "embedding" | "bias" | "norm-weight" | "norm-bias";

export interface ParamSpec {
  /** Hugging Face parameter name, e.g. "bert.encoder.layer.0.attention.self.query.weight". */
  name: string;
  shape: number[];
  kind: ParamKind;
  /** Embedding row zeroed at init (word embeddings: pad_token_id). */
  paddingIdx?: number | null;
}

/** Sub-module names of one encoder layer, in torch's registration order. */
export const LAYER_PARTS = {
  query: "attention.self.query",
  key: "attention.self.key",
  value: "attention.self.value",
  attnOut: "attention.output.dense",
  attnNorm: "attention.output.LayerNorm",
  intermediate: "intermediate.dense",
  out: "output.dense",
  outNorm: "output.LayerNorm",
} as const;

export function layerPrefix(i: number): string {
  return `bert.encoder.layer.${i}`;
}

/** Every parameter of the model for `config`, in Hugging Face's named_parameters order. */
export function bertParamSpecs(config: BertConfig): ParamSpec[] {
  const h = config.hiddenSize;
  const inter = config.intermediateSize;
  const specs: ParamSpec[] = [];
  const lin = (name: string, out: number, inp: number) => {
    specs.push({ name: `${name}.weight`, shape: [out, inp], kind: "linear" });
    specs.push({ name: `${name}.bias`, shape: [out], kind: "bias" });
  };
  const norm = (name: string) => {
    specs.push({ name: `${name}.weight`, shape: [h], kind: "norm-weight" });
    specs.push({ name: `${name}.bias`, shape: [h], kind: "norm-bias" });
  };
  specs.push({ name: "bert.embeddings.word_embeddings.weight", shape: [config.vocabSize, h], kind: "embedding", paddingIdx: config.padTokenId });
  specs.push({ name: "bert.embeddings.position_embeddings.weight", shape: [config.maxPositionEmbeddings, h], kind: "embedding" });
  specs.push({ name: "bert.embeddings.token_type_embeddings.weight", shape: [config.typeVocabSize, h], kind: "embedding" });
  norm("bert.embeddings.LayerNorm");
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = layerPrefix(i);
    lin(`${p}.${LAYER_PARTS.query}`, h, h);
    lin(`${p}.${LAYER_PARTS.key}`, h, h);
    lin(`${p}.${LAYER_PARTS.value}`, h, h);
    lin(`${p}.${LAYER_PARTS.attnOut}`, h, h);
    norm(`${p}.${LAYER_PARTS.attnNorm}`);
    lin(`${p}.${LAYER_PARTS.intermediate}`, inter, h);
    lin(`${p}.${LAYER_PARTS.out}`, h, inter);
    norm(`${p}.${LAYER_PARTS.outNorm}`);
  }
  lin("bert.pooler.dense", h, h);
  lin("classifier", config.numLabels, h);
  return specs;
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Fills `out` with normal(0, std) samples (Box-Muller, both outputs used). */
export function fillNormal(rng: Rng, out: Float32Array, std: number): Float32Array {
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    let u = 0;
    while (u === 0) u = rng.next();
    const v = rng.next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Initial values of one parameter, as transformers' BertPreTrainedModel._init_weights sets them. */
export function initParam(spec: ParamSpec, config: BertConfig, rng: Rng): Float32Array {
  const data = new Float32Array(sizeOf(spec.shape));
  switch (spec.kind) {
    case "linear":
    case "embedding":
      fillNormal(rng, data, config.initializerRange);
      if (spec.kind === "embedding" && spec.paddingIdx != null && spec.paddingIdx >= 0 && spec.paddingIdx < spec.shape[0]) {
        const w = spec.shape[1];
        data.fill(0, spec.paddingIdx * w, (spec.paddingIdx + 1) * w);
      }
      break;
    case "norm-weight":
      data.fill(1);
      break;
    case "bias":
    case "norm-bias":
      break;
  }
  return data;
}

/** Parameters that the HF Trainer excludes from weight decay (biases and LayerNorm weights). */
export function isNoDecayParam(name: string): boolean {
  return name.endsWith(".bias") || name.includes("LayerNorm.");
}
