// Run configuration: presets, environment overrides and clear errors.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { getRunConfig, PRESETS, TUTORIAL_SENTENCES } from "../src/config";
import { withEnv } from "./env";


test("paper preset carries the tutorial's hyper-parameters", () => {
  const p = PRESETS.paper;
  assert.equal(p.modelId, "bert-base-uncased");
  assert.equal(p.modelInit, "pretrained");
  assert.equal(p.maxLength, 128);
  assert.equal(p.perDeviceTrainBatchSize, 16);
  assert.equal(p.perDeviceEvalBatchSize, 16);
  assert.equal(p.learningRate, 2e-5);
  assert.equal(p.numTrainEpochs, 3);
  assert.equal(p.weightDecay, 0.01);
  assert.equal(p.sample, undefined);
  assert.equal(p.allowSyntheticData, false);
  assert.equal(TUTORIAL_SENTENCES.length, 10);
});

test("quick preset samples ~2,000/1,000 reviews with a small random model", () => {
  const q = PRESETS.quick;
  assert.deepEqual(q.sample, { train: 2000, test: 1000 });
  assert.equal(q.modelInit, "random");
  assert.ok(q.smallModel && q.smallModel.hidden_size % q.smallModel.num_attention_heads === 0);
  assert.equal(q.allowSyntheticData, true);
});

test("preset and run directory come from the environment", () => {
  const cfg = withEnv({ BERT_IMDB_PRESET: "paper", BERT_IMDB_RUN_DIR: "/tmp/x-run", IMDB_DATA_DIR: "rel/imdb" }, () => getRunConfig());
  assert.equal(cfg.preset, "paper");
  assert.equal(cfg.runDir, "/tmp/x-run");
  assert.equal(cfg.dataDir, path.resolve("rel/imdb"));
  const q = withEnv({ BERT_IMDB_PRESET: undefined, BERT_IMDB_RUN_DIR: undefined, BERT_IMDB_RUNS_DIR: "/tmp/runs" }, () => getRunConfig());
  assert.equal(q.preset, "quick");
  assert.equal(q.runDir, "/tmp/runs/quick");
});

test("an unknown preset names the valid ones", () => {
  assert.throws(() => getRunConfig("huge"), /Unknown preset "huge".*paper.*quick/);
});
