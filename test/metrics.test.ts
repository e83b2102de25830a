// Tests of src/metrics against scikit-learn's outputs in ../shared/golden/metrics_golden.json.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { requireShared } from "./shared";
import { tf } from "../src/backends/tf";
import { argmaxRows, computeMetrics, confusionMatrix } from "../src/metrics";

interface GoldenCase {
  labels: number[];
  preds: number[];
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
}

test("computeMetrics equals scikit-learn on every golden case (≤ 1e-12)", (t) => {
  const p = requireShared(t, "golden/metrics_golden.json");
  if (!p) return;
  const cases = JSON.parse(readFileSync(p, "utf8")) as GoldenCase[];
  assert.ok(cases.length >= 4, "expected the golden file to hold several cases");
  let maxDiff = 0;
  for (const [i, c] of cases.entries()) {
    const m = computeMetrics({ labels: c.labels, predictions: c.preds });
    for (const k of ["accuracy", "precision", "recall", "f1"] as const) {
      const d = Math.abs(m[k] - c[k]);
      maxDiff = Math.max(maxDiff, d);
      assert.ok(d <= 1e-12, `case ${i} ${k}: got ${m[k]}, scikit-learn ${c[k]}`);
    }
    // Same through logits (one-hot-ish rows whose argmax is the prediction) and through bigint labels.
    const logits = c.preds.map((q) => (q === 1 ? [-0.5, 0.25] : [0.75, -1]));
    assert.deepEqual(computeMetrics({ labels: c.labels.map(BigInt), logits }), m);
    const lt = tf.tensor2d(logits);
    assert.deepEqual(computeMetrics({ labels: Int32Array.from(c.labels), logits: lt }), m);
    lt.dispose();
  }
  console.log(`# metrics: ${cases.length} golden cases, max |diff| = ${maxDiff}`);
});

test("degenerate cases give 0 instead of NaN (zero_division=0)", () => {
  assert.deepEqual(computeMetrics({ labels: [0, 0, 0], predictions: [0, 0, 0] }), { accuracy: 1, precision: 0, recall: 0, f1: 0 });
  assert.deepEqual(computeMetrics({ labels: [1, 1], predictions: [0, 0] }), { accuracy: 0, precision: 0, recall: 0, f1: 0 });
  const m = computeMetrics({ labels: [1, 0, 1, 1], predictions: [1, 1, 0, 1] });
  assert.equal(m.accuracy, 0.5);
  assert.equal(m.precision, 2 / 3);
  assert.equal(m.recall, 2 / 3);
  assert.equal(m.f1, 2 / 3);
});

test("argmaxRows picks the first maximum like numpy.argmax", () => {
  assert.deepEqual(Array.from(argmaxRows([[1, 1], [0, 2], [3, -1]])), [0, 1, 0]);
});

test("computeMetrics rejects mismatched lengths, non-integer labels and empty input with clear errors", () => {
  assert.throws(() => computeMetrics({ labels: [1, 0], predictions: [1] }), /same length/);
  assert.throws(() => computeMetrics({ labels: [0.7], predictions: [1] }), /not an integer class id/);
  assert.throws(() => computeMetrics({ labels: [], predictions: [] }), /at least one example/);
});

test("confusionMatrix uses scikit-learn's layout (rows true, columns predicted)", () => {
  assert.deepEqual(confusionMatrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0]), [[1, 1], [1, 2]]);
  assert.deepEqual(confusionMatrix([0, 0], [0, 0]), [[2, 0], [0, 0]]);
  assert.deepEqual(confusionMatrix([2, 0], [1, 0]), [[1, 0, 0], [0, 0, 0], [0, 1, 0]]);
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 2), /not a class id/);
});

test("computeMetrics accepts HF's EvalPrediction shape (predictions = logits rows, labelIds)", () => {
  const m = computeMetrics({ labelIds: Int32Array.from([1, 0, 1]), predictions: [[0, 1], [2, 1], [3, -1]] });
  assert.deepEqual(m, { accuracy: 2 / 3, precision: 1, recall: 0.5, f1: 2 / 3 });
  const t = tf.tensor1d([1, 0, 0], "int32");
  assert.deepEqual(computeMetrics({ labels: [1, 0, 1], predictions: t }), m);
  t.dispose();
});
