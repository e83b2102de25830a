// Saving and loading the AdamW state (step count, first and second moments of every parameter) for
// checkpoints, as `optimizer.safetensors`: tensors "<param>.exp_avg" / "<param>.exp_avg_sq" (F32) plus the
// hyper-parameters and parameter groups in the header's metadata. The file is written atomically.
import * as fs from "node:fs";
import { readSafetensors, readSafetensorsHeader, writeSafetensors, TensorToWrite } from "../safetensors/index";
import type { AdamW, AdamWState } from "./adamw";

export const OPTIMIZER_FILE = "optimizer.safetensors";
const FORMAT = "bert-imdb-ts/adamw-v1";

export function saveOptimizerState(file: string, optimizer: AdamW): void {
  const tensors: Array<[string, TensorToWrite]> = [];
  for (const { name, shape, expAvg, expAvgSq } of optimizer.momentViews()) {
    tensors.push([`${name}.exp_avg`, { dtype: "F32", shape, data: expAvg }]);
    tensors.push([`${name}.exp_avg_sq`, { dtype: "F32", shape, data: expAvgSq }]);
  }
  writeSafetensors(file, tensors, {
    format: FORMAT,
    step: String(optimizer.stepCount),
    betas: JSON.stringify([optimizer.beta1, optimizer.beta2]),
    eps: String(optimizer.eps),
    param_groups: JSON.stringify(optimizer.paramGroups.map((g) => ({ weight_decay: g.weightDecay, params: g.params }))),
  });
}

/** Reads a state written by saveOptimizerState (checks its format, not yet its fit to a model). */
export function readOptimizerState(file: string): AdamWState & { paramGroups: Array<{ weight_decay: number; params: string[] }> } {
  if (!fs.existsSync(file)) throw new Error(`optimizer state ${file} is missing; the checkpoint is incomplete — resume from another checkpoint`);
  const tensors = readSafetensors(file);
  const metadata = readSafetensorsHeader(file).metadata;
  if (metadata.format !== FORMAT) throw new Error(`${file} is not an AdamW state written by this project (format ${JSON.stringify(metadata.format)}, expected ${FORMAT})`);
  const expAvg = new Map<string, Float32Array>();
  const expAvgSq = new Map<string, Float32Array>();
  for (const [key, t] of tensors) {
    if (!(t.data instanceof Float32Array)) throw new Error(`${file}: ${key} is ${t.dtype}, expected F32`);
    if (key.endsWith(".exp_avg_sq")) expAvgSq.set(key.slice(0, -".exp_avg_sq".length), t.data);
    else if (key.endsWith(".exp_avg")) expAvg.set(key.slice(0, -".exp_avg".length), t.data);
    else throw new Error(`${file}: unexpected tensor ${key}`);
  }
  return { step: Number(metadata.step), expAvg, expAvgSq, paramGroups: JSON.parse(metadata.param_groups ?? "[]") };
}

/** Loads the state into `optimizer` (same parameters, same groups). */
export function loadOptimizerState(file: string, optimizer: AdamW): void {
  const state = readOptimizerState(file);
  const ours = JSON.stringify(optimizer.paramGroups.map((g) => ({ weight_decay: g.weightDecay, params: g.params })));
  if (JSON.stringify(state.paramGroups) !== ours) {
    throw new Error(`${file} was saved with other parameter groups (weight decay or parameter names differ); resume with the same model and TrainingArguments`);
  }
  if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`${file}: bad step count ${state.step}`);
  optimizer.setState(state);
}
