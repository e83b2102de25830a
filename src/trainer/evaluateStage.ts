// Stage 08 as the notebook runs it: the fine-tuned model of 07 on the untouched test split, with the
// Trainer's evaluation (HF's eval_* keys), stored as runDir/08-evaluate (metrics.json + the test logits).
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunConfig } from "../config";
import { saveArray } from "../io/binary";
import { readStage, StageManifest, STAGES, writeStage } from "../artifacts/stage";
import { computeMetrics } from "../metrics/classification";
import { loadTokenizeStage } from "../tokenizers/stage";
import { Trainer } from "./trainer";
import { labeled, loadTrainedModel, trainingArgumentsFor } from "./stage";

export interface EvaluateStageResult {
  /** eval_loss, eval_accuracy, eval_precision, eval_recall, eval_f1, eval_runtime, eval_samples_per_second, eval_steps_per_second, epoch. */
  metrics: Record<string, number>;
  /** Logits [n][2] of the test reviews. */
  logits: number[][];
  labels: Int32Array;
  manifest: StageManifest;
}

export async function runEvaluateStage(cfg: RunConfig): Promise<EvaluateStageResult> {
  const train = readStage(cfg.runDir, STAGES.train);
  if (!train) throw new Error(`No ${STAGES.train} in ${cfg.runDir}: run notebook 07 (train) first.`);
  const test = labeled(loadTokenizeStage(cfg).splits.test);
  const model = await loadTrainedModel(cfg);
  try {
    const trainer = new Trainer({ model, args: { ...trainingArgumentsFor(cfg), outputDir: path.join(cfg.runDir, "trainer") }, computeMetrics });
    // One pass over the test set gives both the metrics (as trainer.evaluate reports them) and the logits.
    const out = await trainer.predict(test, "eval");
    const epoch = (train.info?.metrics as Record<string, number> | undefined)?.epoch ?? cfg.numTrainEpochs;
    const metrics: Record<string, number> = {};
    for (const k of ["eval_loss", "eval_accuracy", "eval_precision", "eval_recall", "eval_f1", "eval_runtime", "eval_samples_per_second", "eval_steps_per_second"]) {
      if (k in out.metrics) metrics[k] = out.metrics[k];
    }
    metrics.epoch = epoch;
    const manifest = await writeStage(cfg.runDir, STAGES.evaluate, { params: {}, inputs: { [STAGES.train]: train }, rows: { test: test.rows }, info: { metrics } }, (dir) => {
      fs.writeFileSync(path.join(dir, "metrics.json"), JSON.stringify(metrics, null, 2) + "\n");
      saveArray(path.join(dir, "test.logits.bin"), Float32Array.from(out.predictions.flat()));
    });
    return { metrics, logits: out.predictions, labels: out.labelIds, manifest };
  } finally {
    model.dispose();
  }
}
