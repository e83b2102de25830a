// Stage 02 as the notebook runs it: a seeded train/validation split of 01-load's training reviews, stored as
// runDir/02-split. The test split is left intact for the final evaluation.
import type { RunConfig } from "../config";
import { loadLoadStage, loadSplitDatasets, saveSplit } from "../artifacts/datasetStages";
import type { StageManifest } from "../artifacts/stage";
import type { Dataset } from "./dataset";
import { trainTestSplit } from "./trainTestSplit";

export interface SplitStageResult {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  manifest: StageManifest;
}

/** Splits 01-load's train set (validationSize, seed from `cfg`) and writes runDir/02-split. */
export async function runSplitStage(cfg: RunConfig): Promise<SplitStageResult> {
  const loaded = loadLoadStage(cfg.runDir);
  const { train, test, indices } = trainTestSplit(loaded.train, { testSize: cfg.validationSize, seed: cfg.seed });
  const manifest = await saveSplit(cfg.runDir, { train: indices.train, validation: indices.test }, { testSize: cfg.validationSize, seed: cfg.seed });
  return { train, validation: test, test: loaded.test, manifest };
}

/** The train/validation/test datasets of a run from its 01 and 02 artifacts; throws with what to re-run when stale. */
export function loadSplitStage(cfg: RunConfig) {
  return loadSplitDatasets(cfg.runDir);
}
