// Stage 10 as the notebook runs it: the sentiment-analysis pipeline over the model saved by 09.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunConfig } from "../config";
import { savedModelDir } from "../models/saveStage";
import { LoadedTextClassifier, pipeline } from "./pipeline";

/** `pipeline("sentiment-analysis", <runDir>/09-save/model)`, with a clear error when 09 has not run. */
export async function runPipelineStage(cfg: RunConfig, opts: { batchSize?: number } = {}): Promise<LoadedTextClassifier> {
  const dir = savedModelDir(cfg);
  if (!fs.existsSync(path.join(dir, "config.json"))) throw new Error(`No saved model in ${dir}: run notebook 09 (save) first.`);
  return pipeline("sentiment-analysis", dir, opts);
}
