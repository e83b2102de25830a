// Presets: the tutorial's settings for paper, quick's BERT-Tiny sample run, the run folder from the environment,
// the random-weights fallback said in one line when BERT-Tiny cannot be had, and clear errors.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BERT_TINY_REPO, describePreset, PRESETS, presetRunDir, TUTORIAL_SENTENCES, usePreset } from "../src/presets";
import { withEnv } from "./env";

test("paper is the tutorial: bert-base-uncased, all rows, learning rate 2e-5, 3 epochs", () => {
  const p = PRESETS.paper;
  assert.equal(p.modelName, "bert-base-uncased");
  assert.equal(p.modelShape, null);
  assert.equal(p.sample, null);
  assert.equal(p.learningRate, 2e-5);
  assert.equal(p.numTrainEpochs, 3);
  assert.equal(TUTORIAL_SENTENCES.length, 10);
});

test("quick fine-tunes BERT-Tiny on a seeded sample", () => {
  const q = PRESETS.quick;
  assert.equal(q.modelName, "google/bert_uncased_L-2_H-128_A-2");
  assert.equal(q.tokenizerName, "bert-base-uncased");
  assert.deepEqual(q.sample, { train: 1800, validation: 200, test: 1000 });
  assert.ok(q.modelShape && q.modelShape.hidden_size % q.modelShape.num_attention_heads === 0);
});

test("the run folder comes from the environment", () => {
  assert.equal(withEnv({ BERT_IMDB_RUN_DIR: "/tmp/x-run" }, () => presetRunDir("paper")), "/tmp/x-run");
  assert.equal(withEnv({ BERT_IMDB_RUN_DIR: undefined, BERT_IMDB_RUNS_DIR: "/tmp/runs" }, () => presetRunDir("quick")), "/tmp/runs/quick");
});

test("offline without BERT-Tiny in the cache, quick falls back to random weights and says why in one line", async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "bert-imdb-preset-"));
  const p = await withEnv({ HF_HUB_OFFLINE: "1", HF_HUB_CACHE: cache, BERT_IMDB_PRESET: undefined }, () => usePreset(undefined, { quiet: true }));
  assert.equal(p.name, "quick");
  assert.equal(p.pretrained, false);
  assert.match(p.fallbackReason ?? "", /offline.*not in the hub cache/);
  assert.match(describePreset(p), /random weights/);
  // with config.json and weights in the cache it is pretrained
  const snap = path.join(cache, `models--${BERT_TINY_REPO.replace("/", "--")}`, "snapshots", "a".repeat(40));
  fs.mkdirSync(snap, { recursive: true });
  fs.mkdirSync(path.join(cache, `models--${BERT_TINY_REPO.replace("/", "--")}`, "refs"), { recursive: true });
  fs.writeFileSync(path.join(cache, `models--${BERT_TINY_REPO.replace("/", "--")}`, "refs", "main"), "a".repeat(40));
  for (const f of ["config.json", "pytorch_model.bin"]) fs.writeFileSync(path.join(snap, f), "x");
  const q = await withEnv({ HF_HUB_OFFLINE: "1", HF_HUB_CACHE: cache }, () => usePreset("quick", { quiet: true }));
  assert.equal(q.pretrained, true);
  const paper = await withEnv({ HF_HUB_OFFLINE: "1", HF_HUB_CACHE: cache }, () => usePreset("paper", { quiet: true }));
  assert.equal(paper.pretrained, true, "paper never falls back: loading the model says what is missing");
});

test("an unknown preset is an error that names the choices", async () => {
  await assert.rejects(usePreset("fast"), /Unknown preset "fast".*paper.*quick/);
});
