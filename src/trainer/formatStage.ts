// Stage 04 as the notebook runs it: wrap 03-tokenize's splits in BatchLoaders (int32 tensors, seeded
// per-epoch shuffling of the training rows, evaluation rows in order) and record the batching parameters in
// runDir/04-format, which the training stage reads so that 07 batches exactly as 04 showed.
import type { RunConfig } from "../config";
import { readStage, StageManifest, stageStatus, STAGES, writeStage } from "../artifacts/stage";
import { loadTokenizeStage, TOKENIZED_PARTS, TokenizedPart, TokenizedSplit } from "../tokenizers/stage";
import { BatchLoader } from "./batchLoader";
import type { PaddingStats } from "./padding";

export interface FormatParams {
  perDeviceTrainBatchSize: number;
  perDeviceEvalBatchSize: number;
  seed: number;
  /** Pad each batch to its longest row (multiple of 8) instead of maxLength. */
  dynamicPadding: boolean;
}

export interface FormatStageResult {
  loaders: Record<TokenizedPart, BatchLoader>;
  splits: Record<TokenizedPart, TokenizedSplit>;
  params: FormatParams;
  padding: Record<TokenizedPart, PaddingStats>;
  manifest: StageManifest;
}

/** The batching parameters of a run: the config's batch sizes and seed, dynamic padding off unless asked. */
export function formatParams(cfg: RunConfig, overrides: Partial<FormatParams> = {}): FormatParams {
  return {
    perDeviceTrainBatchSize: cfg.perDeviceTrainBatchSize,
    perDeviceEvalBatchSize: cfg.perDeviceEvalBatchSize,
    seed: cfg.seed,
    dynamicPadding: false,
    ...overrides,
  };
}

/** BatchLoaders over tokenized splits: shuffled training batches, evaluation batches in row order. */
export function makeLoaders(splits: Record<TokenizedPart, TokenizedSplit>, p: FormatParams): Record<TokenizedPart, BatchLoader> {
  const loader = (part: TokenizedPart, train: boolean) =>
    new BatchLoader(splits[part].encoded, splits[part].labels, {
      batchSize: train ? p.perDeviceTrainBatchSize : p.perDeviceEvalBatchSize,
      shuffle: train,
      seed: p.seed,
      dynamicPadding: p.dynamicPadding,
    });
  return { train: loader("train", true), validation: loader("validation", false), test: loader("test", false) };
}

/** Builds the loaders from 03-tokenize and writes runDir/04-format (parameters and padding figures). */
export async function runFormatStage(cfg: RunConfig, overrides: Partial<FormatParams> = {}): Promise<FormatStageResult> {
  const tok = loadTokenizeStage(cfg);
  const params = formatParams(cfg, overrides);
  const loaders = makeLoaders(tok.splits, params);
  const padding = {} as Record<TokenizedPart, PaddingStats>;
  for (const part of TOKENIZED_PARTS) padding[part] = loaders[part].paddingStats(0);
  const manifest = await writeStage(
    cfg.runDir,
    STAGES.format,
    {
      params: params as unknown as Record<string, unknown>,
      inputs: { [STAGES.tokenize]: tok.manifest },
      rows: { train: tok.splits.train.encoded.rows, validation: tok.splits.validation.encoded.rows, test: tok.splits.test.encoded.rows },
      info: { batches: { train: loaders.train.numBatches, validation: loaders.validation.numBatches, test: loaders.test.numBatches }, padding },
    },
    () => undefined,
  );
  return { loaders, splits: tok.splits, params, padding, manifest };
}

/** The loaders of a run from its 03 and 04 artifacts; throws (naming what to re-run) when they are stale. */
export function loadFormatStage(cfg: RunConfig): FormatStageResult {
  const status = stageStatus(cfg.runDir, STAGES.format);
  const manifest = readStage(cfg.runDir, STAGES.format);
  if (!status.fresh || !manifest) throw new Error(`Cannot use ${STAGES.format} of ${cfg.runDir}: ${status.reason}.`);
  const tok = loadTokenizeStage(cfg);
  const params = manifest.params as unknown as FormatParams;
  return { loaders: makeLoaders(tok.splits, params), splits: tok.splits, params, padding: manifest.info?.padding as Record<TokenizedPart, PaddingStats>, manifest };
}
