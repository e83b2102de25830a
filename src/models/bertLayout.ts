// What a BertForSequenceClassification checkpoint must contain, derived from its Hugging Face config.json:
// the architecture numbers read and checked from the raw config, and every parameter's HF name and shape
// (Linear weights [out, in]). Shared by the saved-folder validator and the ONNX exporter.

/** The numbers of a BERT sequence classifier, read from a Hugging Face config.json. */
export interface BertClassifierShape {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  hiddenAct: string;
  numLabels: number;
}

function positiveInt(raw: Record<string, unknown>, key: string, where: string): number {
  const v = raw[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new Error(`${where}: "${key}" must be a positive integer, got ${JSON.stringify(v)}. Is this a BERT config.json?`);
  }
  return v;
}

/** The number of labels as Hugging Face derives it: the size of id2label, else num_labels, else 2. */
export function numLabelsOf(raw: Record<string, unknown>): number {
  const id2label = raw.id2label;
  if (id2label && typeof id2label === "object" && Object.keys(id2label).length > 0) return Object.keys(id2label).length;
  if (typeof raw.num_labels === "number" && raw.num_labels > 0) return raw.num_labels;
  return 2;
}

/** Reads and checks the architecture numbers of a BERT config (raw JSON object as in config.json). */
export function readBertShape(raw: Record<string, unknown>, where = "config.json"): BertClassifierShape {
  if (raw.model_type !== undefined && raw.model_type !== "bert") {
    throw new Error(`${where}: model_type is ${JSON.stringify(raw.model_type)}, expected "bert"`);
  }
  const pet = raw.position_embedding_type;
  if (pet !== undefined && pet !== null && pet !== "absolute") {
    throw new Error(`${where}: position_embedding_type ${JSON.stringify(pet)} is not supported (only "absolute", as in bert-base-uncased)`);
  }
  const shape: BertClassifierShape = {
    vocabSize: positiveInt(raw, "vocab_size", where),
    hiddenSize: positiveInt(raw, "hidden_size", where),
    numHiddenLayers: positiveInt(raw, "num_hidden_layers", where),
    numAttentionHeads: positiveInt(raw, "num_attention_heads", where),
    intermediateSize: positiveInt(raw, "intermediate_size", where),
    maxPositionEmbeddings: positiveInt(raw, "max_position_embeddings", where),
    typeVocabSize: positiveInt(raw, "type_vocab_size", where),
    layerNormEps: typeof raw.layer_norm_eps === "number" ? raw.layer_norm_eps : 1e-12,
    hiddenAct: typeof raw.hidden_act === "string" ? raw.hidden_act : "gelu",
    numLabels: numLabelsOf(raw),
  };
  if (shape.hiddenSize % shape.numAttentionHeads !== 0) {
    throw new Error(`${where}: hidden_size ${shape.hiddenSize} is not a multiple of num_attention_heads ${shape.numAttentionHeads}`);
  }
  return shape;
}

/** Every parameter of BertForSequenceClassification with its Hugging Face name and shape, in a stable order. */
export function bertClassifierParameterShapes(s: BertClassifierShape): Map<string, number[]> {
  const h = s.hiddenSize;
  const m = new Map<string, number[]>();
  m.set("bert.embeddings.word_embeddings.weight", [s.vocabSize, h]);
  m.set("bert.embeddings.position_embeddings.weight", [s.maxPositionEmbeddings, h]);
  m.set("bert.embeddings.token_type_embeddings.weight", [s.typeVocabSize, h]);
  m.set("bert.embeddings.LayerNorm.weight", [h]);
  m.set("bert.embeddings.LayerNorm.bias", [h]);
  for (let l = 0; l < s.numHiddenLayers; l++) {
    const p = `bert.encoder.layer.${l}`;
    for (const proj of ["query", "key", "value"]) {
      m.set(`${p}.attention.self.${proj}.weight`, [h, h]);
      m.set(`${p}.attention.self.${proj}.bias`, [h]);
    }
    m.set(`${p}.attention.output.dense.weight`, [h, h]);
    m.set(`${p}.attention.output.dense.bias`, [h]);
    m.set(`${p}.attention.output.LayerNorm.weight`, [h]);
    m.set(`${p}.attention.output.LayerNorm.bias`, [h]);
    m.set(`${p}.intermediate.dense.weight`, [s.intermediateSize, h]);
    m.set(`${p}.intermediate.dense.bias`, [s.intermediateSize]);
    m.set(`${p}.output.dense.weight`, [h, s.intermediateSize]);
    m.set(`${p}.output.dense.bias`, [h]);
    m.set(`${p}.output.LayerNorm.weight`, [h]);
    m.set(`${p}.output.LayerNorm.bias`, [h]);
  }
  m.set("bert.pooler.dense.weight", [h, h]);
  m.set("bert.pooler.dense.bias", [h]);
  m.set("classifier.weight", [s.numLabels, h]);
  m.set("classifier.bias", [s.numLabels]);
  return m;
}

/** Lists the differences between the parameters found (name → shape) and those the config implies. */
export function compareParameterShapes(expected: Map<string, number[]>, found: Map<string, number[]>): string[] {
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const got = found.get(name);
    if (!got) problems.push(`missing tensor ${name} [${shape.join(", ")}]`);
    else if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      problems.push(`tensor ${name} has shape [${got.join(", ")}], config implies [${shape.join(", ")}]`);
    }
  }
  for (const name of found.keys()) if (!expected.has(name)) problems.push(`unexpected tensor ${name}`);
  return problems;
}
