// Tests of the Trainer in-process on a tiny model: HF-style log history, checkpoint contents and rotation,
// best-metric tracking, gradient accumulation, the processingClass/tokenizer options and clear errors.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { tf } from "../src/backends/tf";
import { BertForSequenceClassification } from "../src/models";
import { computeMetrics } from "../src/metrics";
import { Trainer } from "../src/trainer/trainer";
import { listCheckpoints, writeCheckpoint } from "../src/trainer/checkpoint";
import { readOptimizerState } from "../src/trainer/optimizerState";
import { AdamW } from "../src/trainer/adamw";
import { linearScheduleWithWarmup } from "../src/trainer/lrSchedule";
import { figureReadInterval, TrainStepper, TRAIN_READ_EVERY_ENV } from "../src/trainer/trainStep";
import { computeLoss } from "../src/models";
import { TrainerState } from "../src/trainer/trainerState";
import { silence, syntheticDataset, TINY_CONFIG } from "./trainHelpers";
import { withEnv } from "./env";
import { maxAbs, maxAbsDiff } from "./compare";

const quiet = { disableTqdm: true };
function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bert-imdb-trainer-${name}-`));
}

test("loggingStrategy \"epoch\" logs each epoch's mean loss with grad_norm and the lr, as HF's epoch-end log does", async () => {
  await tf.setBackend("cpu");
  const run = async (name: string, logging: Record<string, unknown>) => {
    const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 1, numLabels: 2 });
    const trainer = new Trainer({
      model,
      args: { outputDir: tmp(name), learningRate: 1e-3, numTrainEpochs: 2, perDeviceTrainBatchSize: 8, saveStrategy: "no", evalStrategy: "no", seed: 3, ...logging, ...quiet },
      trainDataset: syntheticDataset(40, 16, 1), // 5 steps per epoch
    });
    await silence(() => trainer.train());
    return trainer.state.logHistory.filter((e) => "loss" in e);
  };
  const perStep = await run("log-steps", { loggingSteps: 1 });
  const perEpoch = await run("log-epoch", { loggingStrategy: "epoch" });
  assert.deepEqual(perEpoch.map((e) => [e.step, e.epoch]), [[5, 1], [10, 2]]);
  for (const e of perEpoch) {
    assert.deepEqual(Object.keys(e), ["loss", "grad_norm", "learning_rate", "epoch", "step"]);
    const steps = perStep.filter((s) => s.step > e.step - 5 && s.step <= e.step);
    const mean = steps.reduce((a, s) => a + s.loss, 0) / steps.length;
    assert.ok(Math.abs(e.loss - mean) < 1e-12, `epoch ${e.epoch}: loss ${e.loss} vs the mean of its steps ${mean}`);
    const lastStep = steps[steps.length - 1];
    assert.equal(e.grad_norm, lastStep.grad_norm, "the last step's gradient norm");
    assert.equal(e.learning_rate, lastStep.learning_rate, "the lr the last step used");
  }
});

test("train() logs, evaluates and checkpoints like HF's Trainer", async () => {
  await tf.setBackend("cpu");
  const out = tmp("log");
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 1, numLabels: 2 });
  const trainer = new Trainer({
    model,
    args: { outputDir: out, learningRate: 1e-3, numTrainEpochs: 2, perDeviceTrainBatchSize: 8, loggingSteps: 2, saveTotalLimit: 1, warmupSteps: 1, seed: 3, ...quiet },
    trainDataset: syntheticDataset(40, 16, 1), // 5 steps per epoch
    evalDataset: syntheticDataset(20, 16, 2),
    computeMetrics,
  });
  const tensorsBefore = tf.memory().numTensors;
  const res = await silence(() => trainer.train());
  assert.equal(tf.memory().numTensors, tensorsBefore, "train() leaves no tensors behind");
  assert.equal(res.globalStep, 10);
  const nonEmbedding = model.namedParameters().reduce((n, [name, v]) => n + (/_embeddings\.weight$/.test(name) ? 0 : v.size), 0);
  assert.equal(res.metrics.total_flos, 6 * nonEmbedding * 40 * 16 * 2, "HF's FLOs estimate: 6 × non-embedding parameters × tokens");
  assert.equal(res.interrupted, false);
  const h = trainer.state.logHistory;
  const stepLogs = h.filter((e) => "loss" in e);
  assert.deepEqual(stepLogs.map((e) => e.step), [2, 4, 6, 8, 10]);
  for (const e of stepLogs) {
    assert.deepEqual(Object.keys(e), ["loss", "grad_norm", "learning_rate", "epoch", "step"]);
    // HF logs the lr the step used: linear warm-up over 1 step, then decay to 0 at step 10.
    const k = e.step - 1;
    const expected = k < 1 ? 0 : (1e-3 * (10 - k)) / 9;
    assert.ok(Math.abs(e.learning_rate - expected) < 1e-15, `lr at step ${e.step}: ${e.learning_rate} vs ${expected}`);
    assert.ok(Math.abs(e.epoch - e.step / 5) < 1e-12);
  }
  const evals = h.filter((e) => "eval_loss" in e);
  assert.deepEqual(evals.map((e) => [e.epoch, e.step]), [[1, 5], [2, 10]]);
  assert.deepEqual(Object.keys(evals[0]), ["eval_loss", "eval_accuracy", "eval_precision", "eval_recall", "eval_f1", "eval_runtime", "eval_samples_per_second", "eval_steps_per_second", "epoch", "step"]);
  const final = h[h.length - 1];
  assert.deepEqual(Object.keys(final), ["train_runtime", "train_samples_per_second", "train_steps_per_second", "total_flos", "train_loss", "epoch", "step"]);
  assert.equal(final.train_loss, res.trainingLoss);
  // saveTotalLimit 1: only the last checkpoint is left; its files are complete and consistent.
  assert.deepEqual(listCheckpoints(out).map((c) => c.step), [10]);
  const ck = path.join(out, "checkpoint-10");
  const ts = JSON.parse(fs.readFileSync(path.join(ck, "trainer_state.json"), "utf8"));
  for (const k of ["global_step", "epoch", "log_history", "best_metric", "best_model_checkpoint", "max_steps", "num_train_epochs", "train_batch_size", "logging_steps", "save_steps"]) assert.ok(k in ts, k);
  assert.equal(ts.global_step, 10);
  assert.equal(ts.max_steps, 10);
  assert.equal(ts.num_train_epochs, 2);
  assert.equal(ts.train_batch_size, 8);
  assert.equal(JSON.parse(fs.readFileSync(path.join(ck, "training_args.json"), "utf8")).learning_rate, 1e-3);
  assert.equal(JSON.parse(fs.readFileSync(path.join(ck, "scheduler.json"), "utf8")).last_epoch, 10);
  const rng = JSON.parse(fs.readFileSync(path.join(ck, "rng_state.json"), "utf8"));
  assert.deepEqual([rng.seed, rng.data_seed, rng.epoch, rng.batches_seen_in_epoch, rng.dropout_rng.length], [3, 3, 1, 5, 4]);
  const opt = readOptimizerState(path.join(ck, "optimizer.safetensors"));
  assert.equal(opt.step, 10);
  assert.equal(opt.expAvg.size, model.namedParameters().length);
  assert.deepEqual(opt.paramGroups.map((g) => g.weight_decay), [0.01, 0]);
  assert.ok(fs.existsSync(path.join(ck, "model.safetensors")) && fs.existsSync(path.join(ck, "config.json")));
  assert.ok(fs.readFileSync(path.join(out, "logs", "trainer_log.jsonl"), "utf8").trim().split("\n").length >= h.length);
  trainer.dispose();
  model.dispose();
});

test("metricForBestModel tracks the best checkpoint, which rotation keeps", async () => {
  await tf.setBackend("cpu");
  const out = tmp("best");
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 2, numLabels: 2 });
  const trainer = new Trainer({
    model,
    args: { outputDir: out, learningRate: 2e-3, numTrainEpochs: 4, perDeviceTrainBatchSize: 16, saveTotalLimit: 1, metricForBestModel: "eval_loss", seed: 1, ...quiet },
    trainDataset: syntheticDataset(32, 16, 3),
    evalDataset: syntheticDataset(16, 16, 4),
  });
  await silence(() => trainer.train());
  const evals = trainer.state.logHistory.filter((e) => "eval_loss" in e);
  const best = evals.reduce((a, b) => (b.eval_loss < a.eval_loss ? b : a));
  assert.equal(trainer.state.bestMetric, best.eval_loss);
  assert.equal(trainer.state.bestGlobalStep, best.step);
  assert.equal(trainer.state.bestModelCheckpoint, path.join(out, `checkpoint-${best.step}`));
  const left = listCheckpoints(out).map((c) => c.step);
  assert.ok(left.includes(best.step), `best checkpoint ${best.step} kept (left: ${left})`);
  assert.ok(left.includes(8), "the newest checkpoint is kept too");
  assert.ok(left.length <= 2);
  model.dispose();
});

test("gradient accumulation (2 × 4 rows) matches one batch of 8 rows", async () => {
  await tf.setBackend("cpu");
  const noDropout = { ...TINY_CONFIG, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
  const data = syntheticDataset(32, 16, 5);
  const run = async (batch: number, ga: number) => {
    const model = BertForSequenceClassification.fromConfig(noDropout, { seed: 4, numLabels: 2 });
    const trainer = new Trainer({
      model,
      args: { outputDir: tmp("ga"), learningRate: 1e-3, numTrainEpochs: 1, perDeviceTrainBatchSize: batch, gradientAccumulationSteps: ga, loggingSteps: 1, evalStrategy: "no", saveStrategy: "no", seed: 9, ...quiet },
      trainDataset: data,
    });
    await silence(() => trainer.train());
    const params = model.namedParameters().map(([n, v]) => [n, Float32Array.from(v.dataSync())] as const);
    const losses = trainer.state.logHistory.filter((e) => "loss" in e).map((e) => e.loss);
    model.dispose();
    return { params, losses };
  };
  // Batch 4 and batch 8 see the same rows per step: the loader shuffles the same permutation (seed + epoch).
  const a = await run(8, 1);
  const b = await run(4, 2);
  assert.equal(a.losses.length, 4);
  assert.equal(b.losses.length, 4);
  a.losses.forEach((l, i) => assert.ok(Math.abs(l - b.losses[i]) < 1e-5, `step ${i + 1} loss ${l} vs ${b.losses[i]}`));
  // Attention key biases are left out: their true gradient is exactly 0 (softmax ignores a per-query constant),
  // so Adam turns pure rounding noise (~1e-13) into ±lr steps that differ between any two summation orders.
  let worst = 0;
  let worstName = "";
  a.params.forEach(([name, p], k) => {
    if (/attention\.self\.key\.bias$/.test(name)) return;
    const rel = maxAbsDiff(p, b.params[k][1]) / maxAbs(p);
    if (rel > worst) [worst, worstName] = [rel, name];
  });
  console.log(`# accumulation: worst max|diff|/max|param| = ${worst.toExponential(2)} (${worstName})`);
  assert.ok(worst < 1e-4, `${worstName} differs by ${worst} of its max`);
});

test("processingClass is saved into checkpoints; the old `tokenizer` name warns and still works", async () => {
  await tf.setBackend("cpu");
  const out = tmp("tok");
  const tokenizer = { savePretrained: (dir: string) => fs.writeFileSync(path.join(dir, "tokenizer.json"), "{}") };
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => warnings.push(a.join(" "));
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 1, numLabels: 2 });
  let trainer: Trainer;
  try {
    trainer = new Trainer({ model, args: { outputDir: out, maxSteps: 2, evalStrategy: "no", perDeviceTrainBatchSize: 8, ...quiet }, trainDataset: syntheticDataset(16, 16, 1), tokenizer });
  } finally {
    console.warn = warn;
  }
  assert.equal(trainer.processingClass, tokenizer);
  assert.ok(warnings.some((w) => /processing_class/.test(w) && /processingClass/.test(w)), warnings.join("\n"));
  await silence(() => trainer.train());
  assert.ok(fs.existsSync(path.join(out, "checkpoint-2", "tokenizer.json")), "maxSteps reached mid-epoch saves the final step with the tokenizer");
  model.dispose();
});

test("a checkpoint whose write fails leaves no checkpoint folder", async () => {
  await tf.setBackend("cpu");
  const out = tmp("fail");
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 1, numLabels: 2 });
  const broken = {
    forward: model.forward.bind(model),
    namedParameters: model.namedParameters.bind(model),
    savePretrained: async (dir: string) => {
      fs.writeFileSync(path.join(dir, "config.json"), "{");
      throw new Error("disk full");
    },
  };
  const optimizer = new AdamW(model.namedParameters(), { lr: 1e-3 });
  await assert.rejects(
    writeCheckpoint(path.join(out, "checkpoint-1"), {
      model: broken, optimizer, schedule: linearScheduleWithWarmup(1e-3, 0, 1), state: new TrainerState(),
      rngState: { seed: 0, data_seed: 0, epoch: 0, batches_seen_in_epoch: 0, dropout_rng: [1, 2, 3, 4] }, trainingArgs: {},
    }),
    /disk full/,
  );
  assert.deepEqual(fs.readdirSync(out), []);
  optimizer.dispose();
  model.dispose();
});

test("clear errors: no eval dataset for evalStrategy, nothing to resume, unknown options", async () => {
  await tf.setBackend("cpu");
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 1, numLabels: 2 });
  const ds = syntheticDataset(8, 16, 1);
  await assert.rejects(new Trainer({ model, args: { outputDir: tmp("e1"), ...quiet }, trainDataset: ds }).train(), /no evalDataset was given/);
  const empty = tmp("e2");
  await assert.rejects(
    new Trainer({ model, args: { outputDir: empty, evalStrategy: "no", ...quiet }, trainDataset: ds }).train({ resumeFromCheckpoint: true }),
    /has no complete checkpoint-<step> folder/,
  );
  assert.throws(() => new Trainer({ model, args: {}, trainDatset: ds } as never), /unknown option "trainDatset"/);
  await assert.rejects(new Trainer({ model, args: { ...quiet } }).evaluate(), /needs a dataset/);
  model.dispose();
});

test("a step whose gradient norm is not finite stops training with the model left at the previous step", () => {
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 4, numLabels: 2 });
  const opt = new AdamW(model.namedParameters(), { lr: 1e-3, weightDecay: 0.01 });
  const stepper = new TrainStepper(model, opt, linearScheduleWithWarmup(1e-3, 0, 10), computeLoss, 1.0);
  const ids = tf.tensor2d(Array.from({ length: 2 * 8 }, (_, i) => 3 + (i % 40)), [2, 8], "int32");
  const batch = { inputIds: ids, attentionMask: tf.onesLike(ids), tokenTypeIds: tf.zerosLike(ids), labels: tf.tensor1d([0, 1], "int32") };
  try {
    stepper.step([batch], [1]);
    // A NaN in the classifier's bias makes the loss and every upstream gradient NaN.
    const [, bias] = model.namedParameters().find(([n]) => n === "classifier.bias")!;
    bias.assign(tf.tensor1d([Number.NaN, 0]));
    const before = model.namedParameters().map(([n, v]) => [n, Float32Array.from(v.dataSync())] as const);
    assert.throws(() => stepper.step([batch], [2]), /gradient norm is NaN.*not applied.*resume from the last checkpoint/s);
    for (const [n, v] of model.namedParameters()) assert.deepEqual(Float32Array.from(v.dataSync()), before.find(([m]) => m === n)![1], `${n} unchanged`);
  } finally {
    opt.dispose();
    model.dispose();
    tf.dispose(Object.values(batch));
  }
});

test("reading the loss every few steps (as on webgpu) logs and trains exactly as reading it every step", async () => {
  await tf.setBackend("cpu");
  const run = (readEvery: string | undefined) =>
    withEnv({ [TRAIN_READ_EVERY_ENV]: readEvery }, async () => {
      const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 2, numLabels: 2 });
      // 6 steps an epoch, logging every 4: logging, epoch ends and reads every 3 steps fall on different steps.
      const trainer = new Trainer({
        model,
        args: { outputDir: tmp(`read-${readEvery}`), learningRate: 1e-3, numTrainEpochs: 2, perDeviceTrainBatchSize: 4, loggingSteps: 4, saveStrategy: "epoch", seed: 5, ...quiet },
        trainDataset: syntheticDataset(24, 16, 3),
        evalDataset: syntheticDataset(8, 16, 4),
        computeMetrics,
      });
      const res = await silence(() => trainer.train());
      const logs = trainer.state.logHistory.map((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !/runtime|per_second/.test(k))));
      const params = model.namedParameters().map(([, v]) => Float32Array.from(v.dataSync()));
      model.dispose();
      return { logs, params, trainingLoss: res.trainingLoss };
    });
  const every = await run(undefined);
  const batched = await run("3");
  assert.deepEqual(batched.logs, every.logs);
  assert.equal(batched.trainingLoss, every.trainingLoss);
  batched.params.forEach((p, i) => assert.deepEqual(p, every.params[i]));
  assert.throws(() => withEnv({ [TRAIN_READ_EVERY_ENV]: "0" }, figureReadInterval), /BERT_IMDB_TRAIN_READ_EVERY="0" must be a positive integer/);
});
