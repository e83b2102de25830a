// Parity of our pipeline and transformers.js on a model this project trained itself (not only on the golden
// tiny model): the quick preset's small BERT, trained for a few dozen steps on generated reviews, then saved
// (saveFineTuned), exported (exportOnnx) and run through both pipelines, and through Python transformers where installed.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { initBackend } from "../src/backends/index";
import { PRESETS, TUTORIAL_SENTENCES } from "../src/presets";
import { syntheticImdb } from "../src/datasets/index";
import { computeMetrics } from "../src/metrics/index";
import { BertConfig, BertForSequenceClassification } from "../src/models/index";
import { IMDB_ID2LABEL as SENTIMENT_ID2LABEL } from "../src/models/save";
import { loadTokenizer } from "../src/tokenizers/index";
import { Trainer } from "../src/trainer/index";
import { checkWithPythonTransformers } from "../src/models/save";
import { tempDir } from "./onnxHelpers";
import { transformersPython } from "./pythonHf";
import { comparePipelines, exportedFolder } from "./pipelineParity";

const ASSETS = path.join(__dirname, "..", "assets", "bert-base-uncased");

test("a freshly trained quick-preset model gives the same labels and scores in transformers.js and Python transformers", async (t) => {
  await initBackend(undefined, { quiet: true });
  const tokenizer = await loadTokenizer(ASSETS);
  const data = syntheticImdb({ trainSize: 320, testSize: 64, seed: 3 });
  const maxLength = 32;
  const enc = async (ds: { text: string[]; label: Int32Array }) => ({ ...(await tokenizer.encodeBatch(ds.text, { maxLength })), labels: ds.label });
  const train = await enc(data.train);

  // Dropout off: this test is about parity on trained weights, and 120 steps on 320 reviews must reliably move
  // a from-scratch model away from its near-constant start (with dropout some seeds barely move in that budget).
  const config = BertConfig.fromDict(BertConfig.fromFile(path.join(ASSETS, "config.json")).raw, {
    ...PRESETS.quick.modelShape,
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
  });
  const model = BertForSequenceClassification.fromConfig(config, { numLabels: 2, id2label: SENTIMENT_ID2LABEL, seed: 5 });
  const trainer = new Trainer({
    model,
    args: { outputDir: tempDir("trained-parity"), evalStrategy: "no", saveStrategy: "no", numTrainEpochs: 10, learningRate: 1e-3, warmupSteps: 10, perDeviceTrainBatchSize: 16, loggingSteps: 1000, seed: 5, disableTqdm: true },
    trainDataset: train,
    computeMetrics,
  });
  const before = await trainer.evaluate(train);
  await trainer.train();
  const metrics = await trainer.evaluate(train);
  // Training must have moved the weights somewhere better, or "trained" would mean nothing here.
  assert.ok(metrics.eval_loss < before.eval_loss, `training loss did not go down: ${before.eval_loss} → ${metrics.eval_loss}`);

  const dir = await exportedFolder(model, tokenizer, "trained");
  const texts = [...TUTORIAL_SENTENCES, ...data.test.text.slice(0, 16)];
  const r = await comparePipelines(dir, texts);
  console.log(`# trained model: loss ${before.eval_loss.toFixed(4)} → ${metrics.eval_loss.toFixed(4)}, max score diff ${r.maxScoreDiff.toExponential(2)}`);
  assert.deepEqual(r.labelMismatches, []);
  assert.ok(r.maxScoreDiff <= 1e-4, `max score difference ${r.maxScoreDiff}`);
  // The outputs must depend on the text (a collapsed model would make the comparison trivial).
  const pPositive = r.ours.map((x) => (x.label === "POSITIVE" ? x.score : 1 - x.score));
  const spread = Math.max(...pPositive) - Math.min(...pPositive);
  console.log(`# P(positive) spread over the texts: ${spread.toFixed(4)}`);
  assert.ok(spread > 0.02, `P(positive) barely varies across texts (${spread})`);

  // Python transformers on the same folder (where installed): the same labels and scores.
  const python = transformersPython(t, { skip: false });
  if (python) {
    const py = await checkWithPythonTransformers(dir, texts, { python });
    assert.deepEqual(py.loading_info.missing_keys, []);
    assert.deepEqual(py.loading_info.unexpected_keys, []);
    const worst = Math.max(...r.ours.map((x, i) => Math.abs(x.score - py.pipeline[i].score)));
    console.log(`# trained model in Python transformers ${py.versions.transformers}: max score diff ${worst.toExponential(2)}`);
    assert.deepEqual(py.pipeline.map((x) => x.label), r.ours.map((x) => x.label));
    assert.ok(worst <= 1e-5, `Python's scores differ from ours by ${worst}`);
  }
  model.dispose();
});
