// Stage 07 as the notebook runs it: a Trainer over 04-format's batches and 05-model's starting model, with
// the run configuration's hyper-parameters as TrainingArguments. Checkpoints go to runDir/trainer/
// (checkpoint-<step>/ each epoch, resumable); when training ends, runDir/07-train/ receives the final model
// (Hugging Face layout) and the log history, atomically.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunConfig } from "../config";
import { readStage, stageDir, StageManifest, STAGES, writeStage } from "../artifacts/stage";
import { loadFormatStage } from "./formatStage";
import { computeMetrics } from "../metrics/classification";
import { BertForSequenceClassification } from "../models/bert";
import { loadModelStage } from "../models/stage";
import type { LabeledDataset } from "./labeledDataset";
import type { TokenizedSplit } from "../tokenizers/stage";
import { loadTokenizer } from "../tokenizers/bertTokenizerFast";
import { fingerprint } from "../datasets/fingerprint";
import { writeFileAtomic } from "../io/atomic";
import { latestCheckpoint } from "./checkpoint";
import { Trainer, TrainOutput } from "./trainer";
import type { TrainingArgumentsInit } from "./trainingArguments";

/** Where the Trainer writes its checkpoints (resumable across kernel restarts). */
export function trainerOutputDir(cfg: RunConfig): string {
  return path.join(cfg.runDir, "trainer");
}

/** The fine-tuned model of a finished run (config.json + model.safetensors). */
export function trainedModelDir(cfg: RunConfig): string {
  return path.join(stageDir(cfg.runDir, STAGES.train), "model");
}

/** The tutorial's TrainingArguments, filled from the run configuration. */
export function trainingArgumentsFor(cfg: RunConfig): TrainingArgumentsInit {
  return {
    outputDir: trainerOutputDir(cfg),
    evalStrategy: "epoch",
    saveStrategy: "epoch",
    learningRate: cfg.learningRate,
    perDeviceTrainBatchSize: cfg.perDeviceTrainBatchSize,
    perDeviceEvalBatchSize: cfg.perDeviceEvalBatchSize,
    numTrainEpochs: cfg.numTrainEpochs,
    weightDecay: cfg.weightDecay,
    warmupSteps: cfg.warmupSteps,
    loggingDir: path.join(trainerOutputDir(cfg), "logs"),
    loggingSteps: cfg.loggingSteps,
    seed: cfg.seed,
  };
}

/** A tokenized split as the Trainer takes it: the encoded rows with their labels. */
export function labeled(split: TokenizedSplit): LabeledDataset {
  return { ...split.encoded, labels: split.labels };
}

/** Builds the Trainer of the run: 05's model, 04's batches, validation for per-epoch evaluation. */
export async function createTrainer(cfg: RunConfig, argsOverrides: Partial<TrainingArgumentsInit> = {}): Promise<{ trainer: Trainer; model: BertForSequenceClassification }> {
  const fmt = loadFormatStage(cfg);
  const model = await loadModelStage(cfg);
  const tokenizer = await loadTokenizer(cfg.tokenizerId);
  const trainer = new Trainer({
    model,
    args: { ...trainingArgumentsFor(cfg), perDeviceTrainBatchSize: fmt.params.perDeviceTrainBatchSize, perDeviceEvalBatchSize: fmt.params.perDeviceEvalBatchSize, ...argsOverrides },
    trainDataset: labeled(fmt.splits.train),
    evalDataset: labeled(fmt.splits.validation),
    computeMetrics,
    processingClass: tokenizer,
    dynamicPadding: fmt.params.dynamicPadding,
  });
  return { trainer, model };
}

const RUN_INPUTS_FILE = "run-inputs.json";

/** What checkpoints in the trainer folder must have been made from to be resumable: 04, 05 and the arguments. */
function runInputsFingerprint(cfg: RunConfig): string {
  return fingerprint(readStage(cfg.runDir, STAGES.format)?.fingerprint ?? null, readStage(cfg.runDir, STAGES.model)?.fingerprint ?? null, trainingArgumentsFor(cfg));
}

/**
 * The checkpoint to resume from: the latest one in runDir/trainer when it was made from the current 04-format,
 * 05-model and training arguments; else null. Checkpoints made from other inputs are moved aside (never
 * deleted), with a message, so that training starts afresh instead of resuming something else.
 */
export function resumeCheckpointFor(cfg: RunConfig): string | null {
  const dir = trainerOutputDir(cfg);
  const marker = path.join(dir, RUN_INPUTS_FILE);
  const current = runInputsFingerprint(cfg);
  const latest = latestCheckpoint(dir);
  const recorded = fs.existsSync(marker) ? fs.readFileSync(marker, "utf8").trim() : null;
  if (latest && recorded === current) return latest;
  if (latest) {
    const aside = `${dir}.stale-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    fs.renameSync(dir, aside);
    console.log(`Checkpoints in ${dir} were made from other data, model or arguments: moved to ${aside}; training starts afresh.`);
  }
  writeFileAtomic(marker, current + "\n");
  return null;
}

/** Records a finished training in runDir/07-train: the final model and the Trainer's log history. */
export async function saveTrainStage(cfg: RunConfig, trainer: Trainer, output: TrainOutput): Promise<StageManifest> {
  if (output.interrupted) throw new Error("Training was interrupted: resume it (train({ resumeFromCheckpoint: true })) before saving stage 07.");
  const format = readStage(cfg.runDir, STAGES.format);
  const model = readStage(cfg.runDir, STAGES.model);
  if (!format || !model) throw new Error(`${STAGES.format} and ${STAGES.model} must exist before ${STAGES.train} is saved.`);
  return writeStage(
    cfg.runDir,
    STAGES.train,
    {
      params: { ...trainingArgumentsFor(cfg) } as unknown as Record<string, unknown>,
      inputs: { [STAGES.format]: format, [STAGES.model]: model },
      rows: { steps: output.globalStep },
      info: { metrics: output.metrics, trainingLoss: output.trainingLoss },
    },
    async (dir) => {
      await (trainer.model as BertForSequenceClassification).savePretrained(path.join(dir, "model"));
      fs.writeFileSync(path.join(dir, "log_history.json"), JSON.stringify(trainer.state.logHistory, null, 2) + "\n");
    },
  );
}

/** The fine-tuned model of the run (from runDir/07-train), e.g. after a kernel restart. */
export async function loadTrainedModel(cfg: RunConfig): Promise<BertForSequenceClassification> {
  const dir = trainedModelDir(cfg);
  if (!fs.existsSync(path.join(dir, "config.json"))) throw new Error(`No trained model in ${dir}: run notebook 07 (train) first.`);
  return BertForSequenceClassification.fromPretrained(dir, { quiet: true });
}
