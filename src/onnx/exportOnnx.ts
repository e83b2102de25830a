// Exports a fine-tuned BERT classifier to `<dir>/onnx/model.onnx`, the file transformers.js loads for a
// model folder (fp32). The weights come from a live TensorFlow.js model or, without one, from the saved
// folder's config.json + model.safetensors. The file is written atomically.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../io/atomic";
import { readBertShape } from "../models/bertLayout";
import { SafetensorsFile } from "../safetensors/index";
import { modelRawConfig, modelWeights, type ExportableModel } from "./modelWeights";
import { buildBertClassifierOnnx, type FinalSepOptions } from "./bertOnnxGraph";
import { irVersionForOpset, type Float32Tensor } from "./versions";

export interface ExportOnnxOptions {
  /** A live model to export; without it the weights are read from `dir` (config.json + model.safetensors). */
  model?: ExportableModel;
  /** ONNX opset of the default domain (17 to 21; 17 → IR version 8). */
  opset?: number;
  /**
   * Put [SEP] back at the end of rows that transformers.js truncated without it (default true; needs the
   * folder's tokenizer files, else nothing is added). See FinalSepOptions in bertOnnxGraph.ts.
   */
  finalSep?: boolean;
}

export interface ExportOnnxResult {
  /** Absolute path of the written model.onnx. */
  file: string;
  sizeBytes: number;
  opset: number;
  irVersion: number;
  numLabels: number;
  /** The [SEP] restoration built into the graph, or null when there is none. */
  finalSep: FinalSepOptions | null;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

function readSavedConfig(dir: string): Record<string, unknown> {
  const file = path.join(dir, "config.json");
  if (!fs.existsSync(file)) {
    throw new Error(`${file} not found: exportOnnx needs a folder written by saveFineTuned (or pass { model } to export a live model)`);
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** Reads every tensor of a saved model.safetensors as float32 (F16/BF16 are widened by the reader). */
function readFloatWeights(file: string): Map<string, Float32Tensor> {
  const f = SafetensorsFile.open(file);
  try {
    const out = new Map<string, Float32Tensor>();
    for (const name of f.keys()) {
      const t = f.read(name);
      if (!(t.data instanceof Float32Array)) throw new Error(`${file}: tensor ${name} is ${t.dtype}, not a floating-point weight`);
      out.set(name, { shape: t.shape, data: t.data });
    }
    return out;
  } finally {
    f.close();
  }
}

/**
 * The [SEP] id and length limit of the tokenizer saved in `dir` (tokenizer_config.json's sep_token and
 * model_max_length, the id from tokenizer.json's added tokens), or null when the folder has no tokenizer.
 */
export function finalSepFromTokenizer(dir: string, maxPositions: number): FinalSepOptions | null {
  const cfgFile = path.join(dir, "tokenizer_config.json");
  const tokFile = path.join(dir, "tokenizer.json");
  if (!fs.existsSync(cfgFile) || !fs.existsSync(tokFile)) return null;
  const cfg = JSON.parse(fs.readFileSync(cfgFile, "utf8")) as { sep_token?: unknown; model_max_length?: unknown };
  const sepToken = typeof cfg.sep_token === "string" ? cfg.sep_token : (cfg.sep_token as { content?: string } | undefined)?.content;
  if (!sepToken) return null;
  const tok = JSON.parse(fs.readFileSync(tokFile, "utf8")) as { added_tokens?: Array<{ id: number; content: string }> };
  const sep = tok.added_tokens?.find((t) => t.content === sepToken);
  if (!sep) throw new Error(`${tokFile}: no added token ${JSON.stringify(sepToken)} (the sep_token of ${cfgFile})`);
  const modelMax = typeof cfg.model_max_length === "number" ? cfg.model_max_length : Infinity;
  return { sepTokenId: sep.id, maxLength: Math.min(modelMax, maxPositions) };
}

/** Writes `dir/onnx/model.onnx` (int64 input_ids/attention_mask/token_type_ids → float32 logits). */
export async function exportOnnx(dir: string, opts: ExportOnnxOptions = {}): Promise<ExportOnnxResult> {
  const opset = opts.opset ?? 17;
  const irVersion = irVersionForOpset(opset);
  const absDir = path.resolve(dir);
  let raw: Record<string, unknown>;
  let weights: Map<string, Float32Tensor>;
  if (opts.model) {
    raw = modelRawConfig(opts.model);
    weights = modelWeights(opts.model);
  } else {
    raw = readSavedConfig(absDir);
    const st = path.join(absDir, "model.safetensors");
    if (!fs.existsSync(st)) throw new Error(`${st} not found: exportOnnx needs the weights saved by saveFineTuned (or pass { model })`);
    weights = readFloatWeights(st);
  }
  const shape = readBertShape(raw, opts.model ? "model.config" : path.join(absDir, "config.json"));
  const finalSep = opts.finalSep === false ? null : finalSepFromTokenizer(absDir, shape.maxPositionEmbeddings);
  const bytes = buildBertClassifierOnnx(shape, weights, {
    opset,
    finalSep: finalSep ?? undefined,
    producerVersion: packageVersion(),
    metadata: {
      source: opts.model ? "tfjs model" : "model.safetensors",
      ...(finalSep ? { final_sep: `input_ids[:, -1] := ${finalSep.sepTokenId} on attended rows of exactly ${finalSep.maxLength} tokens that do not end with it (truncation without [SEP])` } : {}),
    },
  });
  const file = path.join(absDir, "onnx", "model.onnx");
  writeFileAtomic(file, bytes);
  return { file, sizeBytes: bytes.length, opset, irVersion, numLabels: shape.numLabels, finalSep };
}
