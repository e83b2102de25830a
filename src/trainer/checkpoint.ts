// Training checkpoints, as HF's Trainer lays them out: `<outputDir>/checkpoint-<step>/` holding the model
// (savePretrained: config.json + model.safetensors), the tokenizer if one was given, optimizer.safetensors,
// scheduler.json, rng_state.json, trainer_state.json and training_args.json. Each folder is written atomically
// (built under a temporary name, then renamed), and deleted by renaming it away first, so a kill at any moment
// never leaves a `checkpoint-<step>` folder that looks complete but is not.
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "../backends/tf";
import { cleanTempSiblings, removeDirAtomic, writeDirAtomic, writeJsonAtomic } from "../io/atomic";
import { readSafetensors } from "../safetensors/index";
import type { AdamW } from "./adamw";
import type { LrSchedule } from "./lrSchedule";
import { loadOptimizerState, OPTIMIZER_FILE, saveOptimizerState } from "./optimizerState";
import type { TrainableModel } from "./trainStep";
import { TrainerState } from "./trainerState";

export const CHECKPOINT_PREFIX = "checkpoint";
export const CHECKPOINT_FILES = ["config.json", "model.safetensors", OPTIMIZER_FILE, "scheduler.json", "rng_state.json", "trainer_state.json", "training_args.json"];

/** Everything random about where a run stands, for an exact resume. */
export interface RngStateJson {
  /** TrainingArguments.seed and the data seed (per-epoch shuffles use new Rng(dataSeed + epoch)). */
  seed: number;
  data_seed: number;
  /** Epoch in progress and the number of its batches already consumed. */
  epoch: number;
  batches_seen_in_epoch: number;
  /** State of the Rng that draws each micro-batch's dropout seed (Rng.getState()). */
  dropout_rng: number[];
  /** Fingerprint of the training dataset (a datasets Dataset's), so a resume can check it trains on the same rows. */
  train_dataset_fingerprint?: string | null;
}

export interface CheckpointContents {
  model: TrainableModel;
  processingClass?: unknown;
  optimizer: AdamW;
  schedule: LrSchedule;
  state: TrainerState;
  rngState: RngStateJson;
  trainingArgs: Record<string, unknown>;
}

export function checkpointDir(outputDir: string, step: number): string {
  return path.join(outputDir, `${CHECKPOINT_PREFIX}-${step}`);
}

/** The model's savePretrained into `dir`, then the tokenizer's when it has one (what Trainer.saveModel writes). */
export async function saveModelFiles(dir: string, model: TrainableModel, processingClass?: unknown): Promise<void> {
  await model.savePretrained(dir);
  const tok = processingClass as { savePretrained?: (d: string) => unknown } | undefined;
  if (tok && typeof tok.savePretrained === "function") await tok.savePretrained(dir);
}

/** Writes a complete checkpoint folder atomically. */
export async function writeCheckpoint(dir: string, c: CheckpointContents): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    // The model first, into the still-empty folder (savePretrained keeps foreign files it finds there).
    await saveModelFiles(tmp, c.model, c.processingClass);
    saveOptimizerState(path.join(tmp, OPTIMIZER_FILE), c.optimizer);
    writeJsonAtomic(path.join(tmp, "scheduler.json"), c.schedule.stateDict());
    writeJsonAtomic(path.join(tmp, "rng_state.json"), c.rngState);
    writeJsonAtomic(path.join(tmp, "training_args.json"), c.trainingArgs);
    writeJsonAtomic(path.join(tmp, "trainer_state.json"), c.state.toJSON());
  });
}

/** True when `dir` holds every file of a checkpoint. */
export function isCompleteCheckpoint(dir: string): boolean {
  return CHECKPOINT_FILES.every((f) => fs.existsSync(path.join(dir, f)));
}

/** Complete checkpoints under outputDir, oldest (lowest step) first. */
export function listCheckpoints(outputDir: string): Array<{ step: number; dir: string }> {
  if (!fs.existsSync(outputDir)) return [];
  const out: Array<{ step: number; dir: string }> = [];
  for (const name of fs.readdirSync(outputDir)) {
    const m = /^checkpoint-(\d+)$/.exec(name);
    if (!m) continue;
    const dir = path.join(outputDir, name);
    if (fs.statSync(dir).isDirectory() && isCompleteCheckpoint(dir)) out.push({ step: Number(m[1]), dir });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** transformers.trainer_utils.get_last_checkpoint: the newest complete checkpoint-<step> in outputDir, or null. */
export function getLastCheckpoint(outputDir: string): string | null {
  return latestCheckpoint(outputDir);
}

/** The newest complete checkpoint, or null. */
export function latestCheckpoint(outputDir: string): string | null {
  const all = listCheckpoints(outputDir);
  return all.length ? all[all.length - 1].dir : null;
}

/** Removes a checkpoint folder: renamed to a temporary name first, so a kill mid-delete leaves no half folder. */
export function removeCheckpoint(dir: string): void {
  removeDirAtomic(dir);
}

/**
 * Deletes the oldest checkpoints beyond `limit` (HF's save_total_limit), never the best one
 * (bestCheckpoint) nor the newest. Also removes leftovers of interrupted writes/deletes.
 */
export function rotateCheckpoints(outputDir: string, limit: number | undefined, bestCheckpoint: string | null): string[] {
  cleanTempSiblings(outputDir);
  if (limit === undefined || limit <= 0) return [];
  // transformers' _rotate_checkpoints: the best checkpoint is moved next to the newest so it is deleted last.
  const sorted = listCheckpoints(outputDir).map((c) => c.dir);
  const best = bestCheckpoint ? sorted.findIndex((d) => path.resolve(d) === path.resolve(bestCheckpoint)) : -1;
  if (best >= 0) {
    for (let i = best; i < sorted.length - 2; i++) [sorted[i], sorted[i + 1]] = [sorted[i + 1], sorted[i]];
  }
  let keep = limit;
  if (best >= 0 && keep === 1 && path.resolve(sorted[sorted.length - 1]) !== path.resolve(bestCheckpoint as string)) keep = 2;
  const doomed = sorted.slice(0, Math.max(0, sorted.length - keep));
  for (const d of doomed) removeCheckpoint(d);
  return doomed;
}

/** Copies the checkpoint's model weights into the live model's variables (same names and shapes). */
export function loadModelWeights(dir: string, model: TrainableModel): void {
  const file = path.join(dir, "model.safetensors");
  const tensors = readSafetensors(file);
  const params = model.namedParameters();
  for (const [name, v] of params) {
    const t = tensors.get(name);
    if (!t) throw new Error(`${file} has no tensor ${name}: the checkpoint was saved from another model; resume with the same model configuration`);
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      throw new Error(`${file}: ${name} has shape [${t.shape.join(", ")}], the model's is [${v.shape.join(", ")}]; resume with the same model configuration`);
    }
    if (!(t.data instanceof Float32Array)) throw new Error(`${file}: ${name} is ${t.dtype}, expected F32`);
  }
  for (const [name, v] of params) {
    const t = tensors.get(name) as { data: Float32Array };
    const value = tf.tensor(t.data, v.shape, "float32");
    v.assign(value);
    value.dispose();
  }
}

function readJson<T>(file: string): T {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: the checkpoint is incomplete; resume from another checkpoint`);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); resume from another checkpoint`);
  }
}

export interface LoadedCheckpoint {
  state: TrainerState;
  rngState: RngStateJson;
  trainingArgs: Record<string, unknown>;
}

/** How a checkpoint's run was set up: its training_args.json and rng_state.json (no weights read). */
export function readCheckpointRun(dir: string): { trainingArgs: Record<string, unknown>; rngState: RngStateJson } {
  const rngState = readJson<RngStateJson>(path.join(dir, "rng_state.json"));
  if (!Array.isArray(rngState.dropout_rng) || rngState.dropout_rng.length !== 4) throw new Error(`${dir}/rng_state.json has no valid dropout_rng state`);
  return { trainingArgs: readJson<Record<string, unknown>>(path.join(dir, "training_args.json")), rngState };
}

/** Restores model weights, optimizer and scheduler from `dir`; returns the trainer and rng states. */
export function loadCheckpoint(dir: string, c: { model: TrainableModel; optimizer: AdamW; schedule: LrSchedule }): LoadedCheckpoint {
  const missing = CHECKPOINT_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length) throw new Error(`${dir} is not a complete checkpoint (missing ${missing.join(", ")}); resume from another checkpoint`);
  const state = TrainerState.fromJSON(readJson(path.join(dir, "trainer_state.json")), path.join(dir, "trainer_state.json"));
  const { trainingArgs, rngState } = readCheckpointRun(dir);
  loadModelWeights(dir, c.model);
  loadOptimizerState(path.join(dir, OPTIMIZER_FILE), c.optimizer);
  c.schedule.loadStateDict(readJson(path.join(dir, "scheduler.json")));
  if (c.optimizer.stepCount !== state.globalStep || c.schedule.stepCount !== state.globalStep) {
    throw new Error(`${dir}: optimizer (${c.optimizer.stepCount}), scheduler (${c.schedule.stepCount}) and trainer state (${state.globalStep}) disagree on the step; the checkpoint is inconsistent`);
  }
  return { state, rngState, trainingArgs };
}
