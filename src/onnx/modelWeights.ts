// Reads what the exporters need from a live TensorFlow.js BertForSequenceClassification: its Hugging Face
// config (raw config.json fields) and its parameters by HF name, as float32 arrays with HF shapes.
import type { tf } from "../backends/tf";
import type { Float32Tensor } from "./versions";

/** The part of the model API the ONNX export and the saver rely on. */
export interface ExportableModel {
  /** The Hugging Face config: the raw config.json object, or an object exposing it (`raw` / `toJSON()`). */
  config: unknown;
  /** Parameters with HF names ("bert.embeddings.word_embeddings.weight", ...) and HF shapes (Linear [out, in]). */
  namedParameters(): Array<[string, tf.Variable]>;
}

function isRawBertConfig(c: unknown): c is Record<string, unknown> {
  return typeof c === "object" && c !== null && typeof (c as Record<string, unknown>).hidden_size === "number";
}

/** The raw Hugging Face config.json fields of a model (snake_case keys such as hidden_size, id2label). */
export function modelRawConfig(model: ExportableModel): Record<string, unknown> {
  if (isRawBertConfig(model.config)) return { ...model.config };
  const c = model.config as { raw?: unknown; toJSON?: () => unknown } | undefined;
  // toJSON() (BertConfig) includes the defaults of fields config.json omitted; raw is the file as read.
  if (c && typeof c.toJSON === "function") {
    const j = c.toJSON();
    if (isRawBertConfig(j)) return { ...j };
  }
  if (c && isRawBertConfig(c.raw)) return { ...c.raw };
  throw new Error("model.config does not expose the Hugging Face config.json fields (hidden_size, num_hidden_layers, ...); pass a BertForSequenceClassification from src/model");
}

/** Every parameter as float32 data by HF name (the backend's arrays: read them, never write to them). */
export function modelWeights(model: ExportableModel): Map<string, Float32Tensor> {
  const out = new Map<string, Float32Tensor>();
  for (const [name, v] of model.namedParameters()) {
    if (v.dtype !== "float32") throw new Error(`parameter ${name} has dtype ${v.dtype}; the export needs float32`);
    out.set(name, { shape: v.shape.slice(), data: v.dataSync() as Float32Array });
  }
  return out;
}
