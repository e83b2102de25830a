// Random initialisation (HF's _init_weights), parameter counts and summary, dropout, the loss, and
// tensor hygiene of forward/backward.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { initBackend } from "../src/backends/initBackend";
import { tf } from "../src/backends/tf";
import { BertConfig, bertParamSpecs, BertForSequenceClassification, computeLoss } from "../src/models";
import { summarizeParams } from "../src/models/summary";

const SMALL = {
  vocab_size: 200,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 32,
  max_position_embeddings: 32,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
};

before(async () => {
  await initBackend(undefined, { quiet: true });
});

function inputs(): { inputIds: tf.Tensor; attentionMask: tf.Tensor; tokenTypeIds: tf.Tensor } {
  const ids = [
    [101, 7, 8, 9, 102, 0, 0, 0, 0, 0],
    [101, 17, 18, 19, 20, 21, 22, 23, 24, 102],
    [101, 30, 102, 0, 0, 0, 0, 0, 0, 0],
  ];
  return {
    inputIds: tf.tensor2d(ids, [3, 10], "int32"),
    attentionMask: tf.tensor2d(ids.map((r) => r.map((x) => (x ? 1 : 0))), [3, 10], "int32"),
    tokenTypeIds: tf.tensor2d(ids.map((r) => r.map((_, j) => (j >= 5 ? 1 : 0))), [3, 10], "int32"),
  };
}

test("bert-base-uncased + 2-label classifier has 109,483,778 parameters; summary rows add up", () => {
  const cfg = BertConfig.fromDict({});
  const specs = bertParamSpecs(cfg);
  const total = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(total, 109_483_778);
  const rows = summarizeParams(specs, cfg);
  assert.equal(rows[rows.length - 1].name, "total");
  assert.equal(rows[rows.length - 1].params, 109_483_778);
  assert.equal(rows.slice(0, -1).reduce((n, r) => n + r.params, 0), 109_483_778);
  assert.deepEqual(rows[0], { name: "bert.embeddings.word_embeddings", shape: "[30522, 768]", params: 23_440_896 });
  assert.equal(rows.find((r) => r.name === "bert.encoder.layer.11")?.params, 7_087_872);
  assert.equal(rows.find((r) => r.name === "classifier")?.params, 1_538);
  assert.equal(specs[5].name, "bert.encoder.layer.0.attention.self.query.weight");
  assert.deepEqual(specs[5].shape, [768, 768]);
});

test("fromConfig initialises like transformers and is reproducible by seed", () => {
  const a = BertForSequenceClassification.fromConfig(SMALL, { seed: 7 });
  const b = BertForSequenceClassification.fromConfig(SMALL, { seed: 7 });
  const c = BertForSequenceClassification.fromConfig(SMALL, { seed: 8 });
  try {
    assert.equal(a.numParameters(), a.namedParameters().reduce((n, [, v]) => n + v.size, 0));
    assert.equal(a.summary().at(-1)?.params, a.numParameters());
    const byName = new Map(a.namedParameters().map(([n, v]) => [n, v.dataSync() as Float32Array]));
    const word = byName.get("bert.embeddings.word_embeddings.weight")!;
    assert.ok(word.slice(0, 16).every((x) => x === 0), "pad_token_id row zeroed");
    for (const [name, data] of byName) {
      if (name.endsWith("LayerNorm.weight")) assert.ok(data.every((x) => x === 1), name);
      else if (name.endsWith(".bias")) assert.ok(data.every((x) => x === 0), name);
      else if (data.length > 200) {
        const mean = data.reduce((s, x) => s + x, 0) / data.length;
        const std = Math.sqrt(data.reduce((s, x) => s + (x - mean) ** 2, 0) / data.length);
        assert.ok(Math.abs(std - 0.02) < 0.003 && Math.abs(mean) < 0.003, `${name}: mean ${mean} std ${std}`);
      }
    }
    const same = a.namedParameters().every(([n, v], i) => Buffer.compare(Buffer.from(v.dataSync().buffer), Buffer.from(b.namedParameters()[i][1].dataSync().buffer)) === 0);
    assert.ok(same, "same seed, same weights");
    assert.notDeepEqual(Array.from(c.namedParameters()[5][1].dataSync()), Array.from(a.namedParameters()[5][1].dataSync()));
  } finally {
    a.dispose();
    b.dispose();
    c.dispose();
  }
});

test("dropout: off in eval, seeded in training (same seed ⇒ same result), inverted scaling", () => {
  const model = BertForSequenceClassification.fromConfig(SMALL, { seed: 1 });
  try {
    const run = (opts: { training?: boolean; dropoutSeed?: number }) => tf.tidy(() => Array.from(model.forward(inputs(), opts).logits.dataSync()));
    const eval1 = run({});
    assert.deepEqual(run({ training: false, dropoutSeed: 5 }), eval1);
    const t1 = run({ training: true, dropoutSeed: 11 });
    assert.deepEqual(run({ training: true, dropoutSeed: 11 }), t1);
    assert.notDeepEqual(run({ training: true, dropoutSeed: 12 }), t1);
    assert.notDeepEqual(t1, eval1);
    // A model with dropout 0 gives the eval result in training mode.
    const noDrop = BertForSequenceClassification.fromConfig({ ...SMALL, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 }, { seed: 1 });
    const out = tf.tidy(() => [Array.from(noDrop.forward(inputs(), { training: true, dropoutSeed: 3 }).logits.dataSync()), Array.from(noDrop.forward(inputs()).logits.dataSync())]);
    assert.deepEqual(out[0], out[1]);
    noDrop.dispose();
  } finally {
    model.dispose();
  }
  const { dropoutMask } = require("../src/models/ops") as typeof import("../src/models/ops");
  const m = tf.tidy(() => dropoutMask([100000], 0.1, 42).dataSync());
  const zeros = m.filter((x) => x === 0).length;
  assert.ok(Math.abs(zeros / m.length - 0.1) < 0.005, `drop rate ${zeros / m.length}`);
  assert.ok(m.every((x) => x === 0 || Math.abs(x - 1 / 0.9) < 1e-6));
});

test("computeLoss is torch's mean cross-entropy (ignore_index -100)", () => {
  const logits = tf.tensor2d([[2, -1], [0.5, 0.25], [-3, 4]]);
  const loss = (labels: number[]) => tf.tidy(() => computeLoss(logits, tf.tensor1d(labels, "int32")).dataSync()[0]);
  const ce = (row: number[], y: number) => -(row[y] - Math.log(row.reduce((s, x) => s + Math.exp(x), 0)));
  const rows = [[2, -1], [0.5, 0.25], [-3, 4]];
  assert.ok(Math.abs(loss([0, 1, 1]) - (ce(rows[0], 0) + ce(rows[1], 1) + ce(rows[2], 1)) / 3) < 1e-6);
  assert.ok(Math.abs(loss([0, -100, 1]) - (ce(rows[0], 0) + ce(rows[2], 1)) / 2) < 1e-6);
  assert.ok(Math.abs(tf.tidy(() => computeLoss(logits, [1, 1, 0]).dataSync()[0]) - (ce(rows[0], 1) + ce(rows[1], 1) + ce(rows[2], 0)) / 3) < 1e-6);
  logits.dispose();
});

test("forward/backward leak no tensors; token types and masks are used; inputs are checked", () => {
  const model = BertForSequenceClassification.fromConfig(SMALL, { seed: 2 });
  try {
    const x = inputs();
    const labels = tf.tensor1d([0, 1, 1], "int32");
    const vars = model.namedParameters().map(([, v]) => v);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => computeLoss(model.forward(x, { training: true, dropoutSeed: 1 }).logits, labels), vars);
      assert.equal(Object.keys(grads).length, vars.length);
      assert.ok(Number.isFinite(value.dataSync()[0]));
    });
    tf.tidy(() => {
      model.forward(x, { outputHiddenStates: true, outputPooledOutput: true });
    });
    assert.equal(tf.memory().numTensors, before);
    const out = model.forward(x);
    out.logits.dispose();
    assert.equal(tf.memory().numTensors, before, "outputs are the only tensors forward leaves");
    const [withTypes, withoutTypes, noMask] = tf.tidy(() => [
      Array.from(model.forward(x).logits.dataSync()),
      Array.from(model.forward({ inputIds: x.inputIds, attentionMask: x.attentionMask }).logits.dataSync()),
      Array.from(model.forward({ inputIds: x.inputIds, tokenTypeIds: x.tokenTypeIds }).logits.dataSync()),
    ]);
    assert.notDeepEqual(withTypes, withoutTypes);
    assert.notDeepEqual(withTypes, noMask);
    // Padding is invisible: the first row padded to 10 equals it unpadded (length 5).
    const short = tf.tidy(() => Array.from(model.forward({ inputIds: tf.tensor2d([[101, 7, 8, 9, 102]], [1, 5], "int32"), tokenTypeIds: tf.zeros([1, 5], "int32") }).logits.dataSync()));
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(short[i] - withTypes[i]) < 1e-5, `padded vs unpadded logit ${i}`);
    assert.throws(() => model.forward({ inputIds: tf.tensor2d([[1, 500]], [1, 2], "int32") }), /inputIds .* \[0, 200\)/);
    assert.throws(() => model.forward({ inputIds: tf.zeros([1, 40], "int32") }), /exceeds max_position_embeddings 32/);
    assert.throws(() => model.forward({ inputIds: tf.zeros([2, 4], "int32"), attentionMask: tf.ones([2, 5], "int32") }), /attentionMask has shape/);
    tf.dispose([x.inputIds, x.attentionMask, x.tokenTypeIds, labels]);
  } finally {
    model.dispose();
  }
});
