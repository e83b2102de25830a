// Loads a saved + ONNX-exported folder with transformers.js (@huggingface/transformers, onnxruntime-node)
// strictly offline, as a deployment would: no hub access, files read from the folder only, fp32 weights
// from onnx/model.onnx on the CPU. Used to check the export and to compare it with this project's pipeline.
//
// Inputs longer than model_max_length (512 tokens) are handled differently by the three implementations:
//  - Python transformers: pipeline(text) does not truncate by default and fails on such inputs (index error
//    in the position embeddings); pipeline(text, truncation=True) truncates in the tokenizer, which keeps
//    [SEP]: [CLS] t1..t510 [SEP].
//  - transformers.js 4.3.1: its text-classification pipeline always tokenizes with padding + truncation, and
//    its tokenizer cuts the ids after adding the special tokens: [CLS] t1..t511, [SEP] lost.
//  - this project's pipeline: always truncates as Python's truncation=True does ([SEP] kept).
// Inputs of at most 512 tokens get identical ids everywhere. Note: this sets transformers.js's global `env`
// (allowRemoteModels = false, localModelPath = the folder's parent).
import * as fs from "node:fs";
import * as path from "node:path";
import { importEsm } from "../io/esm";
import type { ClassificationResult } from "./scoreLogits";

/** The transformers.js text-classification pipeline (called like ours; `tokenizer` and `model` are its own). */
export interface TransformersJsClassifier {
  (texts: string | string[], opts?: { top_k?: number }): Promise<ClassificationResult[]>;
  tokenizer: (texts: string | string[], opts?: Record<string, unknown>) => { input_ids: { tolist(): Array<Array<bigint>>; dims: number[] } };
  model: unknown;
  dispose(): Promise<void>;
}

/**
 * `pipeline('sentiment-analysis', dir)` of transformers.js, offline. `dir` must hold config.json, the tokenizer
 * files and onnx/model.onnx (saveFineTuned + exportOnnx).
 */
export async function transformersJsPipeline(dir: string, opts: { task?: "sentiment-analysis" | "text-classification" } = {}): Promise<TransformersJsClassifier> {
  const abs = path.resolve(dir);
  for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", path.join("onnx", "model.onnx")]) {
    if (!fs.existsSync(path.join(abs, f))) {
      throw new Error(`${path.join(abs, f)} is missing: transformers.js needs the folder written by saveFineTuned and exportOnnx`);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const tjs = await importEsm<any>("@huggingface/transformers");
  tjs.env.allowRemoteModels = false;
  tjs.env.allowLocalModels = true;
  tjs.env.localModelPath = path.dirname(abs) + path.sep;
  return (await tjs.pipeline(opts.task ?? "sentiment-analysis", path.basename(abs), {
    local_files_only: true,
    dtype: "fp32",
    device: "cpu",
  })) as TransformersJsClassifier;
}
