// Child process of test/train.resume.test.ts: trains the tiny model on the synthetic data deterministically
// (checkpoint every 5 steps, 3 epochs of 6 batches), printing "STEP <n>" after each step and, at the end,
// "RESULT <json>" with the final evaluation metrics and a hash of every parameter.
// Usage: node --import tsx test/trainResumeWorker.ts <outputDir> [resume] [--step-delay-ms N] [--kill-during-save STEP]
// --kill-during-save STEP: SIGKILLs itself in the middle of writing checkpoint-STEP (after the model files,
// before the optimizer state), as a crash during a checkpoint write would.
import { createHash } from "node:crypto";
import { tf } from "../src/backends/tf";
import { BertForSequenceClassification } from "../src/models";
import { computeMetrics } from "../src/metrics";
import { Trainer } from "../src/trainer/trainer";
import { syntheticDataset, TINY_CONFIG } from "./trainHelpers";

async function main(): Promise<void> {
  const [outputDir, mode] = process.argv.slice(2);
  const delayArg = process.argv.indexOf("--step-delay-ms");
  const delay = delayArg > 0 ? Number(process.argv[delayArg + 1]) : 0;
  await tf.setBackend("cpu");
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 11, numLabels: 2 });
  const killArg = process.argv.indexOf("--kill-during-save");
  if (killArg > 0) {
    const target = `checkpoint-${process.argv[killArg + 1]}.tmp-`;
    const save = model.savePretrained.bind(model);
    model.savePretrained = async (dir: string) => {
      await save(dir);
      if (dir.includes(target)) process.kill(process.pid, "SIGKILL");
    };
  }
  const trainer = new Trainer({
    model,
    args: {
      outputDir,
      learningRate: 3e-3,
      numTrainEpochs: 3,
      perDeviceTrainBatchSize: 8,
      perDeviceEvalBatchSize: 16,
      warmupSteps: 2,
      loggingSteps: 2,
      saveStrategy: "steps",
      saveSteps: 5,
      evalStrategy: "epoch",
      seed: 5,
      disableTqdm: true,
    },
    trainDataset: syntheticDataset(44, 16, 1), // 6 batches per epoch, the last one of 4 rows
    evalDataset: syntheticDataset(32, 16, 2),
    computeMetrics,
    callbacks: [{
      async onStepEnd(state) {
        process.stdout.write(`STEP ${state.globalStep}\n`);
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      },
    }],
  });
  const out = await trainer.train({ resumeFromCheckpoint: mode === "resume" ? true : undefined });
  if (out.interrupted) {
    process.stdout.write(`INTERRUPTED ${out.globalStep}\n`);
    return;
  }
  const evalMetrics = await trainer.evaluate();
  const params: Record<string, string> = {};
  for (const [name, v] of model.namedParameters()) params[name] = createHash("sha256").update(Buffer.from((v.dataSync() as Float32Array).buffer)).digest("hex");
  const history = trainer.state.logHistory.map((e) => {
    const { eval_runtime, eval_samples_per_second, eval_steps_per_second, train_runtime, train_samples_per_second, train_steps_per_second, ...rest } = e;
    return rest;
  });
  const { eval_runtime, eval_samples_per_second, eval_steps_per_second, ...metrics } = evalMetrics;
  process.stdout.write(`RESULT ${JSON.stringify({ globalStep: out.globalStep, metrics, params, history })}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
