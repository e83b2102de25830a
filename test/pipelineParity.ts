// Reusable parity check between this project's pipeline (TensorFlow.js) and transformers.js (onnxruntime on
// the ONNX export) for any saved folder: the tiny golden model now, a freshly trained model later.
//   const dir = await exportedFolder(model, tokenizer);   // saveFineTuned + exportOnnx
//   const r = await comparePipelines(dir, texts);         // per-text results of both and the differences
import * as fs from "node:fs";
import * as path from "node:path";
import { exportOnnx } from "../src/onnx";
import { pipeline, transformersJsPipeline, type ClassificationResult, type LoadedTextClassifier, type TransformersJsClassifier } from "../src/pipelines";
import { saveFineTuned, type SaveableModel, type SaveableTokenizer } from "../src/models/save";
import { tempDir } from "./onnxHelpers";
import { sharedPath } from "./shared";

/** Saves `model` + `tokenizer` (saveFineTuned) and exports the ONNX model (exportOnnx) into a fresh folder. */
export async function exportedFolder(model: SaveableModel, tokenizer: SaveableTokenizer, name = "exported"): Promise<string> {
  const dir = path.join(tempDir("parity"), name);
  await saveFineTuned(dir, { model, tokenizer });
  await exportOnnx(dir);
  return dir;
}

export interface ParityReport {
  ours: ClassificationResult[];
  theirs: ClassificationResult[];
  maxScoreDiff: number;
  /** Indices whose labels differ. */
  labelMismatches: number[];
}

/** Runs both pipelines on `texts` (transformers.js in chunks of `batchSize`, as its pipeline has no batching). */
export async function comparePipelines(
  dir: string,
  texts: string[],
  opts: { batchSize?: number; ours?: LoadedTextClassifier; theirs?: TransformersJsClassifier } = {},
): Promise<ParityReport> {
  const batchSize = opts.batchSize ?? 8;
  const ours = opts.ours ?? (await pipeline("sentiment-analysis", dir, { batchSize }));
  const theirs = opts.theirs ?? (await transformersJsPipeline(dir));
  try {
    const a = await ours(texts);
    const b: ClassificationResult[] = [];
    for (let i = 0; i < texts.length; i += batchSize) b.push(...(await theirs(texts.slice(i, i + batchSize))));
    let maxScoreDiff = 0;
    const labelMismatches: number[] = [];
    a.forEach((r, i) => {
      maxScoreDiff = Math.max(maxScoreDiff, Math.abs(r.score - b[i].score));
      if (r.label !== b[i].label) labelMismatches.push(i);
    });
    return { ours: a, theirs: b, maxScoreDiff, labelMismatches };
  } finally {
    if (!opts.ours) ours.dispose();
    if (!opts.theirs) await theirs.dispose();
  }
}

/** The texts of ../shared/golden/tokenizer_golden.jsonl with their golden token counts (untruncated ≥ 128). */
export function goldenTexts(): Array<{ text: string; length: number }> {
  return fs
    .readFileSync(sharedPath("golden", "tokenizer_golden.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { text: string; length: number });
}
