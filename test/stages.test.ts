// Stages 01-04 wired together on a temporary run directory: each stage reads the previous one's artifact,
// 03 reuses stored ids when nothing changed and re-tokenizes (saying why) when maxLength or the split changes,
// and a stale 03 refuses to feed 04.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { getRunConfig, RunConfig } from "../src/config";
import { runLoadStage } from "../src/datasets/stage";
import { runSplitStage, loadSplitStage } from "../src/datasets/splitStage";
import { runTokenizeStage, loadTokenizeStage } from "../src/tokenizers/stage";
import { runFormatStage, loadFormatStage } from "../src/trainer/formatStage";

const FIXTURE = path.join(__dirname, "fixtures", "data", "imdb-snappy");

function config(runDir: string, over: Partial<RunConfig> = {}): RunConfig {
  return getRunConfig("quick", { runDir, dataDir: FIXTURE, sample: undefined, validationSize: 0.25, maxLength: 32, tokenizerId: path.join(__dirname, "..", "assets", "bert-base-uncased"), ...over });
}

test("stages 01-04 chain through their artifacts and invalidate downstream on change", async () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "stages-"));
  const cfg = config(runDir);
  const loaded = await runLoadStage(cfg, { expectedRows: null });
  assert.equal(loaded.source.kind, "local");
  assert.equal(loaded.train.numRows, 24);
  const split = await runSplitStage(cfg);
  assert.equal(split.validation.numRows, 6);
  assert.equal(split.train.numRows, 18);

  const first = await runTokenizeStage(cfg);
  assert.equal(first.cached, false);
  assert.equal(first.splits.train.encoded.rows, 18);
  assert.equal(first.splits.train.encoded.maxLength, 32);
  assert.deepEqual(Array.from(first.splits.validation.labels), Array.from(split.validation.label));

  const again = await runTokenizeStage(cfg);
  assert.equal(again.cached, true, again.reason);
  assert.deepEqual(again.splits.test.encoded.inputIds, first.splits.test.encoded.inputIds);

  const longer = await runTokenizeStage(config(runDir, { maxLength: 48 }));
  assert.equal(longer.cached, false);
  assert.match(longer.reason, /maxLength/);
  assert.doesNotMatch(longer.reason, /re-run/, "a stage that just redid its work does not ask for a re-run");
  assert.equal(longer.splits.train.encoded.maxLength, 48);

  const fmt = await runFormatStage(cfg);
  assert.equal(fmt.loaders.train.numBatches, Math.ceil(18 / 16));
  assert.equal(loadFormatStage(cfg).params.perDeviceTrainBatchSize, 16);

  // A new split seed: 03 and 04 become stale and say what to re-run.
  await runSplitStage(config(runDir, { seed: 7 }));
  assert.throws(() => loadTokenizeStage(cfg), /02-split.*re-run 03-tokenize/s);
  assert.throws(() => loadFormatStage(cfg), /re-run 03-tokenize/);
  const retok = await runTokenizeStage(config(runDir, { seed: 7 }));
  assert.equal(retok.cached, false);
  assert.equal(loadSplitStage(cfg).train.numRows, 18);
});
