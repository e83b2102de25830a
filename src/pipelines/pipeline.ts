// pipeline("sentiment-analysis", dir): the project's counterpart of transformers' pipeline() for a saved
// fine-tuned folder — the TensorFlow.js model and the same tokenizer as in training, batched, truncating
// long inputs the way Python transformers does ([CLS] ... [SEP] within the model's maximum length).
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend } from "../backends/initBackend";
import { BertForSequenceClassification } from "../models/index";
import { loadTokenizer } from "../tokenizers/index";
import { OnnxClassifierSession, onnxRuntimeUnavailable } from "../onnx/runtime";
import { createTextClassifier, type TextClassifier } from "./textClassifier";

export const PIPELINE_TASKS = ["sentiment-analysis", "text-classification"] as const;
export type PipelineTask = (typeof PIPELINE_TASKS)[number];

export interface PipelineOptions {
  /** Rows per forward pass (default 16). */
  batchSize?: number;
  /**
   * Tokens per input after truncation, [CLS]/[SEP] included. Default: the tokenizer's model_max_length
   * capped at the model's max_position_embeddings (512 for BERT); larger values are refused.
   */
  maxLength?: number;
  /**
   * What runs the model: "auto" (default) ONNX Runtime on the CPU backends (wasm, cpu) — the same logits to
   * 1e-6, several times faster (bench/RESULTS.md) — and TensorFlow.js elsewhere; or "tfjs" always.
   */
  runtime?: "auto" | "tfjs";
}

/** pipeline()'s second argument in transformers' form: pipeline("sentiment-analysis", { model, tokenizer }). */
export interface PipelineModelOptions extends PipelineOptions {
  /** Folder (or hub id) of the model. */
  model: string;
  /** Folder (or hub id) of the tokenizer; default: the model's. */
  tokenizer?: string;
}

export interface LoadedTextClassifier extends TextClassifier {
  /** The folder the pipeline was loaded from. */
  readonly source: string;
  /** What runs the model: ONNX Runtime (CPU backends) or TensorFlow.js. */
  readonly runtime: "onnxruntime" | "tfjs";
  /** Frees the model's weights; the pipeline cannot be called afterwards. */
  dispose(): void;
}

function tokenizerMaxLength(dir: string): number {
  const file = path.join(dir, "tokenizer_config.json");
  if (!fs.existsSync(file)) return Infinity;
  try {
    const v = (JSON.parse(fs.readFileSync(file, "utf8")) as { model_max_length?: unknown }).model_max_length;
    return typeof v === "number" && v > 0 ? v : Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * Loads a text-classification pipeline from a folder written by saveFineTuned (or any folder / hub id that
 * BertForSequenceClassification.fromPretrained and loadTokenizer accept). The result is an async function:
 * `await classifier("Great film!")` → `[{ label: "POSITIVE", score: 0.98 }]`, one entry per input.
 */
export async function pipeline(task: PipelineTask, modelOrOptions: string | PipelineModelOptions, opts: PipelineOptions = {}): Promise<LoadedTextClassifier> {
  const given = typeof modelOrOptions === "string" ? { model: modelOrOptions } : modelOrOptions;
  if (!given || typeof given.model !== "string") {
    throw new Error('pipeline needs a model: pipeline("sentiment-analysis", "./fine_tuned_bert") or pipeline("sentiment-analysis", { model: dir, tokenizer: dir })');
  }
  const { model: dir, tokenizer: tokenizerDir = given.model, ...rest } = given;
  opts = { ...rest, ...opts };
  if (!(PIPELINE_TASKS as readonly string[]).includes(task)) {
    throw new Error(`pipeline: unsupported task ${JSON.stringify(task)}; this project provides ${PIPELINE_TASKS.map((t) => `"${t}"`).join(" and ")}`);
  }
  // The fastest available TensorFlow.js backend unless one was chosen already (initBackend keeps a choice).
  await initBackend();
  const model = await BertForSequenceClassification.fromPretrained(dir);
  let session: OnnxClassifierSession | null = null;
  try {
    const tokenizer = await loadTokenizer(tokenizerDir);
    session = opts.runtime === "tfjs" || onnxRuntimeUnavailable(model) ? null : await OnnxClassifierSession.fromModel(model);
    const maxPositions = model.config.maxPositionEmbeddings;
    if (opts.maxLength !== undefined && opts.maxLength > maxPositions) {
      throw new RangeError(`maxLength ${opts.maxLength} exceeds the model's max_position_embeddings (${maxPositions}); use at most ${maxPositions}`);
    }
    const maxLength = opts.maxLength ?? Math.min(512, maxPositions, tokenizerMaxLength(tokenizerDir));
    const classifier = createTextClassifier({
      model,
      tokenizer,
      id2label: model.config.raw.id2label,
      numLabels: model.config.numLabels,
      problemType: typeof model.config.raw.problem_type === "string" ? model.config.raw.problem_type : null,
      maxLength,
      batchSize: opts.batchSize,
      runLogits: session ? (ids, mask, types, n, width) => (session as OnnxClassifierSession).logits(ids, mask, types, n, width) : undefined,
    });
    const dispose = () => {
      model.dispose();
      void session?.dispose();
    };
    return Object.assign(classifier, { source: path.resolve(dir), runtime: session ? ("onnxruntime" as const) : ("tfjs" as const), dispose });
  } catch (err) {
    model.dispose();
    void session?.dispose();
    throw err;
  }
}
