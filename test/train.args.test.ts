// Tests of TrainingArguments: defaults, validation with clear errors, the deprecated evaluationStrategy name,
// and the training_args.json round trip with HF's snake_case names.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { TrainingArguments } from "../src/trainer/trainingArguments";

function captureWarn<T>(fn: () => T): { value: T; warnings: string[] } {
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => warnings.push(a.join(" "));
  try {
    return { value: fn(), warnings };
  } finally {
    console.warn = orig;
  }
}

test("defaults: the tutorial's values where it sets them, HF's elsewhere", () => {
  const a = new TrainingArguments({ outputDir: "out" });
  assert.equal(a.learningRate, 2e-5);
  assert.equal(a.perDeviceTrainBatchSize, 16);
  assert.equal(a.perDeviceEvalBatchSize, 16);
  assert.equal(a.numTrainEpochs, 3);
  assert.equal(a.weightDecay, 0.01);
  assert.equal(a.evalStrategy, "epoch");
  assert.equal(a.saveStrategy, "epoch");
  assert.equal(a.adamBeta1, 0.9);
  assert.equal(a.adamBeta2, 0.999);
  assert.equal(a.adamEpsilon, 1e-8);
  assert.equal(a.maxGradNorm, 1);
  assert.equal(a.lrSchedulerType, "linear");
  assert.equal(a.warmupSteps, 0);
  assert.equal(a.maxSteps, -1);
  assert.equal(a.gradientAccumulationSteps, 1);
  assert.equal(a.seed, 42);
  assert.equal(a.loggingSteps, 500);
  assert.equal(a.evalSteps, 500);
  assert.equal(a.loggingDir, "out/logs");
  assert.equal(a.saveTotalLimit, undefined);
});

test("evaluationStrategy is accepted with a deprecation warning that explains the rename", () => {
  const { value, warnings } = captureWarn(() => new TrainingArguments({ evaluationStrategy: "steps", evalSteps: 10 }));
  assert.equal(value.evalStrategy, "steps");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /evaluation_strategy.*eval_strategy/);
  assert.match(warnings[0], /evalStrategy/);
  assert.throws(() => new TrainingArguments({ evaluationStrategy: "steps", evalStrategy: "epoch" }), /disagree/);
});

test("invalid values and unknown or snake_case options fail with a clear message", () => {
  assert.throws(() => new TrainingArguments({ learningRate: -1e-5 }), /learningRate must be a finite number ≥ 0/);
  assert.throws(() => new TrainingArguments({ learningRate: NaN }), /learningRate must be a finite number ≥ 0/);
  assert.equal(new TrainingArguments({ learningRate: 0 }).learningRate, 0, "0 is allowed, as in transformers (a run that changes nothing)");
  assert.throws(() => new TrainingArguments({ reportTo: ["wandb"] }), /no experiment-tracker integration/);
  assert.equal(new TrainingArguments({ reportTo: "none" }).reportTo, "none");
  assert.throws(() => new TrainingArguments({ seed: -1 }), /TrainingArguments\.seed must be an integer from 0 to 4294967295/);
  assert.throws(() => new TrainingArguments({ dataSeed: 2 ** 32 }), /TrainingArguments\.dataSeed must be an integer/);
  assert.throws(() => new TrainingArguments({ perDeviceTrainBatchSize: 2.5 }), /positive integer/);
  assert.throws(() => new TrainingArguments({ evalStrategy: "sometimes" as never }), /"no", "steps" or "epoch"/);
  assert.throws(() => new TrainingArguments({ learning_rate: 1 } as never), /unknown option "learning_rate" \(use camelCase: learningRate\)/);
  assert.throws(() => new TrainingArguments({ lrSchedulerType: "polynomial" as never }), /lrSchedulerType/);
  assert.throws(() => new TrainingArguments({ maxSteps: 0 }), /maxSteps/);
});

test("training_args.json round trip uses HF's snake_case names", () => {
  const a = new TrainingArguments({ outputDir: "x", learningRate: 3e-5, saveTotalLimit: 2, warmupSteps: 0.1, metricForBestModel: "f1" });
  const j = a.toJSON();
  assert.equal(j.learning_rate, 3e-5);
  assert.equal(j.per_device_train_batch_size, 16);
  assert.equal(j.eval_strategy, "epoch");
  assert.equal(j.save_total_limit, 2);
  assert.equal(j.data_seed, null);
  assert.equal(j.greater_is_better, true);
  const b = TrainingArguments.fromJSON(JSON.parse(JSON.stringify(j)));
  assert.deepEqual(b.toJSON(), j);
  assert.equal(a.warmupStepsFor(95), 10, "a fraction of the total steps, rounded up (transformers v5)");
  assert.equal(new TrainingArguments({ metricForBestModel: "eval_loss" }).greaterIsBetter, false);
  assert.equal(a.with({ seed: 7 }).seed, 7);
});
