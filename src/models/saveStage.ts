// Stage 09 as the notebook runs it: the fine-tuned model of 07 plus its tokenizer, saved in the Hugging Face
// layout (config.json, model.safetensors, tokenizer files) with an ONNX export for transformers.js, as
// runDir/09-save/model/ — a folder Python transformers, transformers.js and notebook 10 load as is.
import * as path from "node:path";
import type { RunConfig } from "../config";
import { readStage, stageDir, StageManifest, STAGES, writeStage } from "../artifacts/stage";
import { loadTokenizer } from "../tokenizers/bertTokenizerFast";
import { loadTrainedModel } from "../trainer/stage";
import { saveFineTuned } from "./saveFineTuned";
import type { SavedReport } from "./verifySaved";

/** The saved, shareable model folder of a run. */
export function savedModelDir(cfg: RunConfig): string {
  return path.join(stageDir(cfg.runDir, STAGES.save), "model");
}

export async function runSaveStage(cfg: RunConfig): Promise<{ dir: string; report: SavedReport; manifest: StageManifest }> {
  const train = readStage(cfg.runDir, STAGES.train);
  if (!train) throw new Error(`No ${STAGES.train} in ${cfg.runDir}: run notebook 07 (train) first.`);
  const model = await loadTrainedModel(cfg);
  const tokenizer = await loadTokenizer(cfg.tokenizerId);
  let report: SavedReport | undefined;
  try {
    const manifest = await writeStage(cfg.runDir, STAGES.save, { params: { onnx: true, tokenizerId: cfg.tokenizerId }, inputs: { [STAGES.train]: train } }, async (dir) => {
      report = await saveFineTuned(path.join(dir, "model"), { model, tokenizer, onnx: true });
    });
    return { dir: savedModelDir(cfg), report: report as SavedReport, manifest };
  } finally {
    model.dispose();
  }
}
