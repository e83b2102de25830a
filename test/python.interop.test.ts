// The saved folder is a first-class Hugging Face artifact: Python transformers (AutoConfig,
// AutoModelForSequenceClassification, AutoTokenizer, pipeline) loads what saveFineTuned wrote without a
// missing or unexpected key, builds the same token ids, and gives the logits and pipeline results of this
// project's model and pipeline; and the ONNX export passes the onnx package's checker and computes, in ONNX's
// reference evaluator, PyTorch's logits. Needs a Python with transformers + torch + onnx (npm run python:setup); skips,
// saying why, without one, unless BERT_IMDB_REQUIRE_PYTHON_HF=1 (as in .ci/run).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { initBackend } from "../src/backends";
import { tf } from "../src/backends/tf";
import { TUTORIAL_SENTENCES } from "../src/presets";
import { BertForSequenceClassification } from "../src/models";
import { pipeline } from "../src/pipelines";
import { exportOnnx } from "../src/onnx";
import { checkOnnxWithPython, checkWithPythonTransformers, saveFineTuned } from "../src/models/save";
import { loadTokenizer, type BertTokenizerFast } from "../src/tokenizers";
import { maxAbsDiff } from "./compare";
import { spreadTinyModel, tempDir } from "./onnxHelpers";
import { goldenTexts } from "./pipelineParity";
import { transformersPython } from "./pythonHf";
import { requireShared, sharedPath } from "./shared";

/** A live model saved through saveFineTuned (with the bert-base-uncased tokenizer): spreadTinyModel(seed). */
async function savedSpreadModel(seed: number, name: string): Promise<{ model: BertForSequenceClassification; tokenizer: BertTokenizerFast; dir: string }> {
  await initBackend(undefined, { quiet: true });
  const model = spreadTinyModel(seed);
  const tokenizer = await loadTokenizer(sharedPath("bert-base-uncased"));
  const dir = path.join(tempDir(name), "model");
  await saveFineTuned(dir, { model, tokenizer });
  return { model, tokenizer, dir };
}

test("Python transformers loads a folder saved here and agrees with our model, tokenizer and pipeline", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/model/model.safetensors")) return;
  const python = transformersPython(t);
  if (!python) return;
  const { model, tokenizer, dir } = await savedSpreadModel(7, "py-saved");

  const reviews = goldenTexts().slice(12);
  // (`length` in the golden file counts tokens after truncation to 128; character counts pick long reviews.)
  const long = reviews.filter((g) => g.text.length > 4000).slice(0, 3).map((g) => g.text);
  const within = reviews.filter((g) => g.length > 60 && g.length < 128).slice(0, 5).map((g) => g.text);
  const texts = [...TUTORIAL_SENTENCES, ...within, ...long];
  const py = await checkWithPythonTransformers(dir, texts, { python });
  t.diagnostic(`Python transformers ${py.versions.transformers} / torch ${py.versions.torch}: ${py.model_class}, ${py.tokenizer_class}`);

  assert.equal(py.model_class, "BertForSequenceClassification");
  assert.deepEqual(py.config.architectures, ["BertForSequenceClassification"]);
  assert.deepEqual(py.config.id2label, { "0": "NEGATIVE", "1": "POSITIVE" });
  assert.deepEqual(py.config.label2id, { NEGATIVE: 0, POSITIVE: 1 });
  assert.equal(py.config.problem_type, "single_label_classification");
  assert.deepEqual(py.loading_info, { missing_keys: [], unexpected_keys: [], mismatched_keys: [], error_msgs: [] }, "a clean load report");
  assert.equal(py.model_max_length, 512);

  // Same ids (long reviews truncated to 512 with [SEP] kept), and on them the same logits.
  let worstLogits = 0;
  for (let i = 0; i < texts.length; i++) {
    const ours = await tokenizer.encode(texts[i], { maxLength: 512 });
    if (long.includes(texts[i])) assert.ok(ours.length === 512 && ours[511] === 102, "a long review is cut to 512 tokens ending in [SEP]");
    assert.deepEqual(py.input_ids[i], ours, `ids of text ${i}`);
    const logits = tf.tidy(() => model.forward({ inputIds: tf.tensor2d([ours], [1, ours.length], "int32") }).logits.dataSync() as Float32Array);
    worstLogits = Math.max(worstLogits, maxAbsDiff(logits, py.logits[i]));
  }
  assert.ok(worstLogits <= 1e-5, `logits differ from Python's by ${worstLogits}`);

  // pipeline("sentiment-analysis"): same labels, same scores.
  const clf = await pipeline("sentiment-analysis", dir, { batchSize: 8 });
  try {
    const ours = await clf(texts);
    const worstScore = Math.max(...ours.map((r, i) => Math.abs(r.score - py.pipeline[i].score)));
    assert.deepEqual(ours.map((r) => r.label), py.pipeline.map((r) => r.label));
    assert.ok(worstScore <= 1e-5, `scores differ from Python's pipeline by ${worstScore}`);
    const labels = new Set(ours.map((r) => r.label));
    assert.equal(labels.size, 2, "the texts get both labels, so label agreement means something");
    t.diagnostic(`${texts.length} texts (${long.length} beyond 512 tokens): max |logit diff| ${worstLogits.toExponential(2)}, max |score diff| ${worstScore.toExponential(2)}`);
  } finally {
    clf.dispose();
    model.dispose();
  }
});

test("the ONNX export passes onnx.checker (strict shape inference) and ONNX's reference evaluator gives PyTorch's logits", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/model/model.safetensors")) return;
  const python = transformersPython(t);
  if (!python) return;
  const { model, tokenizer, dir } = await savedSpreadModel(11, "py-onnx");
  try {
    await exportOnnx(dir);
  } finally {
    model.dispose();
  }
  const long = goldenTexts().slice(12).find((g) => g.text.length > 4000)!.text;
  const texts = [...TUTORIAL_SENTENCES.slice(0, 4), long];
  const enc = await tokenizer.encodeBatch(texts, { maxLength: 512 });
  const rows = (a: Int32Array) => texts.map((_, i) => Array.from(a.subarray(i * 512, (i + 1) * 512)));
  const r = await checkOnnxWithPython(dir, { inputIds: rows(enc.inputIds), attentionMask: rows(enc.attentionMask) }, { python });
  t.diagnostic(`onnx ${r.versions.onnx}: checker ${r.checker}; IR ${r.ir_version}, opsets ${JSON.stringify(r.opsets)}; reference evaluator vs PyTorch: max |logit diff| ${r.max_abs_diff_vs_torch.toExponential(2)} (max |logit| ${r.max_abs_logit.toFixed(3)})`);
  assert.equal(r.checker, "ok");
  assert.equal(r.ir_version, 8);
  assert.deepEqual(r.opsets, { "ai.onnx": 17 });
  assert.deepEqual(r.logits_shape, [texts.length, 2]);
  assert.ok(r.max_abs_logit > 0.05, "the logits must not all be ≈ 0 for the comparison to mean anything");
  assert.ok(r.max_abs_diff_vs_torch <= 1e-5, `ONNX reference vs PyTorch: ${r.max_abs_diff_vs_torch}`);
});
