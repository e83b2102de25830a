// Stage 05 as the notebook runs it: the model the run fine-tunes. `paper` loads the pretrained
// bert-base-uncased encoder and adds a freshly initialised 2-way classifier (what Python's
// `AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)` does); `quick`
// builds a small BERT with bert-base-uncased's vocabulary from scratch. Both are seeded, so 07 re-creates the
// identical starting point from the parameters recorded in runDir/05-model.
import * as path from "node:path";
import type { RunConfig } from "../config";
import { projectRoot } from "../config";
import { readStage, StageManifest, stageStatus, STAGES, writeStage } from "../artifacts/stage";
import { BertForSequenceClassification } from "./bert";
import { BertConfig } from "./config";

/** The tutorial's label names: what the sentiment-analysis pipeline returns. */
export const SENTIMENT_ID2LABEL: Record<number, string> = { 0: "NEGATIVE", 1: "POSITIVE" };

interface ModelParams {
  modelId: string;
  modelInit: RunConfig["modelInit"];
  smallModel: RunConfig["smallModel"] | null;
  seed: number;
  numLabels: number;
}

function modelParams(cfg: RunConfig): ModelParams {
  return { modelId: cfg.modelId, modelInit: cfg.modelInit, smallModel: cfg.modelInit === "random" ? cfg.smallModel ?? null : null, seed: cfg.seed, numLabels: 2 };
}

async function baseConfig(modelId: string): Promise<BertConfig> {
  // bert-base-uncased's config ships with the project (assets/), so the quick preset needs no network.
  if (modelId === "bert-base-uncased") return BertConfig.fromFile(path.join(projectRoot(), "assets", "bert-base-uncased", "config.json"));
  return BertConfig.fromPretrained(modelId);
}

async function buildModel(p: ModelParams, quiet: boolean): Promise<BertForSequenceClassification> {
  const labels = { numLabels: p.numLabels, id2label: SENTIMENT_ID2LABEL };
  if (p.modelInit === "pretrained") return BertForSequenceClassification.fromPretrained(p.modelId, { ...labels, seed: p.seed, quiet });
  const base = await baseConfig(p.modelId);
  const config = BertConfig.fromDict(base.raw, { ...(p.smallModel ?? {}) });
  return BertForSequenceClassification.fromConfig(config, { ...labels, seed: p.seed });
}

/** Builds the run's initial model and writes runDir/05-model (how to rebuild it, and its size). */
export async function runModelStage(cfg: RunConfig): Promise<{ model: BertForSequenceClassification; manifest: StageManifest }> {
  const params = modelParams(cfg);
  const model = await buildModel(params, false);
  const manifest = await writeStage(
    cfg.runDir,
    STAGES.model,
    { params: params as unknown as Record<string, unknown>, info: { numParameters: model.numParameters(), config: model.config.toJSON() } },
    () => undefined,
  );
  return { model, manifest };
}

/** Re-creates the run's initial model from runDir/05-model (identical weights: same source, same seed). */
export async function loadModelStage(cfg: RunConfig): Promise<BertForSequenceClassification> {
  const status = stageStatus(cfg.runDir, STAGES.model, undefined, modelParams(cfg) as unknown as Record<string, unknown>);
  const manifest = readStage(cfg.runDir, STAGES.model);
  if (!status.fresh || !manifest) throw new Error(`Cannot use ${STAGES.model} of ${cfg.runDir}: ${status.reason}.`);
  return buildModel(manifest.params as unknown as ModelParams, true);
}
