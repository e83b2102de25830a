// Stage 03 as the notebook runs it: tokenize the train/validation/test reviews of 02-split to cfg.maxLength
// and store them in runDir/03-tokenize (compact binary). The stage is keyed by 02-split's fingerprint, the
// tokenizer files and maxLength: re-running with unchanged inputs loads the stored ids instantly, and any
// change (a new split seed, another maxLength) tokenizes again and says why.
import * as path from "node:path";
import type { RunConfig } from "../config";
import { loadSplitDatasets } from "../artifacts/datasetStages";
import { loadInt32Array, saveArray } from "../io/binary";
import { stageDir, StageManifest, stageStatus, STAGES, writeStage } from "../artifacts/stage";
import type { Dataset } from "../datasets/dataset";
import { BertTokenizerFast, EncodedBatch, loadTokenizer } from "./bertTokenizerFast";
import { loadEncoded, saveEncoded } from "./encodedStore";

export const TOKENIZED_PARTS = ["train", "validation", "test"] as const;
export type TokenizedPart = (typeof TOKENIZED_PARTS)[number];

/** Token ids of one split with its labels: what the Trainer takes. */
export interface TokenizedSplit {
  encoded: EncodedBatch;
  labels: Int32Array;
}

export interface TokenizeStageResult {
  splits: Record<TokenizedPart, TokenizedSplit>;
  tokenizer: BertTokenizerFast;
  manifest: StageManifest;
  /** True when the stored result was reused (inputs unchanged). */
  cached: boolean;
  /** Why it was (re)computed or reused. */
  reason: string;
}

function stageParams(cfg: RunConfig, tokenizer: BertTokenizerFast): Record<string, unknown> {
  return { maxLength: cfg.maxLength, tokenizerId: cfg.tokenizerId, tokenizer: tokenizer.fingerprint({ maxLength: cfg.maxLength }) };
}

function readStored(dir: string): Record<TokenizedPart, TokenizedSplit> {
  const out = {} as Record<TokenizedPart, TokenizedSplit>;
  for (const part of TOKENIZED_PARTS) {
    out[part] = { encoded: loadEncoded(dir, part), labels: loadInt32Array(path.join(dir, `${part}.labels.bin`)).data };
  }
  return out;
}

/** Tokenizes 02-split's datasets (or reuses runDir/03-tokenize when its inputs are unchanged). */
export async function runTokenizeStage(cfg: RunConfig, opts: { force?: boolean } = {}): Promise<TokenizeStageResult> {
  const data = loadSplitDatasets(cfg.runDir);
  const tokenizer = await loadTokenizer(cfg.tokenizerId);
  const params = stageParams(cfg, tokenizer);
  const status = stageStatus(cfg.runDir, STAGES.tokenize, { [STAGES.split]: data.manifest }, params);
  if (status.fresh && status.manifest && !opts.force) {
    return { splits: readStored(stageDir(cfg.runDir, STAGES.tokenize)), tokenizer, manifest: status.manifest, cached: true, reason: status.reason };
  }
  const datasets: Record<TokenizedPart, Dataset> = { train: data.train, validation: data.validation, test: data.test };
  const splits = {} as Record<TokenizedPart, TokenizedSplit>;
  for (const part of TOKENIZED_PARTS) {
    const encoded = await tokenizer.encodeBatch(datasets[part].text, { maxLength: cfg.maxLength, progress: true });
    splits[part] = { encoded, labels: datasets[part].label };
  }
  const manifest = await writeStage(
    cfg.runDir,
    STAGES.tokenize,
    {
      params,
      inputs: { [STAGES.split]: data.manifest },
      rows: { train: data.train.numRows, validation: data.validation.numRows, test: data.test.numRows },
    },
    (dir) => {
      for (const part of TOKENIZED_PARTS) {
        saveEncoded(dir, part, splits[part].encoded);
        saveArray(path.join(dir, `${part}.labels.bin`), splits[part].labels);
      }
    },
  );
  return { splits, tokenizer, manifest, cached: false, reason: opts.force ? "forced" : status.cause };
}

/** The stored 03-tokenize result of a run; throws (naming what to re-run) when it is missing or stale. */
export function loadTokenizeStage(cfg: RunConfig): { splits: Record<TokenizedPart, TokenizedSplit>; manifest: StageManifest } {
  const status = stageStatus(cfg.runDir, STAGES.tokenize);
  if (!status.fresh || !status.manifest) throw new Error(`Cannot use ${STAGES.tokenize} of ${cfg.runDir}: ${status.reason}.`);
  return { splits: readStored(stageDir(cfg.runDir, STAGES.tokenize)), manifest: status.manifest };
}
