// Checks that a saved fine-tuned folder is complete and self-consistent before anyone loads it: every file
// present, config.json a BERT sequence classifier with matching id2label/label2id, model.safetensors a valid
// F32 file whose tensors have exactly the names and shapes the config implies, tokenizer files coherent,
// and (when present) onnx/model.onnx with the input/output contract transformers.js expects.
import * as fs from "node:fs";
import * as path from "node:path";
import { readSafetensorsHeader } from "../safetensors/index";
import { inspectOnnx } from "../onnx/inspectOnnx";
import { bertClassifierParameterShapes, compareParameterShapes, readBertShape } from "./bertLayout";
import { vocabFromTokenizerJson } from "./tokenizerFiles";

/** The files a saved fine-tuned folder must contain. */
export const SAVED_FILES = [
  "config.json",
  "model.safetensors",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "vocab.txt",
] as const;

export interface SavedReport {
  dir: string;
  numLabels: number;
  id2label: Record<string, string>;
  numParameters: number;
  hiddenSize: number;
  numHiddenLayers: number;
  vocabSize: number;
  modelMaxLength: number;
  /** Summary of onnx/model.onnx when the folder has one. */
  onnx: { irVersion: number; opset: number; fileBytes: number } | null;
}

export class SavedModelError extends Error {
  constructor(readonly dir: string, readonly problems: string[]) {
    super(`${dir} is not a complete saved model (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}\nSave it again with saveFineTuned(dir, { model, tokenizer }).`);
    this.name = "SavedModelError";
  }
}

function tryJson(file: string, problems: string[]): Record<string, unknown> | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
    problems.push(`${path.basename(file)} is not a JSON object`);
  } catch (err) {
    problems.push(`${path.basename(file)} is not valid JSON (${(err as Error).message})`);
  }
  return null;
}

/** Validates a saved folder; returns a summary or throws SavedModelError listing every problem found. */
export function verifySaved(dir: string): SavedReport {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new SavedModelError(abs, ["the folder does not exist"]);
  const problems: string[] = [];
  for (const f of SAVED_FILES) {
    const p = path.join(abs, f);
    if (!fs.existsSync(p)) problems.push(`${f} is missing`);
    else if (fs.statSync(p).size === 0) problems.push(`${f} is empty`);
  }
  if (problems.length > 0) throw new SavedModelError(abs, problems);

  const config = tryJson(path.join(abs, "config.json"), problems);
  const tokCfg = tryJson(path.join(abs, "tokenizer_config.json"), problems);
  const tokJson = tryJson(path.join(abs, "tokenizer.json"), problems);
  tryJson(path.join(abs, "special_tokens_map.json"), problems);
  if (!config || !tokCfg || !tokJson) throw new SavedModelError(abs, problems);

  // config.json
  const archs = config.architectures;
  if (!Array.isArray(archs) || !archs.includes("BertForSequenceClassification")) {
    problems.push(`config.json architectures is ${JSON.stringify(archs)}, expected ["BertForSequenceClassification"]`);
  }
  let shape: ReturnType<typeof readBertShape> | null = null;
  try {
    shape = readBertShape(config, "config.json");
  } catch (err) {
    problems.push((err as Error).message);
  }
  const id2label = (config.id2label ?? {}) as Record<string, string>;
  const label2id = (config.label2id ?? {}) as Record<string, number>;
  if (!config.id2label) problems.push("config.json has no id2label");
  if (!config.label2id) problems.push("config.json has no label2id");
  const n = Object.keys(id2label).length;
  for (let i = 0; i < n; i++) {
    const name = id2label[String(i)];
    if (typeof name !== "string") problems.push(`config.json id2label has no entry "${i}"`);
    else if (label2id[name] !== i) problems.push(`config.json label2id[${JSON.stringify(name)}] is ${JSON.stringify(label2id[name])}, id2label says ${i}`);
  }
  if (Object.keys(label2id).length !== n) problems.push(`config.json label2id has ${Object.keys(label2id).length} entries, id2label ${n}`);
  if (typeof config.problem_type !== "string") problems.push("config.json has no problem_type");
  if (typeof config.transformers_version !== "string") problems.push("config.json has no transformers_version");

  // model.safetensors
  let numParameters = 0;
  const stFile = path.join(abs, "model.safetensors");
  try {
    const header = readSafetensorsHeader(stFile);
    const found = new Map<string, number[]>();
    let end = 0;
    for (const [name, e] of header.tensors) {
      if (e.dtype !== "F32") problems.push(`model.safetensors: ${name} is ${e.dtype}, expected F32`);
      found.set(name, e.shape);
      numParameters += e.shape.reduce((a, b) => a * b, 1);
      end = Math.max(end, e.dataOffsets[1]);
    }
    // transformers refuses a safetensors file whose metadata does not name its format ("pt" for PyTorch).
    if (header.metadata.format !== "pt") problems.push(`model.safetensors: __metadata__.format is ${JSON.stringify(header.metadata.format ?? null)}, expected "pt" (transformers refuses a file that does not name pt, tf, flax or mlx)`);
    // The tensors must tile the data section: no overlaps (one tensor's bytes read as another's), no gaps.
    const ranges = [...header.tensors].map(([name, e]) => ({ name, begin: e.dataOffsets[0], end: e.dataOffsets[1] })).sort((a, b) => a.begin - b.begin || a.end - b.end);
    let at = 0;
    for (const r of ranges) {
      if (r.begin < at) problems.push(`model.safetensors: ${r.name} starts at byte ${r.begin}, inside the previous tensor (which ends at ${at})`);
      else if (r.begin > at) problems.push(`model.safetensors: ${r.begin - at} unused bytes before ${r.name} (bytes ${at}..${r.begin})`);
      at = Math.max(at, r.end);
    }
    const size = fs.statSync(stFile).size;
    if (header.dataStart + end !== size) problems.push(`model.safetensors has ${size} bytes but its tensors end at byte ${header.dataStart + end} (truncated or padded file)`);
    if (shape) problems.push(...compareParameterShapes(bertClassifierParameterShapes(shape), found).map((p) => `model.safetensors: ${p}`));
  } catch (err) {
    problems.push((err as Error).message);
  }

  // tokenizer files
  let vocabSize = 0;
  try {
    const vocab = vocabFromTokenizerJson(tokJson, "tokenizer.json");
    vocabSize = vocab.length;
    const lines = fs.readFileSync(path.join(abs, "vocab.txt"), "utf8").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    if (lines.length !== vocab.length) problems.push(`vocab.txt has ${lines.length} tokens, tokenizer.json ${vocab.length}`);
    else {
      const bad = lines.findIndex((t, i) => t !== vocab[i]);
      if (bad >= 0) problems.push(`vocab.txt line ${bad + 1} is ${JSON.stringify(lines[bad])}, tokenizer.json has ${JSON.stringify(vocab[bad])} for id ${bad}`);
    }
    if (shape && vocab.length > shape.vocabSize) problems.push(`the tokenizer has ${vocab.length} tokens but the model's vocab_size is ${shape.vocabSize}`);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (typeof tokCfg.tokenizer_class !== "string") problems.push("tokenizer_config.json has no tokenizer_class");
  const modelMaxLength = typeof tokCfg.model_max_length === "number" ? tokCfg.model_max_length : NaN;
  if (!(modelMaxLength > 0)) problems.push("tokenizer_config.json has no model_max_length (transformers.js would not truncate long inputs)");
  else if (shape && modelMaxLength > shape.maxPositionEmbeddings) {
    problems.push(`tokenizer_config.json model_max_length ${modelMaxLength} exceeds max_position_embeddings ${shape.maxPositionEmbeddings}`);
  }
  if (tokCfg.pad_token === undefined) problems.push("tokenizer_config.json has no pad_token (transformers.js pads with it)");

  // onnx/model.onnx (optional)
  let onnx: SavedReport["onnx"] = null;
  const onnxFile = path.join(abs, "onnx", "model.onnx");
  if (fs.existsSync(onnxFile)) {
    try {
      const s = inspectOnnx(onnxFile);
      onnx = { irVersion: s.irVersion, opset: s.opsets[""] ?? 0, fileBytes: s.fileBytes };
      const names = s.inputs.map((i) => `${i.name}:${i.elemType}`).sort().join(",");
      if (names !== "attention_mask:INT64,input_ids:INT64,token_type_ids:INT64") problems.push(`onnx/model.onnx inputs are ${names}, expected int64 input_ids, attention_mask, token_type_ids`);
      const out = s.outputs[0];
      if (s.outputs.length !== 1 || out.name !== "logits" || out.elemType !== "FLOAT") problems.push(`onnx/model.onnx outputs are ${JSON.stringify(s.outputs)}, expected float logits`);
      else if (out.dims[1] !== n) problems.push(`onnx/model.onnx logits have ${out.dims[1]} columns, config.json ${n} labels (stale export? run exportOnnx again)`);
      if (shape && s.numFloatWeights < numParameters) problems.push(`onnx/model.onnx holds ${s.numFloatWeights} weights, model.safetensors ${numParameters}`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }

  if (problems.length > 0) throw new SavedModelError(abs, problems);
  return {
    dir: abs,
    numLabels: n,
    id2label,
    numParameters,
    hiddenSize: shape?.hiddenSize ?? 0,
    numHiddenLayers: shape?.numHiddenLayers ?? 0,
    vocabSize,
    modelMaxLength,
    onnx,
  };
}
