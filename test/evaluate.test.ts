// Tests of Trainer.evaluate / predict (HF's metric keys and values), the comparison with the tutorial's
// reference results and the score histogram helper.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { tf } from "../src/backends/tf";
import { BertForSequenceClassification } from "../src/models";
import { computeMetrics } from "../src/metrics";
import { Trainer } from "../src/trainer/trainer";
import { compareWithReference, positiveScores, plotScoreHistogram, showComparisonWithReference, TUTORIAL_REFERENCE } from "../src/metrics/index";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { syntheticDataset, TINY_CONFIG } from "./trainHelpers";
import { maxAbsDiff } from "./compare";

// Evaluation writes nothing but the Trainer's log; keep it out of the working tree.
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "evaluate-test-"));

function captureLog<T>(fn: () => T): { value: T; text: string } {
  const lines: string[] = [];
  const orig = console.log;
  const origTable = console.table;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  console.table = (d: unknown) => lines.push(JSON.stringify(d));
  try {
    return { value: fn(), text: lines.join("\n") };
  } finally {
    console.log = orig;
    console.table = origTable;
  }
}

test("evaluate() returns HF's keys; loss and metrics agree with predict()'s logits", async () => {
  await tf.setBackend("cpu");
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 8, numLabels: 2 });
  const test = syntheticDataset(37, 16, 9); // 3 batches of 16, the last of 5
  const trainer = new Trainer({ model, args: { outputDir: OUT, perDeviceEvalBatchSize: 16, disableTqdm: true }, computeMetrics });
  const m = await trainer.evaluate(test);
  assert.deepEqual(Object.keys(m), ["eval_loss", "eval_accuracy", "eval_precision", "eval_recall", "eval_f1", "eval_runtime", "eval_samples_per_second", "eval_steps_per_second"]);
  const p = await trainer.predict(test);
  assert.equal(p.predictions.length, 37);
  assert.deepEqual(Array.from(p.labelIds), Array.from(test.labels as Int32Array));
  // Mean cross-entropy over all examples, computed here in float64 from the logits.
  let ce = 0;
  p.predictions.forEach((row, i) => {
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((s, x) => s + Math.exp(x - mx), 0));
    ce += lse - row[p.labelIds[i]];
  });
  ce /= 37;
  assert.ok(Math.abs(m.eval_loss - ce) < 1e-6, `eval_loss ${m.eval_loss} vs ${ce}`);
  const ref = computeMetrics({ labels: p.labelIds, logits: p.predictions });
  assert.equal(m.eval_accuracy, ref.accuracy);
  assert.equal(m.eval_f1, ref.f1);
  assert.ok(m.eval_runtime > 0 && m.eval_samples_per_second > 0);
  assert.deepEqual(Object.keys(p.metrics).slice(0, 2), ["test_loss", "test_accuracy"]);
  assert.equal(p.metrics.test_loss, m.eval_loss);
  const custom = await trainer.evaluate(test, "imdb");
  assert.ok("imdb_loss" in custom && "imdb_f1" in custom);
  assert.equal(trainer.state.logHistory.length, 2, "evaluate() appends to log_history; predict() does not");
  model.dispose();
});

test("compareWithReference lines our metrics up with the tutorial's", () => {
  const rows = compareWithReference({ eval_loss: 0.5, eval_accuracy: 0.9, eval_f1: 0.89, epoch: 3 });
  assert.deepEqual(rows.map((r) => r.metric), Object.keys(TUTORIAL_REFERENCE));
  assert.equal(rows[0].tutorial, 0.4636);
  assert.ok(Math.abs((rows[0].difference as number) - (0.5 - 0.4636)) < 1e-15);
  assert.equal(rows.find((r) => r.metric === "eval_precision")?.ours, null);
  const testRows = compareWithReference({ test_accuracy: 0.8912 });
  assert.equal(testRows.find((r) => r.metric === "eval_accuracy")?.difference, 0);
  const { text } = captureLog(() => showComparisonWithReference({ eval_loss: 0.5, eval_accuracy: 0.9 }));
  assert.match(text, /tutorial/);
  assert.match(text, /eval_recall/);
});

test("positiveScores is the softmax probability of label 1; the histogram splits by true label", () => {
  const s = positiveScores([[0, 0], [0, Math.log(3)], [1000, 0]]);
  assert.ok(Math.abs(s[0] - 0.5) < 1e-15 && Math.abs(s[1] - 0.75) < 1e-15 && s[2] === 0);
  const { value, text } = captureLog(() => plotScoreHistogram([[0, 0], [0, Math.log(3)], [2, 0]], [0, 1, 1]));
  assert.equal(value.data.length, 2);
  assert.deepEqual(value.data[0].x, [0.5]);
  assert.equal((value.data[1].x as number[]).length, 2);
  assert.match(text, /true negative \(1\)/);
  assert.throws(() => plotScoreHistogram([[0, 1]], [0, 1]), /1 logit rows for 2 labels/);
});

test("dynamicPadding (batches cut to their longest row) gives the same evaluation", async () => {
  await tf.setBackend("cpu");
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 3, numLabels: 2 });
  const data = syntheticDataset(40, 32, 4); // rows of 4..31 tokens in 32 columns
  const full = await new Trainer({ model, args: { outputDir: OUT, disableTqdm: true }, computeMetrics }).predict(data);
  const cut = await new Trainer({ model, args: { outputDir: OUT, disableTqdm: true }, computeMetrics, dynamicPadding: true }).predict(data);
  const d = maxAbsDiff(full.predictions.flat(), cut.predictions.flat());
  assert.ok(d < 1e-5, `logits differ by ${d}`);
  assert.ok(Math.abs(full.metrics.test_loss - cut.metrics.test_loss) < 1e-6);
  model.dispose();
});

test("predictionLoop: reading results back in groups (as on webgpu) gives the same logits, labels and loss, and leaks nothing", async () => {
  await tf.setBackend("cpu");
  const { predictionLoop } = await import("../src/trainer/predictionLoop");
  const { computeLoss } = await import("../src/models");
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 3, numLabels: 2 });
  const data = syntheticDataset(37, 16, 4);
  try {
    const one = await predictionLoop(model, data, computeLoss, { batchSize: 8, progress: false, readEvery: 1, runtime: "tfjs" });
    const before = tf.memory().numTensors;
    for (const readEvery of [3, 8, 100]) {
      const grouped = await predictionLoop(model, data, computeLoss, { batchSize: 8, progress: false, readEvery, runtime: "tfjs" });
      assert.deepEqual(grouped.logits, one.logits, `readEvery ${readEvery}`);
      assert.deepEqual(Array.from(grouped.labels), Array.from(one.labels));
      assert.equal(grouped.loss, one.loss);
      assert.equal(grouped.numSamples, 37);
      assert.equal(grouped.numSteps, 5);
    }
    assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  } finally {
    model.dispose();
  }
});

test("predictionLoop on ONNX Runtime (the CPU backends' default) gives TensorFlow.js' logits, loss and metrics", async () => {
  await tf.setBackend("cpu");
  const { predictionLoop } = await import("../src/trainer/predictionLoop");
  const { onnxRuntimeUnavailable } = await import("../src/onnx/runtime");
  const { computeLoss } = await import("../src/models");
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 3, numLabels: 2 });
  const data = syntheticDataset(37, 16, 4);
  try {
    assert.equal(onnxRuntimeUnavailable(model), null, "ONNX Runtime is used for a BERT classifier on cpu");
    for (const dynamicPadding of [false, true]) {
      const tfjs = await predictionLoop(model, data, computeLoss, { batchSize: 8, progress: false, runtime: "tfjs", dynamicPadding });
      const ort = await predictionLoop(model, data, computeLoss, { batchSize: 8, progress: false, runtime: "onnxruntime", dynamicPadding });
      const flat = (l: number[][]) => Float32Array.from(l.flat());
      const scale = Math.max(...tfjs.logits.flat().map(Math.abs));
      assert.ok(maxAbsDiff(flat(ort.logits), flat(tfjs.logits)) <= 1e-5 * scale, `logits (dynamicPadding ${dynamicPadding})`);
      assert.ok(Math.abs(ort.loss - tfjs.loss) <= 1e-6, `loss ${ort.loss} vs ${tfjs.loss}`);
      assert.deepEqual(Array.from(ort.labels), Array.from(tfjs.labels));
      assert.deepEqual(computeMetrics({ labels: ort.labels, logits: ort.logits }), computeMetrics({ labels: tfjs.labels, logits: tfjs.logits }));
      assert.equal(ort.numSteps, 5);
    }
    const relu = BertForSequenceClassification.fromConfig({ ...TINY_CONFIG, hidden_act: "relu" }, { seed: 3, numLabels: 2 });
    assert.match(onnxRuntimeUnavailable(relu) ?? "", /hidden_act "relu"/, "an activation without an ONNX export stays on TensorFlow.js");
    const r = await predictionLoop(relu, data, computeLoss, { batchSize: 8, progress: false });
    assert.equal(r.numSamples, 37);
    relu.dispose();
  } finally {
    model.dispose();
  }
});
