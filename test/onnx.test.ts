// ONNX export: the file's contract (what transformers.js / onnxruntime expect), numerical agreement with
// Hugging Face's own forward pass (golden logits of the tiny BERT), dynamic shapes, and clear errors.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "../src/backends/tf";
import { BertForSequenceClassification } from "../src/models";
import { BERT_ONNX_OPS, exportOnnx, inspectOnnx, irVersionForOpset } from "../src/onnx";
import { requireShared } from "./shared";
import { goldenBatches, maxAbsDiff, runOnnx, sharpenClassifier, spreadTinyModel, tempDir, tinySavedFolder } from "./onnxHelpers";

test("exportOnnx writes onnx/model.onnx with the transformers.js contract (from a saved folder, no live model)", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/model/model.safetensors")) return;
  const dir = tinySavedFolder(path.join(tempDir("onnx"), "saved"));
  const res = await exportOnnx(dir);
  assert.equal(res.file, path.join(dir, "onnx", "model.onnx"));
  assert.equal(res.opset, 17);
  assert.equal(res.irVersion, 8);
  assert.equal(fs.statSync(res.file).size, res.sizeBytes);
  assert.deepEqual(fs.readdirSync(path.join(dir, "onnx")), ["model.onnx"], "no temporary file is left behind");

  const s = inspectOnnx(res.file);
  assert.equal(s.irVersion, 8);
  assert.deepEqual(s.opsets, { "": 17 });
  assert.deepEqual(s.inputs, [
    { name: "input_ids", elemType: "INT64", dims: ["batch_size", "sequence_length"] },
    { name: "attention_mask", elemType: "INT64", dims: ["batch_size", "sequence_length"] },
    { name: "token_type_ids", elemType: "INT64", dims: ["batch_size", "sequence_length"] },
  ]);
  assert.deepEqual(s.outputs, [{ name: "logits", elemType: "FLOAT", dims: ["batch_size", 2] }]);
  const allowed = new Set<string>(BERT_ONNX_OPS);
  for (const op of Object.keys(s.ops)) assert.ok(allowed.has(op), `unexpected operator ${op}`);
  assert.equal(s.ops.Erf, 2, "exact GELU: one Erf per layer");
  assert.equal(s.ops.LayerNormalization, 5, "embeddings + 2 per layer");
  assert.ok(s.allRawData, "weights are stored as raw_data");
  // 1,011,426 parameters in the tiny model, plus 8 scalar constants.
  assert.equal(s.numFloatWeights, 1_011_426 + 5);
});

test("ONNX logits reproduce Hugging Face's forward pass (golden tiny BERT, padded batches)", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/golden_real_ids.safetensors")) return;
  const dir = tinySavedFolder(path.join(tempDir("onnx"), "saved"));
  const { file } = await exportOnnx(dir);
  for (const [name, b] of Object.entries(goldenBatches())) {
    const { logits, dims } = await runOnnx(file, b.inputIds, b.attentionMask, b.shape);
    assert.deepEqual(dims, [b.shape[0], 2]);
    const diff = maxAbsDiff(logits, b.logits);
    assert.ok(diff <= 1e-5, `${name}: max |onnx - HF| = ${diff}`);
  }
});

test("exportOnnx({ model }) reproduces the live TensorFlow.js model's logits", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/golden_real_ids.safetensors")) return;
  const models = [
    await BertForSequenceClassification.fromPretrained(requireShared(t, "golden/tiny-bert/model")!, { quiet: true }),
    // A wide random init and three labels: logits far from each other, so a wrong op would show.
    spreadTinyModel(3, 3),
  ];
  try {
    for (const model of models) {
      const dir = tempDir("onnx-live");
      const res = await exportOnnx(dir, { model });
      assert.equal(res.numLabels, model.config.numLabels);
      for (const [name, b] of Object.entries(goldenBatches())) {
        const want = tf.tidy(() =>
          model.forward({ inputIds: tf.tensor2d(b.inputIds, b.shape, "int32"), attentionMask: tf.tensor2d(b.attentionMask, b.shape, "int32") }).logits.dataSync() as Float32Array,
        );
        const { logits, dims } = await runOnnx(res.file, b.inputIds, b.attentionMask, b.shape);
        assert.deepEqual(dims, [b.shape[0], model.config.numLabels]);
        const diff = maxAbsDiff(logits, want);
        t.diagnostic(`${model.config.numLabels} labels, ${name}: max |onnx - tfjs| = ${diff.toExponential(2)}`);
        assert.ok(diff <= 1e-4, `${name}: max |onnx - tfjs| = ${diff}`);
      }
    }
  } finally {
    for (const m of models) m.dispose();
  }
});

test("the export has dynamic batch and sequence dims up to max_position_embeddings", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/model/model.safetensors")) return;
  const dir = tinySavedFolder(path.join(tempDir("onnx"), "saved"));
  const { file } = await exportOnnx(dir);
  for (const [b, s] of [[1, 2], [3, 17], [2, 512]] as Array<[number, number]>) {
    const ids = Int32Array.from({ length: b * s }, (_, i) => (i % s === 0 ? 101 : i % s === s - 1 ? 102 : 1000 + (i % 97)));
    const { logits, dims } = await runOnnx(file, ids, new Int32Array(b * s).fill(1), [b, s]);
    assert.deepEqual(dims, [b, 2]);
    assert.ok(logits.every(Number.isFinite));
  }
  // Padding: a row padded with anything must give the logits of the unpadded row.
  const short = await runOnnx(file, Int32Array.from([101, 2023, 3185, 102]), new Int32Array(4).fill(1), [1, 4]);
  const padded = await runOnnx(file, Int32Array.from([101, 2023, 3185, 102, 0, 7, 7]), Int32Array.from([1, 1, 1, 1, 0, 0, 0]), [1, 7]);
  assert.ok(maxAbsDiff(short.logits, padded.logits) <= 1e-6, `padding changed the logits by ${maxAbsDiff(short.logits, padded.logits)}`);
  // Past the position table onnxruntime refuses the input (the tokenizer truncates before this happens).
  await assert.rejects(runOnnx(file, new Int32Array(513).fill(1000), new Int32Array(513).fill(1), [1, 513], undefined, { quiet: true }));
});

test("newer opsets get their IR version and still load in onnxruntime", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/model/model.safetensors")) return;
  const dir = tinySavedFolder(path.join(tempDir("onnx"), "saved"));
  const b = goldenBatches().batch0;
  for (const opset of [18, 19, 21]) {
    const res = await exportOnnx(dir, { opset });
    assert.equal(res.irVersion, irVersionForOpset(opset));
    assert.equal(inspectOnnx(res.file).irVersion, opset === 18 ? 8 : opset === 19 ? 9 : 10);
    const { logits } = await runOnnx(res.file, b.inputIds, b.attentionMask, b.shape);
    assert.ok(maxAbsDiff(logits, b.logits) <= 1e-5);
  }
  await assert.rejects(exportOnnx(dir, { opset: 16 }), /opset 16 is not supported.*LayerNormalization/);
});

test("exportOnnx explains what is missing", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/model/model.safetensors")) return;
  const empty = tempDir("onnx-empty");
  await assert.rejects(exportOnnx(empty), /config\.json not found.*saveFineTuned/);
  const dir = tinySavedFolder(path.join(tempDir("onnx"), "saved"));
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
  await assert.rejects(exportOnnx(dir), /missing tensor bert\.encoder\.layer\.2\.attention\.self\.query\.weight/);
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...cfg, hidden_act: "gelu_new" }));
  await assert.rejects(exportOnnx(dir), /hidden_act "gelu_new" is not supported/);
  assert.ok(!fs.existsSync(path.join(dir, "onnx", "model.onnx")), "a failed export writes nothing");
});

test("the export puts [SEP] back on rows truncated without it at model_max_length, and touches nothing else", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/model/model.safetensors")) return;
  const dir = tinySavedFolder(path.join(tempDir("onnx"), "saved"), { transform: sharpenClassifier });
  const res = await exportOnnx(dir);
  assert.deepEqual(res.finalSep, { sepTokenId: 102, maxLength: 512 });
  assert.match(inspectOnnx(res.file).metadata.final_sep ?? "", /input_ids\[:, -1\] := 102 .* 512 tokens/);
  const plainDir = tinySavedFolder(path.join(tempDir("onnx"), "plain"), { transform: sharpenClassifier });
  const plain = await exportOnnx(plainDir, { finalSep: false });
  assert.equal(plain.finalSep, null);

  const piece = (i: number): number => 1000 + ((i * 7919) % 20000);
  const row = (n: number, end: number | null): number[] => [101, ...Array.from({ length: n }, (_, i) => piece(i)), ...(end === null ? [] : [end])];
  const cutBySep = row(510, 102); // Python's truncation: 510 pieces + [SEP]
  const cutBare = row(511, null); // transformers.js 4.3: 511 pieces, [SEP] dropped
  const run = async (file: string, rows: number[][], masks?: number[][]) =>
    runOnnx(file, Int32Array.from(rows.flat()), Int32Array.from((masks ?? rows.map((r) => r.map(() => 1))).flat()), [rows.length, rows[0].length]);
  const withFix = await run(res.file, [cutBare, cutBySep]);
  assert.ok(maxAbsDiff(withFix.logits.slice(0, 2), withFix.logits.slice(2, 4)) <= 1e-6, "a bare cut row scores like Python's truncation");
  const without = await run(plain.file, [cutBare, cutBySep]);
  assert.ok(maxAbsDiff(without.logits.slice(0, 2), without.logits.slice(2, 4)) > 1e-4, "without the fix the bare row differs (the test rows must tell them apart)");
  assert.ok(maxAbsDiff(withFix.logits.slice(2, 4), without.logits.slice(2, 4)) <= 1e-6, "rows that end with [SEP] are unchanged");

  // Shorter rows, and full-length rows whose last position is padding, are never touched.
  const short = [row(15, null)];
  assert.ok(maxAbsDiff((await run(res.file, short)).logits, (await run(plain.file, short)).logits) <= 1e-6, "a row below the limit keeps its last token");
  const padded = [[...row(300, 102), ...new Array(210).fill(0)]];
  const paddedMask = [padded[0].map((_, i) => (i < 302 ? 1 : 0))];
  const a = await run(res.file, padded, paddedMask);
  const b = await run(plain.file, padded, paddedMask);
  assert.ok(maxAbsDiff(a.logits, b.logits) <= 1e-6, "a padded full-length row is unchanged");
});
