// BertConfig: the Hugging Face BERT configuration (config.json), read with camelCase accessors while the raw
// JSON is kept so that savePretrained writes every field back, as transformers' save_pretrained does.
import * as fs from "node:fs";
import * as path from "node:path";
import { resolveModelFile, HubFileOptions } from "./resolve";

/** The fields of a Hugging Face BERT config.json (snake_case, as in the file). */
export interface BertConfigJson {
  vocab_size?: number;
  hidden_size?: number;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  intermediate_size?: number;
  hidden_act?: string;
  hidden_dropout_prob?: number;
  attention_probs_dropout_prob?: number;
  max_position_embeddings?: number;
  type_vocab_size?: number;
  initializer_range?: number;
  layer_norm_eps?: number;
  pad_token_id?: number | null;
  position_embedding_type?: string;
  classifier_dropout?: number | null;
  num_labels?: number;
  id2label?: Record<string, string>;
  label2id?: Record<string, number>;
  problem_type?: string | null;
  architectures?: string[];
  model_type?: string;
  [key: string]: unknown;
}

/** Defaults of transformers' BertConfig (what a config.json that omits a field means). */
export const BERT_CONFIG_DEFAULTS: Required<
  Pick<
    BertConfigJson,
    | "vocab_size"
    | "hidden_size"
    | "num_hidden_layers"
    | "num_attention_heads"
    | "intermediate_size"
    | "hidden_act"
    | "hidden_dropout_prob"
    | "attention_probs_dropout_prob"
    | "max_position_embeddings"
    | "type_vocab_size"
    | "initializer_range"
    | "layer_norm_eps"
    | "pad_token_id"
    | "classifier_dropout"
  >
> & Record<string, unknown> = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: "gelu",
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  classifier_dropout: null,
  model_type: "bert",
  use_cache: true,
  is_decoder: false,
  add_cross_attention: false,
  bos_token_id: null,
  eos_token_id: null,
  tie_word_embeddings: true,
};

/** Activations the model implements: "gelu" is the exact erf form; the tanh forms are the approximation. */
export const SUPPORTED_ACTIVATIONS = ["gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu"] as const;
export type HiddenAct = (typeof SUPPORTED_ACTIVATIONS)[number];

export interface LabelOptions {
  /** Number of classes; defaults to the size of id2label, else the config's, else 2. */
  numLabels?: number;
  /** Class index → name; defaults to the config's, else LABEL_0, LABEL_1, ... */
  id2label?: Record<number, string>;
  /** Name → class index; defaults to the inverse of id2label. */
  label2id?: Record<string, number>;
}

function num(raw: BertConfigJson, key: keyof typeof BERT_CONFIG_DEFAULTS): number {
  const v = raw[key] ?? BERT_CONFIG_DEFAULTS[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`BERT config field "${key}" must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export class BertConfig {
  /** The config.json content (snake_case), including labels once resolved. */
  readonly raw: BertConfigJson;

  private constructor(raw: BertConfigJson) {
    this.raw = raw;
    this.validate();
  }

  /** Builds a config from config.json content (optionally with overrides, e.g. a smaller hidden size). */
  static fromDict(raw: BertConfigJson, overrides: BertConfigJson = {}): BertConfig {
    const merged: BertConfigJson = JSON.parse(JSON.stringify({ ...raw, ...overrides }));
    return new BertConfig(merged).withLabels({});
  }

  /** Reads config.json from a file path or a folder. */
  static fromFile(file: string): BertConfig {
    const p = fs.existsSync(file) && fs.statSync(file).isDirectory() ? path.join(file, "config.json") : file;
    if (!fs.existsSync(p)) throw new Error(`No config.json at ${p}: a model folder needs config.json and model.safetensors (as save_pretrained writes them)`);
    let raw: BertConfigJson;
    try {
      raw = JSON.parse(fs.readFileSync(p, "utf8"));
    } catch (err) {
      throw new Error(`${p} is not valid JSON: ${(err as Error).message}`);
    }
    return BertConfig.fromDict(raw);
  }

  /** config.json of a local model folder, or of a Hugging Face hub repo (downloaded to the hub cache). */
  static async fromPretrained(nameOrDir: string, opts: HubFileOptions = {}): Promise<BertConfig> {
    return BertConfig.fromFile(await resolveModelFile(nameOrDir, "config.json", opts));
  }

  /** A copy with the classification labels resolved the way transformers does. */
  withLabels(opts: LabelOptions): BertConfig {
    const raw: BertConfigJson = JSON.parse(JSON.stringify(this.raw));
    let id2label: Record<string, string> | undefined;
    if (opts.id2label) {
      id2label = {};
      for (const [k, v] of Object.entries(opts.id2label)) id2label[String(Number(k))] = String(v);
    } else if (opts.label2id) {
      id2label = {};
      for (const [k, v] of Object.entries(opts.label2id)) id2label[String(v)] = k;
    }
    let numLabels = opts.numLabels ?? (id2label ? Object.keys(id2label).length : undefined);
    if (id2label && opts.numLabels !== undefined && Object.keys(id2label).length !== opts.numLabels) {
      throw new Error(`numLabels=${opts.numLabels} disagrees with id2label (${Object.keys(id2label).length} entries)`);
    }
    if (!id2label) {
      const existing = raw.id2label && Object.keys(raw.id2label).length ? raw.id2label : undefined;
      const existingCount = existing ? Object.keys(existing).length : typeof raw.num_labels === "number" ? raw.num_labels : 2;
      numLabels = numLabels ?? existingCount;
      if (existing && Object.keys(existing).length === numLabels) {
        id2label = { ...existing };
      } else {
        id2label = {};
        for (let i = 0; i < numLabels; i++) id2label[String(i)] = `LABEL_${i}`;
      }
    }
    numLabels = Object.keys(id2label).length;
    for (let i = 0; i < numLabels; i++) {
      if (!(String(i) in id2label)) throw new Error(`id2label must have the keys 0..${numLabels - 1}; it has ${Object.keys(id2label).join(", ")}`);
    }
    let label2id: Record<string, number>;
    if (opts.label2id) {
      label2id = { ...opts.label2id };
    } else {
      label2id = {};
      for (const [k, v] of Object.entries(id2label)) label2id[v] = Number(k);
    }
    if (Object.keys(label2id).length !== numLabels) {
      throw new Error(`label2id has ${Object.keys(label2id).length} labels but there are ${numLabels} classes (are two labels named the same?)`);
    }
    raw.id2label = id2label;
    raw.label2id = label2id;
    delete raw.num_labels;
    return new BertConfig(raw);
  }

  private validate(): void {
    const r = this.raw;
    if (r.model_type !== undefined && r.model_type !== "bert") {
      throw new Error(`config.json says model_type "${r.model_type}"; this implementation is BERT ("bert") only`);
    }
    if (this.hiddenSize % this.numAttentionHeads !== 0) {
      throw new Error(`hidden_size ${this.hiddenSize} is not a multiple of num_attention_heads ${this.numAttentionHeads}`);
    }
    if (!(SUPPORTED_ACTIVATIONS as readonly string[]).includes(this.hiddenAct)) {
      throw new Error(`hidden_act "${this.hiddenAct}" is not supported: use one of ${SUPPORTED_ACTIVATIONS.join(", ")}`);
    }
    const pet = r.position_embedding_type ?? "absolute";
    if (pet !== "absolute") throw new Error(`position_embedding_type "${pet}" is not supported (only "absolute", as in bert-base-uncased)`);
    if (r.is_decoder === true || r.add_cross_attention === true) throw new Error("decoder / cross-attention BERT configs are not supported");
    for (const [k, p] of [
      ["hidden_dropout_prob", this.hiddenDropoutProb],
      ["attention_probs_dropout_prob", this.attentionProbsDropoutProb],
      ["classifier_dropout", this.classifierDropout],
    ] as const) {
      if (!(p >= 0 && p < 1)) throw new Error(`${k} must be in [0, 1), got ${p}`);
    }
    for (const k of ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "max_position_embeddings", "type_vocab_size"] as const) {
      const v = num(r, k);
      if (!Number.isInteger(v) || v <= 0) throw new Error(`BERT config field "${k}" must be a positive integer, got ${v}`);
    }
  }

  get vocabSize(): number { return num(this.raw, "vocab_size"); }
  get hiddenSize(): number { return num(this.raw, "hidden_size"); }
  get numHiddenLayers(): number { return num(this.raw, "num_hidden_layers"); }
  get numAttentionHeads(): number { return num(this.raw, "num_attention_heads"); }
  get headSize(): number { return this.hiddenSize / this.numAttentionHeads; }
  get intermediateSize(): number { return num(this.raw, "intermediate_size"); }
  get hiddenAct(): HiddenAct { return String(this.raw.hidden_act ?? BERT_CONFIG_DEFAULTS.hidden_act) as HiddenAct; }
  get hiddenDropoutProb(): number { return num(this.raw, "hidden_dropout_prob"); }
  get attentionProbsDropoutProb(): number { return num(this.raw, "attention_probs_dropout_prob"); }
  /** classifier_dropout, falling back to hidden_dropout_prob when null (as BertForSequenceClassification does). */
  get classifierDropout(): number {
    const v = this.raw.classifier_dropout;
    return typeof v === "number" ? v : this.hiddenDropoutProb;
  }
  get maxPositionEmbeddings(): number { return num(this.raw, "max_position_embeddings"); }
  get typeVocabSize(): number { return num(this.raw, "type_vocab_size"); }
  get initializerRange(): number { return num(this.raw, "initializer_range"); }
  get layerNormEps(): number { return num(this.raw, "layer_norm_eps"); }
  /** Row of the word embeddings zeroed at random init (null: none). */
  get padTokenId(): number | null {
    const v = this.raw.pad_token_id === undefined ? BERT_CONFIG_DEFAULTS.pad_token_id : this.raw.pad_token_id;
    return typeof v === "number" ? v : null;
  }
  get numLabels(): number { return Object.keys(this.raw.id2label ?? {}).length || 2; }
  get id2label(): Record<number, string> {
    const out: Record<number, string> = {};
    for (const [k, v] of Object.entries(this.raw.id2label ?? {})) out[Number(k)] = v;
    return out;
  }
  get label2id(): Record<string, number> { return { ...(this.raw.label2id ?? {}) }; }

  /**
   * The config.json that savePretrained writes: every field of the loaded file, transformers' defaults for
   * BERT fields it omitted, and the sequence-classification fields (architectures, labels, problem_type).
   */
  toJSON(): BertConfigJson {
    const out: BertConfigJson = { ...BERT_CONFIG_DEFAULTS, ...JSON.parse(JSON.stringify(this.raw)) };
    out.architectures = ["BertForSequenceClassification"];
    out.problem_type = "single_label_classification";
    out.dtype = "float32";
    if ("torch_dtype" in out) out.torch_dtype = "float32";
    delete out.num_labels;
    for (const k of Object.keys(out)) if (k.startsWith("_")) delete out[k]; // runtime-only (_name_or_path, ...)
    const sorted: BertConfigJson = {};
    for (const k of Object.keys(out).sort()) sorted[k] = out[k];
    return sorted;
  }
}
