// savePretrained / fromPretrained: HF layout of the written folder, exact round trip, labels, legacy and
// half-precision checkpoints, shape mismatches and error messages.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { initBackend } from "../src/backends/initBackend";
import { tf } from "../src/backends/tf";
import { BertConfig, BertForSequenceClassification } from "../src/models";
import { readSafetensors, readSafetensorsHeader, writeSafetensors, TensorToWrite } from "../src/safetensors";
import { requireShared } from "./shared";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bert-io-"));
const SMALL = { vocab_size: 120, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 64 };

before(async () => {
  await initBackend(undefined, { quiet: true });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function batch(): { inputIds: tf.Tensor; attentionMask: tf.Tensor } {
  const ids = [
    [101, 5, 6, 7, 102, 0, 0, 0],
    [101, 9, 10, 11, 12, 13, 14, 102],
  ];
  return {
    inputIds: tf.tensor2d(ids, [2, 8], "int32"),
    attentionMask: tf.tensor2d(ids.map((r) => r.map((x) => (x === 0 ? 0 : 1))), [2, 8], "int32"),
  };
}

function logitsOf(model: BertForSequenceClassification): Float32Array {
  return tf.tidy(() => model.forward(batch()).logits.dataSync() as Float32Array);
}

test("savePretrained writes HF's layout and fromPretrained reads it back exactly", async () => {
  const model = BertForSequenceClassification.fromConfig(SMALL, { seed: 3, id2label: { 0: "NEGATIVE", 1: "POSITIVE" } });
  const dir = path.join(tmp, "saved");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "tokenizer.json"), "{}"); // other files in the folder are kept
  await model.savePretrained(dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "model.safetensors", "tokenizer.json"]);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  assert.deepEqual(cfg.architectures, ["BertForSequenceClassification"]);
  assert.deepEqual(cfg.id2label, { 0: "NEGATIVE", 1: "POSITIVE" });
  assert.deepEqual(cfg.label2id, { NEGATIVE: 0, POSITIVE: 1 });
  assert.equal(cfg.problem_type, "single_label_classification");
  assert.equal(cfg.model_type, "bert");
  assert.equal(cfg.hidden_size, 16);
  assert.equal(cfg.layer_norm_eps, 1e-12);
  assert.deepEqual(Object.keys(cfg), Object.keys(cfg).slice().sort(), "keys sorted as transformers writes them");
  const header = readSafetensorsHeader(path.join(dir, "model.safetensors"));
  assert.deepEqual(header.metadata, { format: "pt" });
  const named = model.namedParameters();
  assert.equal(header.tensors.size, named.length);
  for (const [name, v] of named) {
    const e = header.tensors.get(name);
    assert.ok(e, `${name} saved`);
    assert.equal(e.dtype, "F32");
    assert.deepEqual(e.shape, v.shape);
  }
  const loaded = await BertForSequenceClassification.fromPretrained(dir, { quiet: true });
  assert.deepEqual(loaded.loadReport?.missingKeys, []);
  assert.deepEqual(loaded.config.id2label, { 0: "NEGATIVE", 1: "POSITIVE" });
  assert.deepEqual(Array.from(logitsOf(loaded)), Array.from(logitsOf(model)));
  // Saving over the folder again replaces it atomically.
  await loaded.savePretrained(dir);
  assert.ok(fs.existsSync(path.join(dir, "tokenizer.json")));
  model.dispose();
  loaded.dispose();
});

test("the golden model's parameters keep HF names, shapes and values through a save", async (t) => {
  const src = requireShared(t, "golden/tiny-bert/model/model.safetensors");
  if (!src) return;
  const model = await BertForSequenceClassification.fromPretrained(path.dirname(src), { quiet: true });
  const dir = path.join(tmp, "golden-copy");
  await model.savePretrained(dir);
  const a = readSafetensors(src);
  const b = readSafetensors(path.join(dir, "model.safetensors"));
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const [k, v] of a) {
    assert.deepEqual(b.get(k)!.shape, v.shape, k);
    assert.deepEqual(Buffer.from((b.get(k)!.data as Float32Array).buffer), Buffer.from((v.data as Float32Array).buffer), k);
  }
  const golden = JSON.parse(fs.readFileSync(path.join(path.dirname(src), "config.json"), "utf8"));
  const saved = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  for (const k of Object.keys(golden)) if (k !== "architectures") assert.deepEqual(saved[k], golden[k], `config field ${k}`);
  assert.equal(model.numParameters(), [...a.values()].reduce((n, v) => n + v.data.length, 0));
  model.dispose();
});

test("labels: numLabels / id2label / label2id resolve like transformers", () => {
  const base = BertConfig.fromDict(SMALL);
  assert.equal(base.numLabels, 2);
  assert.deepEqual(base.id2label, { 0: "LABEL_0", 1: "LABEL_1" });
  const three = base.withLabels({ numLabels: 3 });
  assert.deepEqual(three.label2id, { LABEL_0: 0, LABEL_1: 1, LABEL_2: 2 });
  const named = base.withLabels({ label2id: { neg: 0, pos: 1 } });
  assert.deepEqual(named.id2label, { 0: "neg", 1: "pos" });
  assert.throws(() => base.withLabels({ numLabels: 3, id2label: { 0: "a", 1: "b" } }), /disagrees/);
  assert.equal(BertConfig.fromDict({ ...SMALL, classifier_dropout: null, hidden_dropout_prob: 0.2 }).classifierDropout, 0.2);
  assert.throws(() => BertConfig.fromDict({ ...SMALL, hidden_act: "swish" }), /hidden_act "swish" is not supported/);
  assert.throws(() => BertConfig.fromDict({ ...SMALL, num_attention_heads: 3 }), /not a multiple/);
  assert.throws(() => BertConfig.fromDict({ ...SMALL, position_embedding_type: "relative_key" }), /position_embedding_type/);
});

test("a checkpoint with another label count: clear error, or re-initialised with ignoreMismatchedSizes", async () => {
  const model = BertForSequenceClassification.fromConfig(SMALL, { seed: 1 });
  const dir = path.join(tmp, "two-labels");
  await model.savePretrained(dir);
  await assert.rejects(BertForSequenceClassification.fromPretrained(dir, { numLabels: 3, quiet: true }), /classifier\.weight .* has shape \[2, 16\] but the model expects \[3, 16\].*numLabels=2/s);
  const three = await BertForSequenceClassification.fromPretrained(dir, { numLabels: 3, ignoreMismatchedSizes: true, quiet: true });
  assert.deepEqual(three.loadReport?.mismatchedKeys.map((m) => m.key), ["classifier.weight", "classifier.bias"]);
  assert.deepEqual(tf.tidy(() => three.forward(batch()).logits.shape), [2, 3]);
  model.dispose();
  three.dispose();
});

test("legacy names without the bert. prefix, F16 and BF16 checkpoints load", async () => {
  const model = BertForSequenceClassification.fromConfig(SMALL, { seed: 5 });
  const ref = logitsOf(model);
  for (const dtype of ["F32", "F16", "BF16"] as const) {
    const dir = path.join(tmp, `legacy-${dtype}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...SMALL, architectures: ["BertModel"] }));
    const tensors: Array<[string, TensorToWrite]> = [];
    for (const [name, v] of model.namedParameters()) {
      let key = name.replace(/^bert\./, "").replace(/LayerNorm\.weight$/, "LayerNorm.gamma").replace(/LayerNorm\.bias$/, "LayerNorm.beta");
      if (name.startsWith("classifier.")) key = name;
      tensors.push([key, { dtype, shape: v.shape, data: v.dataSync() as Float32Array }]);
    }
    tensors.push(["embeddings.position_ids", { dtype: "I64", shape: [1, 64], data: Int32Array.from({ length: 64 }, (_, i) => i) }]);
    writeSafetensors(path.join(dir, "model.safetensors"), tensors);
    const loaded = await BertForSequenceClassification.fromPretrained(dir, { quiet: true });
    const r = loaded.loadReport!;
    assert.deepEqual(r.missingKeys, [], dtype);
    assert.deepEqual(r.unexpectedKeys, [], dtype);
    assert.deepEqual(r.dtypes, [dtype]);
    const got = logitsOf(loaded);
    const tol = dtype === "F32" ? 0 : dtype === "F16" ? 1e-3 : 1e-2;
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - ref[i]) <= tol, `${dtype}: logit ${i} ${got[i]} vs ${ref[i]}`);
    loaded.dispose();
  }
  model.dispose();
});

test("missing files and folders give errors that say what to do", async () => {
  const empty = path.join(tmp, "empty");
  fs.mkdirSync(empty, { recursive: true });
  await assert.rejects(BertForSequenceClassification.fromPretrained(empty, { quiet: true }), /has no config\.json/);
  fs.writeFileSync(path.join(empty, "config.json"), JSON.stringify(SMALL));
  fs.writeFileSync(path.join(empty, "pytorch_model.bin"), "");
  await assert.rejects(BertForSequenceClassification.fromPretrained(empty, { quiet: true }), /pytorch_model\.bin is not a valid PyTorch checkpoint: the file is empty/);
  await assert.rejects(BertForSequenceClassification.fromPretrained(path.join(tmp, "nope", "model"), { quiet: true }), /Model folder not found/);
  const m = BertForSequenceClassification.fromConfig(SMALL);
  m.dispose();
  assert.throws(() => m.forward(batch()), /disposed/);
});
