// The Hugging Face-shaped API the notebooks are written in: Dataset.map's fingerprint cache (a hit, a miss on a
// changed option even when it comes from a variable outside the function, newFingerprint, a damaged entry),
// setFormat feeding the Trainer, TrainingArguments that decide the training (learningRate: 0 leaves every
// weight as it was), checkpoints made with other arguments or data never resumed, HF's evaluate keys, and
// pipeline's { model, tokenizer } form.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { AutoTokenizer, Dataset, embeddedTokenizerDir, IntSequences, range, tf } from "../src/index";
import { AutoModelForSequenceClassification, pipeline, precisionRecallFscoreSupport, accuracyScore, Trainer, TrainingArguments, type EvalPrediction } from "../src/index";
import { silence, TINY_CONFIG } from "./trainHelpers";

const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `bert-imdb-${name}-`));
const REVIEWS = [
  "A wonderful film, moving and beautifully shot.",
  "Dull. I walked out after an hour.",
  "The acting was superb but the plot made no sense at all, which is a pity because the first half promised a great deal more than the second delivered.",
  "Not bad.",
  "One of the worst movies I have seen this year.",
  "I loved every minute of it!",
];

function reviews(cacheDir?: string): Dataset {
  return Dataset.fromDict({ text: REVIEWS, label: [1, 0, 1, 1, 0, 1] }, { cacheDir, fingerprint: "reviews-v1" });
}

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  return silence(fn);
}

test("Dataset.map caches by fingerprint: the second identical map reads the stored columns", async () => {
  const tokenizer = await AutoTokenizer.fromPretrained(embeddedTokenizerDir());
  const dir = tmp("map");
  let calls = 0;
  const fn = (examples: { text: string[] }) => {
    calls += 1;
    return tokenizer(examples.text, { truncation: true, padding: "max_length", maxLength: 16 });
  };
  const first = await quietly(() => reviews(dir).map(fn, { batched: true, removeColumns: ["text"] }));
  assert.deepEqual(first.columnNames, ["label", "input_ids", "attention_mask", "token_type_ids"]);
  assert.equal((first.rawColumn("input_ids") as IntSequences).fixedWidth(), 16);
  const entries = fs.readdirSync(dir).filter((f) => f.startsWith("cache-"));
  assert.equal(entries.length, 1, "one cache entry written");
  const callsFirst = calls;
  const second = await quietly(() => reviews(dir).map(fn, { batched: true, removeColumns: ["text"] }));
  assert.equal(calls - callsFirst, 1, "only the probe rows ran the second time, not the whole dataset");
  assert.equal(second.fingerprint, first.fingerprint);
  assert.deepEqual(second.column("input_ids"), first.column("input_ids"));
  assert.deepEqual(second.column("label"), first.column("label"));
  // and the ids are the tokenizer's own
  const direct = await tokenizer(REVIEWS, { truncation: true, padding: "max_length", maxLength: 16 });
  assert.deepEqual(second.column("input_ids"), direct.input_ids);
});

test("a changed maxLength is never answered with the old ids, also when it comes from a variable outside the function", async () => {
  const tokenizer = await AutoTokenizer.fromPretrained(embeddedTokenizerDir());
  const dir = tmp("map-miss");
  let maxLength = 16;
  const fn = (examples: { text: string[] }) => tokenizer(examples.text, { truncation: true, padding: "max_length", maxLength });
  const a = await quietly(() => reviews(dir).map(fn, { batched: true }));
  maxLength = 8;
  const b = await quietly(() => reviews(dir).map(fn, { batched: true }));
  assert.notEqual(b.fingerprint, a.fingerprint);
  assert.equal((b.rawColumn("input_ids") as IntSequences).fixedWidth(), 8);
  // an option written in the call changes the fingerprint too
  const c = await quietly(() => reviews(dir).map((ex: { text: string[] }) => tokenizer(ex.text, { truncation: true, padding: "max_length", maxLength: 12 }), { batched: true }));
  assert.equal((c.rawColumn("input_ids") as IntSequences).fixedWidth(), 12);
  // and a non-tokenizer function reading an outer variable: caught by the probe rows' output
  let suffix = "!";
  const g = (ex: { text: string[] }) => ({ shout: ex.text.map((t) => t + suffix) });
  const s1 = await quietly(() => reviews(dir).map(g, { batched: true }));
  suffix = "?";
  const s2 = await quietly(() => reviews(dir).map(g, { batched: true }));
  assert.ok((s2.column("shout") as string[]).every((t) => t.endsWith("?")));
  assert.notEqual(s1.fingerprint, s2.fingerprint);
});

test("newFingerprint names the result and its cache entry; a damaged entry is recomputed", async () => {
  const dir = tmp("map-fp");
  const fn = (ex: { text: string[] }) => ({ n: ex.text.map((t) => t.length) });
  const a = await quietly(() => reviews(dir).map(fn, { batched: true, newFingerprint: "lengths-v1" }));
  assert.equal(a.fingerprint, "lengths-v1");
  assert.ok(fs.existsSync(path.join(dir, "cache-lengths-v1", "dataset_info.json")));
  // the caller's name decides: the same name is a cache hit even for another function (as in HF datasets)
  const b = await quietly(() => reviews(dir).map((ex: { text: string[] }) => ({ n: ex.text.map(() => 0) }), { batched: true, newFingerprint: "lengths-v1" }));
  assert.deepEqual(b.column("n"), a.column("n"));
  // damage the stored column: the next map warns and computes again
  const col = fs.readdirSync(path.join(dir, "cache-lengths-v1")).find((f) => f.endsWith(".bin") && !f.includes("offsets"))!;
  fs.truncateSync(path.join(dir, "cache-lengths-v1", col), 10);
  const warn = console.warn;
  const warned: string[] = [];
  console.warn = (m: unknown) => void warned.push(String(m));
  try {
    const c = await quietly(() => reviews(dir).map(fn, { batched: true, newFingerprint: "lengths-v1" }));
    assert.deepEqual(c.column("n"), REVIEWS.map((t) => t.length));
  } finally {
    console.warn = warn;
  }
  assert.match(warned.join("\n"), /damaged/);
  await assert.rejects(reviews(dir).map(fn, { newFingerprint: "no spaces allowed" }), /newFingerprint/);
});

test("select / shuffle / trainTestSplit are seeded and carry fingerprints; setFormat hands out tensors", () => {
  const ds = reviews();
  const s1 = ds.shuffle({ seed: 42 }).select(range(4));
  const s2 = ds.shuffle({ seed: 42 }).select(range(4));
  assert.equal(s1.fingerprint, s2.fingerprint);
  assert.notEqual(ds.shuffle({ seed: 1 }).fingerprint, s1.fingerprint);
  const parts = ds.trainTestSplit({ testSize: 0.34, seed: 42 });
  assert.equal(parts.test.numRows, 3);
  const seen = new Set(parts.train.sourceIndices);
  assert.ok([...parts.test.sourceIndices].every((i) => !seen.has(i)), "disjoint");
  const tok = Dataset.fromDict({ input_ids: [[1, 2, 3], [4, 5, 6]], attention_mask: [[1, 1, 1], [1, 1, 0]], label: [0, 1] });
  tok.setFormat({ type: "tfjs", columns: ["input_ids", "label"] });
  const batch = tok.slice(0, 2) as Record<string, tf.Tensor>;
  assert.deepEqual(Object.keys(batch), ["input_ids", "label"]);
  assert.deepEqual(batch.input_ids.shape, [2, 3]);
  assert.equal(batch.input_ids.dtype, "int32");
  tf.dispose(Object.values(batch));
  assert.throws(() => tok.setFormat({ type: "torch" }), /tfjs/);
});

/** A tokenized dataset for TINY_CONFIG (vocab 64), rows of 16 ids. */
function tinyTokenized(rows: number, seed: number): Dataset {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const ids: number[][] = [];
  const mask: number[][] = [];
  const label: number[] = [];
  for (let r = 0; r < rows; r++) {
    const len = 4 + Math.floor(rnd() * 12);
    ids.push(Array.from({ length: 16 }, (_, i) => (i === 0 ? 2 : i < len ? 5 + Math.floor(rnd() * 58) : 0)));
    mask.push(Array.from({ length: 16 }, (_, i) => (i < len ? 1 : 0)));
    label.push(r % 2);
  }
  const ds = Dataset.fromDict({ input_ids: ids, attention_mask: mask, label }, { fingerprint: `tiny-${rows}-${seed}` });
  ds.setFormat({ type: "tfjs", columns: ["input_ids", "attention_mask", "label"] });
  return ds;
}

function snapshot(model: { namedParameters(): Array<[string, tf.Variable]> }): Map<string, Float32Array> {
  return new Map(model.namedParameters().map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
}

function computeMetrics(pred: EvalPrediction) {
  const labels = pred.labelIds;
  const preds = pred.predictions.argMax(-1);
  const [precision, recall, f1] = precisionRecallFscoreSupport(labels, preds, { average: "binary" });
  return { accuracy: accuracyScore(labels, preds), precision, recall, f1 };
}

function argsFor(outputDir: string, learningRate: number) {
  return new TrainingArguments({ outputDir, learningRate, numTrainEpochs: 1, perDeviceTrainBatchSize: 4, perDeviceEvalBatchSize: 4, evalStrategy: "epoch", saveStrategy: "epoch", disableTqdm: true, reportTo: "none" });
}

test("TrainingArguments decide the training: learningRate 0 leaves every weight as it was, 1e-3 does not", async () => {
  for (const lr of [0, 1e-3]) {
    const model = AutoModelForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 7 });
    const before = snapshot(model);
    const trainer = new Trainer({ model, args: argsFor(tmp("lr"), lr), trainDataset: tinyTokenized(12, 1), evalDataset: tinyTokenized(8, 2), computeMetrics });
    await silence(() => trainer.train());
    const after = snapshot(model);
    const changed = [...before].filter(([n, v]) => !v.every((x, i) => x === after.get(n)![i])).map(([n]) => n);
    if (lr === 0) assert.deepEqual(changed, [], "no parameter moves with learningRate 0");
    else assert.ok(changed.length === before.size, `every parameter moves with learningRate ${lr} (${changed.length} of ${before.size})`);
    trainer.dispose();
    model.dispose();
  }
});

test("evaluate returns HF's keys, computeMetrics receiving EvalPrediction tensors", async () => {
  const model = AutoModelForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 7 });
  const trainer = new Trainer({ model, args: argsFor(tmp("eval"), 1e-3), trainDataset: tinyTokenized(12, 1), evalDataset: tinyTokenized(8, 2), computeMetrics });
  const before = tf.memory().numTensors;
  const r = await silence(() => trainer.evaluate(tinyTokenized(10, 3)));
  assert.deepEqual(Object.keys(r).sort(), ["eval_accuracy", "eval_f1", "eval_loss", "eval_precision", "eval_recall", "eval_runtime", "eval_samples_per_second", "eval_steps_per_second"]);
  assert.equal(tf.memory().numTensors, before, "the EvalPrediction tensors are disposed");
  await silence(() => trainer.train());
  const after = await silence(() => trainer.evaluate(tinyTokenized(10, 3)));
  assert.equal(after.epoch, 1);
  model.dispose();
});

test("a checkpoint made with other arguments or data is never resumed; the same settings resume it", async () => {
  const out = tmp("resume");
  const train = tinyTokenized(12, 1);
  const evalData = tinyTokenized(8, 2);
  const m1 = AutoModelForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 7 });
  await silence(() => new Trainer({ model: m1, args: argsFor(out, 1e-3), trainDataset: train, evalDataset: evalData }).train());
  const ckpt = path.join(out, "checkpoint-3");
  assert.ok(fs.existsSync(ckpt));

  const same = new Trainer({ model: AutoModelForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 7 }), args: argsFor(out, 1e-3), trainDataset: train, evalDataset: evalData });
  assert.equal(same.lastCheckpoint(), ckpt);

  const otherLr = new Trainer({ model: AutoModelForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 7 }), args: argsFor(out, 2e-3), trainDataset: train, evalDataset: evalData });
  assert.equal(await silence(async () => otherLr.lastCheckpoint()), null);
  await assert.rejects(silence(() => otherLr.train({ resumeFromCheckpoint: ckpt })), /learning_rate 0\.001 → 0\.002/);
  await assert.rejects(silence(() => otherLr.train({ resumeFromCheckpoint: true })), /trained with other settings/);

  const otherData = new Trainer({ model: AutoModelForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 7 }), args: argsFor(out, 1e-3), trainDataset: tinyTokenized(12, 9), evalDataset: evalData });
  assert.equal(await silence(async () => otherData.lastCheckpoint()), null);
  // training afresh sets the old checkpoints aside instead of mixing them with the new run's
  await silence(() => otherData.train());
  assert.ok(fs.readdirSync(out).some((f) => f.startsWith("superseded-")));
  assert.equal(otherData.lastCheckpoint(), ckpt);
});

test("pipeline takes { model, tokenizer } as transformers does, with the same answers as the folder form", async () => {
  const dir = tmp("pipe");
  const model = AutoModelForSequenceClassification.fromConfig({ ...TINY_CONFIG, vocab_size: 30522, max_position_embeddings: 128 }, { seed: 3, numLabels: 2 });
  await model.savePretrained(dir);
  (await AutoTokenizer.fromPretrained(embeddedTokenizerDir())).savePretrained(dir);
  model.dispose();
  const a = await silence(() => pipeline("sentiment-analysis", { model: dir, tokenizer: dir }));
  const b = await silence(() => pipeline("sentiment-analysis", dir));
  const ra = await a(REVIEWS);
  const rb = await b(REVIEWS);
  assert.deepEqual(ra, rb);
  assert.ok(ra.every((r) => r.label === "LABEL_0" || r.label === "LABEL_1"), "numLabels without names gives LABEL_i, as in transformers");
  // on the CPU backends ONNX Runtime runs the model; TensorFlow.js gives the same answers
  if (["wasm", "cpu"].includes(tf.getBackend())) assert.equal(a.runtime, "onnxruntime");
  const c = await silence(() => pipeline("sentiment-analysis", dir, { runtime: "tfjs" }));
  assert.equal(c.runtime, "tfjs");
  const rc = await c(REVIEWS);
  rc.forEach((r, i) => {
    assert.equal(r.label, ra[i].label);
    assert.ok(Math.abs(r.score - ra[i].score) <= 1e-6, `score ${r.score} vs ${ra[i].score}`);
  });
  a.dispose();
  b.dispose();
  c.dispose();
  await assert.rejects(pipeline("sentiment-analysis", {} as never), /needs a model/);
});

test("AutoConfig.fromPretrained applies overrides as transformers' kwargs; AutoModelForSequenceClassification builds from it", async () => {
  const { AutoConfig } = await import("../src/index");
  const { withEnv } = await import("./env");
  const cache = tmp("autoconfig-cache");
  // offline with an empty hub cache: bert-base-uncased's config.json comes from the copy shipped in assets/
  const cfg = await withEnv({ HF_HUB_OFFLINE: "1", HF_HUB_CACHE: cache }, () =>
    AutoConfig.fromPretrained("bert-base-uncased", { hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 512, num_labels: 2 }),
  );
  assert.equal(cfg.hiddenSize, 128);
  assert.equal(cfg.numHiddenLayers, 2);
  assert.equal(cfg.vocabSize, 30522, "the rest is bert-base-uncased's");
  assert.deepEqual(cfg.id2label, { 0: "LABEL_0", 1: "LABEL_1" });
  const named = await withEnv({ HF_HUB_OFFLINE: "1", HF_HUB_CACHE: cache }, () =>
    AutoConfig.fromPretrained("bert-base-uncased", { id2label: { 0: "NEGATIVE", 1: "POSITIVE" } }),
  );
  assert.deepEqual(named.label2id, { NEGATIVE: 0, POSITIVE: 1 });
  const model = AutoModelForSequenceClassification.fromConfig({ ...cfg.raw, num_hidden_layers: 1 }, { seed: 1 });
  const names = model.namedParameters().map(([n]) => n);
  assert.ok(names.includes("bert.encoder.layer.0.attention.self.query.weight") && names.includes("classifier.weight"), "HF's parameter names");
  model.dispose();
  // a folder whose config is not BERT is refused, naming its model_type
  const dir = tmp("not-bert");
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ model_type: "gpt2", n_embd: 8 }));
  await assert.rejects(AutoConfig.fromPretrained(dir), /model_type "gpt2"; this implementation is BERT/);
  await assert.rejects(AutoModelForSequenceClassification.fromPretrained(dir), /model_type "gpt2"/);
});
