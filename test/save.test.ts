// saveFineTuned / verifySaved / listSaved: the saved layout (what Python transformers and transformers.js
// read), an exact round trip through fromPretrained, atomicity (failures and crashes), clear errors.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "../src/backends/tf";
import { BertForSequenceClassification } from "../src/models";
import { readSafetensorsHeader } from "../src/safetensors";
import { listSaved, saveFineTuned, SAVED_FILES, SavedModelError, verifySaved } from "../src/models/save";
import { loadTokenizer } from "../src/tokenizers";
import { goldenBatches, tempDir } from "./onnxHelpers";
import { requireShared, sharedPath } from "./shared";

const TINY = () => sharedPath("golden", "tiny-bert", "model");
const TOKENIZER = () => sharedPath("bert-base-uncased");

async function loadTiny(): Promise<BertForSequenceClassification> {
  return BertForSequenceClassification.fromPretrained(TINY(), { quiet: true });
}

function logitsOf(model: BertForSequenceClassification, b: ReturnType<typeof goldenBatches>["batch0"]): Float32Array {
  return tf.tidy(() =>
    model.forward({ inputIds: tf.tensor2d(b.inputIds, b.shape, "int32"), attentionMask: tf.tensor2d(b.attentionMask, b.shape, "int32") }).logits.dataSync() as Float32Array,
  ).slice();
}

test("saveFineTuned writes the layout Python transformers and transformers.js read", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/model/model.safetensors")) return;
  const model = await loadTiny();
  const tokenizer = await loadTokenizer(TOKENIZER());
  const dir = path.join(tempDir("save"), "fine-tuned");
  try {
    const report = await saveFineTuned(dir, { model, tokenizer });
    assert.equal(report.numLabels, 2);
    assert.deepEqual(report.id2label, { "0": "NEGATIVE", "1": "POSITIVE" });
    assert.equal(report.numParameters, 1_011_426);
    assert.equal(report.modelMaxLength, 512);
    assert.equal(report.onnx, null);

    const files = listSaved(dir).map((f) => f.file);
    for (const f of SAVED_FILES) assert.ok(files.includes(f), `${f} written`);
    assert.ok(!fs.readdirSync(path.dirname(dir)).some((f) => f.includes(".tmp-")), "no temporary folder left");

    const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
    assert.deepEqual(config.architectures, ["BertForSequenceClassification"]);
    assert.deepEqual(config.id2label, { "0": "NEGATIVE", "1": "POSITIVE" });
    assert.deepEqual(config.label2id, { NEGATIVE: 0, POSITIVE: 1 });
    assert.equal(config.problem_type, "single_label_classification");
    assert.equal(config.model_type, "bert");
    assert.match(config.transformers_version, /^\d+\.\d+\.\d+/);
    for (const k of ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "layer_norm_eps", "max_position_embeddings", "vocab_size", "hidden_act"]) {
      assert.equal(config[k], model.config.toJSON()[k], k);
    }

    const tokCfg = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
    assert.equal(tokCfg.tokenizer_class, "BertTokenizer");
    assert.equal(tokCfg.model_max_length, 512);
    assert.equal(tokCfg.pad_token, "[PAD]");
    assert.equal(tokCfg.do_lower_case, true);
    const special = JSON.parse(fs.readFileSync(path.join(dir, "special_tokens_map.json"), "utf8"));
    assert.deepEqual(special, { unk_token: "[UNK]", sep_token: "[SEP]", pad_token: "[PAD]", cls_token: "[CLS]", mask_token: "[MASK]" });
    assert.equal(fs.readFileSync(path.join(dir, "vocab.txt"), "utf8"), fs.readFileSync(path.join(TOKENIZER(), "vocab.txt"), "utf8"));

    const header = readSafetensorsHeader(path.join(dir, "model.safetensors"));
    assert.equal(header.tensors.get("classifier.weight")?.dtype, "F32");
    assert.deepEqual(header.tensors.get("classifier.weight")?.shape, [2, 32]);
    assert.deepEqual(header.tensors.get("bert.encoder.layer.1.intermediate.dense.weight")?.shape, [64, 32]);
    assert.equal(header.tensors.size, 41); // embeddings 5 + 2 layers x 16 + pooler 2 + classifier 2

    // The saved tokenizer encodes as the source one does.
    const again = await loadTokenizer(dir);
    const texts = ["This movie was fantastic!", "It\u2019s not my kind of movie, but it was well-made."];
    assert.deepEqual(await again.encodeBatch(texts, { maxLength: 24 }), await tokenizer.encodeBatch(texts, { maxLength: 24 }));
  } finally {
    model.dispose();
  }
});

test("round trip: fromPretrained(savedDir) reproduces the in-memory model exactly", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/golden.safetensors")) return;
  const model = await loadTiny();
  const dir = path.join(tempDir("save"), "fine-tuned");
  await saveFineTuned(dir, { model, tokenizer: await loadTokenizer(TOKENIZER()) });
  const reloaded = await BertForSequenceClassification.fromPretrained(dir, { quiet: true });
  try {
    assert.deepEqual(reloaded.loadReport?.missingKeys, []);
    assert.deepEqual(reloaded.loadReport?.unexpectedKeys, []);
    const a = new Map(model.namedParameters());
    for (const [name, v] of reloaded.namedParameters()) {
      assert.deepEqual(v.dataSync(), a.get(name)!.dataSync(), `parameter ${name} is bit-identical`);
    }
    for (const b of Object.values(goldenBatches())) assert.deepEqual(logitsOf(reloaded, b), logitsOf(model, b));
    assert.deepEqual(reloaded.config.id2label, { 0: "NEGATIVE", 1: "POSITIVE" });
  } finally {
    model.dispose();
    reloaded.dispose();
  }
});

test("saveFineTuned is atomic: a failure keeps the previous folder, a crash leaves nothing that looks complete", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/model/model.safetensors")) return;
  const model = await loadTiny();
  const tokenizer = await loadTokenizer(TOKENIZER());
  const parent = tempDir("save-atomic");
  const dir = path.join(parent, "fine-tuned");
  try {
    const failing = { savePretrained: async () => { throw new Error("disk full (simulated)"); } };
    await assert.rejects(saveFineTuned(dir, { model, tokenizer: failing }), /disk full/);
    assert.deepEqual(fs.readdirSync(parent), [], "first save failed: no folder, no leftovers");

    await saveFineTuned(dir, { model, tokenizer });
    const before = listSaved(dir);
    await assert.rejects(saveFineTuned(dir, { model, tokenizer: failing }), /disk full/);
    assert.deepEqual(listSaved(dir), before, "failed re-save keeps the previous folder");
    verifySaved(dir);
  } finally {
    model.dispose();
  }

  // A process killed mid-save (here: exits inside the tokenizer's savePretrained) leaves only a hidden
  // temporary sibling that verifySaved rejects, never a folder at the target path.
  const crashDir = path.join(parent, "crashed");
  const script = `
    const { saveFineTuned } = require(${JSON.stringify(path.resolve(__dirname, "../src/models/save"))});
    const { BertForSequenceClassification } = require(${JSON.stringify(path.resolve(__dirname, "../src/models"))});
    (async () => {
      const model = await BertForSequenceClassification.fromPretrained(${JSON.stringify(TINY())}, { quiet: true });
      await saveFineTuned(${JSON.stringify(crashDir)}, { model, tokenizer: { savePretrained: () => process.exit(3) } });
    })();`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: path.resolve(__dirname, ".."), encoding: "utf8" });
  assert.equal(r.status, 3, r.stderr);
  assert.ok(!fs.existsSync(crashDir), "the target folder does not exist after the crash");
  const leftovers = fs.readdirSync(parent).filter((f) => f.startsWith(".crashed.tmp-"));
  assert.equal(leftovers.length, 1);
  assert.throws(() => verifySaved(path.join(parent, leftovers[0])), SavedModelError);
});

test("verifySaved names each problem of a damaged folder", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/model/model.safetensors")) return;
  const model = await loadTiny();
  const base = tempDir("save-verify");
  const good = path.join(base, "good");
  try {
    await saveFineTuned(good, { model, tokenizer: await loadTokenizer(TOKENIZER()) });
  } finally {
    model.dispose();
  }
  const damaged = (name: string, damage: (dir: string) => void): string => {
    const d = path.join(base, name);
    fs.cpSync(good, d, { recursive: true });
    damage(d);
    return d;
  };
  const expectProblem = (dir: string, re: RegExp): void => {
    assert.throws(() => verifySaved(dir), (err: unknown) => {
      assert.ok(err instanceof SavedModelError);
      assert.ok(err.problems.some((p) => re.test(p)), `expected a problem matching ${re}, got:\n${err.message}`);
      assert.match(err.message, /saveFineTuned/);
      return true;
    });
  };
  expectProblem(damaged("no-vocab", (d) => fs.rmSync(path.join(d, "vocab.txt"))), /vocab\.txt is missing/);
  expectProblem(damaged("truncated", (d) => {
    const f = path.join(d, "model.safetensors");
    fs.truncateSync(f, fs.statSync(f).size - 100);
  }), /model\.safetensors/);
  const editConfig = (d: string, edit: (c: Record<string, unknown>) => void): void => {
    const f = path.join(d, "config.json");
    const c = JSON.parse(fs.readFileSync(f, "utf8"));
    edit(c);
    fs.writeFileSync(f, JSON.stringify(c));
  };
  expectProblem(damaged("wider", (d) => editConfig(d, (c) => { c.intermediate_size = 128; })), /intermediate\.dense\.weight has shape \[64, 32\], config implies \[128, 32\]/);
  expectProblem(damaged("labels", (d) => editConfig(d, (c) => { c.label2id = { NEGATIVE: 1, POSITIVE: 0 }; })), /label2id\["NEGATIVE"\] is 1/);
  expectProblem(damaged("arch", (d) => editConfig(d, (c) => { c.architectures = ["BertForMaskedLM"]; })), /architectures/);
  expectProblem(damaged("no-max-len", (d) => {
    const f = path.join(d, "tokenizer_config.json");
    const c = JSON.parse(fs.readFileSync(f, "utf8"));
    delete c.model_max_length;
    fs.writeFileSync(f, JSON.stringify(c));
  }), /model_max_length/);
  expectProblem(damaged("bad-json", (d) => fs.writeFileSync(path.join(d, "tokenizer.json"), "{ not json")), /tokenizer\.json is not valid JSON/);
  // Header edits that keep its length (padded with spaces, as the format allows) and every tensor's size.
  const editHeader = (d: string, edit: (h: Record<string, { data_offsets?: number[] } & Record<string, unknown>>) => void): void => {
    const f = path.join(d, "model.safetensors");
    const buf = fs.readFileSync(f);
    const len = Number(buf.readBigUInt64LE(0));
    const h = JSON.parse(buf.subarray(8, 8 + len).toString("utf8"));
    edit(h);
    const text = JSON.stringify(h);
    assert.ok(text.length <= len);
    buf.write(text.padEnd(len, " "), 8, "utf8");
    fs.writeFileSync(f, buf);
  };
  expectProblem(damaged("no-format", (d) => editHeader(d, (h) => { h.__metadata__ = {}; })), /__metadata__\.format is null, expected "pt"/);
  expectProblem(damaged("overlap", (d) => editHeader(d, (h) => {
    // Move the tensor stored last back by 4 bytes: same size, now overlapping its neighbour, 4 bytes unused at the end.
    const last = Object.entries(h).filter(([k]) => k !== "__metadata__").sort(([, a], [, b]) => b.data_offsets![0] - a.data_offsets![0])[0][1];
    last.data_offsets = [last.data_offsets![0] - 4, last.data_offsets![1] - 4];
  })), /starts at byte \d+, inside the previous tensor/);
  assert.throws(() => verifySaved(path.join(base, "nope")), /does not exist/);
});

test("saveFineTuned refuses to replace a folder that is not a saved model, and can add the ONNX export", async (t) => {
  if (!requireShared(t, "golden/tiny-bert/model/model.safetensors")) return;
  const model = await loadTiny();
  const tokenizer = await loadTokenizer(TOKENIZER());
  const base = tempDir("save-guard");
  try {
    const precious = path.join(base, "notes");
    fs.mkdirSync(precious);
    fs.writeFileSync(path.join(precious, "thesis.txt"), "do not delete");
    await assert.rejects(saveFineTuned(precious, { model, tokenizer }), /refusing to replace .*notes/);
    assert.equal(fs.readFileSync(path.join(precious, "thesis.txt"), "utf8"), "do not delete");

    // A model folder with files a save does not write (a model card, a git checkout) is not replaced either.
    const repo = path.join(base, "repo");
    await saveFineTuned(repo, { model, tokenizer });
    fs.writeFileSync(path.join(repo, "README.md"), "# model card");
    fs.mkdirSync(path.join(repo, ".git"));
    await assert.rejects(saveFineTuned(repo, { model, tokenizer }), /refusing to replace .*repo: besides a saved model it holds \.git, README\.md, which replacing the folder would delete/);
    assert.equal(fs.readFileSync(path.join(repo, "README.md"), "utf8"), "# model card");
    fs.rmSync(path.join(repo, "README.md"));
    fs.rmSync(path.join(repo, ".git"), { recursive: true });
    await saveFineTuned(repo, { model, tokenizer }); // only saved files left: replaced as before

    const dir = path.join(base, "with-onnx");
    const report = await saveFineTuned(dir, { model, tokenizer, onnx: true, id2label: { 0: "neg", 1: "pos" } });
    assert.equal(report.onnx?.irVersion, 8);
    assert.equal(report.onnx?.opset, 17);
    assert.deepEqual(report.id2label, { "0": "neg", "1": "pos" });
    const listed = listSaved(dir);
    const onnx = listed.find((f) => f.file === "onnx/model.onnx");
    assert.ok(onnx && onnx.bytes > 4_000_000 && /MB$/.test(onnx.size));
    assert.deepEqual(listed.map((f) => f.file), [...SAVED_FILES, "onnx/model.onnx"].sort());
  } finally {
    model.dispose();
  }
});
