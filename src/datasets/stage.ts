// Stage 01 as the notebook runs it: load IMDb from the configured source, keep the preset's sample, and
// store the result as the run's 01-load artifact (so 02 onwards can restart from it without the source).
import type { RunConfig } from "../config";
import { loadLoadStage, LoadedSplits, saveLoadStage } from "../artifacts/datasetStages";
import type { StageManifest } from "../artifacts/stage";
import { sampleBalanced } from "./dataset";
import { loadImdb, LoadImdbOptions } from "./imdb";

export interface LoadStageResult extends LoadedSplits {
  manifest: StageManifest;
  /** Rows before the preset's sampling. */
  fullRows: { train: number; test: number };
}

/**
 * Loads IMDb as `cfg` says (source, sample, synthetic fallback) and writes runDir/01-load. `loadOptions` go to
 * loadImdb as they are (e.g. `expectedRows: null` for a small local copy).
 */
export async function runLoadStage(cfg: RunConfig, loadOptions: LoadImdbOptions = {}): Promise<LoadStageResult> {
  const data = await loadImdb({
    ...loadOptions,
    dataDir: cfg.dataDir,
    synthetic: cfg.allowSyntheticData ? "fallback" : "never",
    syntheticOptions: cfg.sample ? { trainSize: cfg.sample.train, testSize: cfg.sample.test, seed: cfg.seed } : undefined,
  });
  const fullRows = { train: data.train.numRows, test: data.test.numRows };
  const sample = cfg.sample;
  // Different seeds per split so the two samples are drawn independently.
  const train = sample && sample.train < data.train.numRows ? sampleBalanced(data.train, sample.train, cfg.seed) : data.train;
  const test = sample && sample.test < data.test.numRows ? sampleBalanced(data.test, sample.test, cfg.seed + 1) : data.test;
  const manifest = await saveLoadStage(cfg.runDir, { train, test, source: data.source }, { preset: cfg.preset, sample: sample ?? null, seed: cfg.seed });
  return { train, test, source: data.source, manifest, fullRows };
}

/** The 01-load artifact of a run (after a kernel restart, say). */
export function loadStageResult(cfg: RunConfig): LoadedSplits & { manifest: StageManifest } {
  return loadLoadStage(cfg.runDir);
}
