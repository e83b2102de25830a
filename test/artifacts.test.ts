// Tests of run-directory artifacts: fingerprints, binary array/string files, atomic stage folders with
// manifests, staleness propagation with explanations, and the 01-load / 02-split save/load helpers.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import {
  decodeArray,
  encodeArray,
  fileFingerprint,
  fingerprint,
  loadArray,
  loadFloat32Array,
  loadInt32Array,
  loadLoadStage,
  loadSplit,
  loadSplitDatasets,
  loadStrings,
  readStage,
  saveArray,
  saveLoadStage,
  saveSplit,
  saveStrings,
  sha256File,
  stageStatus,
  writeStage,
} from "../src/artifacts";
import { loadImdb, syntheticImdb } from "../src/datasets";
import { trainTestSplit } from "../src/datasets/split";
import { requireShared } from "./shared";

const made: string[] = [];
const tmp = (p: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), p));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("fingerprint", () => {
  test("stable over key order, sensitive to content and to how parts are cut", () => {
    const f = fingerprint("02-split", { seed: 42, testSize: 0.1 });
    assert.match(f, /^[0-9a-f]{16}$/);
    assert.equal(f, fingerprint("02-split", { testSize: 0.1, seed: 42 }));
    assert.notEqual(f, fingerprint("02-split", { testSize: 0.1, seed: 7 }));
    assert.notEqual(fingerprint("ab"), fingerprint("a", "b"));
    assert.notEqual(fingerprint("ab"), fingerprint(new TextEncoder().encode("ab")), "strings and bytes are typed");
    assert.equal(fingerprint(Int32Array.from([1, 2])), fingerprint(new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0])), "bytes are bytes");
    assert.equal(fingerprint({ a: undefined, b: 1 }), fingerprint({ b: 1 }));
  });

  test("fileFingerprint is the SHA-256 prefix of the content", () => {
    const file = path.join(tmp("fp-"), "x.txt");
    fs.writeFileSync(file, "hello");
    assert.equal(sha256File(file), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert.equal(fileFingerprint(file), "2cf24dba5fb0a30e");
  });
});

describe("binary arrays and string columns", () => {
  test("round-trip int32 / float32 / uint8 with shapes, small header, exact size", () => {
    const dir = tmp("bin-");
    const ids = Int32Array.from({ length: 12 }, (_, i) => (i * 7919) - 40);
    saveArray(path.join(dir, "ids.bin"), ids, [3, 4]);
    const back = loadInt32Array(path.join(dir, "ids.bin"));
    assert.deepEqual(back.shape, [3, 4]);
    assert.deepEqual(Array.from(back.data), Array.from(ids));
    assert.equal(fs.statSync(path.join(dir, "ids.bin")).size, 16 + 48, "8 bytes + 2 dims = 16-byte header, then the raw values");
    saveArray(path.join(dir, "ids3.bin"), ids, [1, 3, 4]);
    assert.equal(fs.statSync(path.join(dir, "ids3.bin")).size, 24 + 48, "header padded to a multiple of 8");
    assert.deepEqual(loadInt32Array(path.join(dir, "ids3.bin")).shape, [1, 3, 4]);
    const f = Float32Array.from([0.5, -1e-8, Math.PI, Infinity]);
    saveArray(path.join(dir, "f.bin"), f);
    assert.deepEqual(Array.from(loadFloat32Array(path.join(dir, "f.bin")).data), Array.from(f));
    const u = Uint8Array.from([0, 255, 7]);
    const enc = encodeArray(u);
    assert.deepEqual(Array.from(decodeArray(enc).data), [0, 255, 7]);
    // a view at an odd offset still decodes (aligned copy)
    const shifted = new Uint8Array(enc.byteLength + 1);
    shifted.set(enc, 1);
    assert.deepEqual(Array.from(decodeArray(shifted.subarray(1)).data), [0, 255, 7]);
    assert.throws(() => loadFloat32Array(path.join(dir, "ids.bin")), /holds int32 values, expected float32/);
    assert.throws(() => saveArray(path.join(dir, "bad.bin"), ids, [5, 5]), /holds 25 values but the array has 12/);
  });

  test("truncated or foreign files are rejected with the reason", () => {
    const dir = tmp("bin-bad-");
    const file = path.join(dir, "a.bin");
    saveArray(file, Int32Array.from([1, 2, 3, 4]));
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.byteLength - 3));
    assert.throws(() => loadArray(file), /expected 32 bytes .* found 29 \(truncated\?\)/);
    fs.writeFileSync(file, "{\"json\": true}");
    assert.throws(() => loadArray(file), /bad magic/);
  });

  test("strings round-trip (unicode, empty, many) and truncation is detected", () => {
    const dir = tmp("str-");
    const file = path.join(dir, "text.bin");
    const strings = ["", "plain", "ünïcödé — 日本語 🎬", "<br /><br />", ...Array.from({ length: 5000 }, (_, i) => `review number ${i}`)];
    saveStrings(file, strings);
    assert.deepEqual(loadStrings(file), strings);
    const b = fs.readFileSync(file);
    fs.writeFileSync(file, b.subarray(0, b.byteLength - 1));
    assert.throws(() => loadStrings(file), /truncated/);
  });
});

async function fakeStage(runDir: string, stage: string, params: Record<string, unknown>, inputs: string[], payload: string) {
  const ins = Object.fromEntries(inputs.map((n) => [n, readStage(runDir, n)!]));
  return writeStage(runDir, stage, { params, inputs: ins, rows: { train: 3 } }, (dir) => {
    fs.writeFileSync(path.join(dir, "data.txt"), payload);
    fs.mkdirSync(path.join(dir, "sub"));
    fs.writeFileSync(path.join(dir, "sub", "more.txt"), "x");
  });
}

describe("stages", () => {
  test("writeStage writes files + manifest atomically; a failing fill leaves the previous stage intact", async () => {
    const run = tmp("run-");
    const m = await fakeStage(run, "01-load", { preset: "quick" }, [], "hello");
    assert.equal(m.stage, "01-load");
    assert.deepEqual(m.params, { preset: "quick" });
    assert.deepEqual(Object.keys(m.files), ["data.txt", "sub/more.txt"]);
    assert.equal(m.files["data.txt"].bytes, 5);
    assert.equal(m.files["data.txt"].sha256, sha256File(path.join(run, "01-load", "data.txt")));
    assert.deepEqual(readStage(run, "01-load"), m);
    assert.ok(!Number.isNaN(Date.parse(m.createdAt)));
    await assert.rejects(
      writeStage(run, "01-load", { params: { preset: "paper" } }, (dir) => {
        fs.writeFileSync(path.join(dir, "data.txt"), "half");
        throw new Error("kernel interrupted");
      }),
      /kernel interrupted/,
    );
    assert.deepEqual(readStage(run, "01-load"), m, "old stage kept");
    assert.deepEqual(fs.readdirSync(run), ["01-load"], "no temporary folder left");
    assert.equal(readStage(run, "02-split"), null);
    assert.throws(() => readStage(run, "split"), /Invalid stage name/);
  });

  test("changing a param of 02 marks 03 and 04 stale, saying what changed and what to re-run", async () => {
    const run = tmp("run-");
    await fakeStage(run, "01-load", { preset: "quick" }, [], "reviews");
    await fakeStage(run, "02-split", { seed: 42, testSize: 0.1 }, ["01-load"], "split-42");
    await fakeStage(run, "03-tokenize", { maxLength: 128 }, ["02-split"], "tokens");
    await fakeStage(run, "04-format", { batchSize: 16 }, ["03-tokenize"], "batches");
    for (const s of ["01-load", "02-split", "03-tokenize", "04-format"]) assert.equal(stageStatus(run, s).fresh, true, s);
    assert.match(stageStatus(run, "03-tokenize").reason, /^03-tokenize is up to date \(fingerprint [0-9a-f]{16}; inputs 02-split [0-9a-f]{16}\)$/);

    // re-running 02 with identical params and output keeps the fingerprint: nothing downstream goes stale
    await fakeStage(run, "02-split", { seed: 42, testSize: 0.1 }, ["01-load"], "split-42");
    assert.equal(stageStatus(run, "04-format").fresh, true);

    // the notebook is about to use other params for 02
    const pending = stageStatus(run, "02-split", undefined, { seed: 7, testSize: 0.1 });
    assert.equal(pending.reason, "02-split params changed (seed 42 → 7): re-run 02-split");

    await fakeStage(run, "02-split", { seed: 7, testSize: 0.1 }, ["01-load"], "split-7");
    const s3 = stageStatus(run, "03-tokenize");
    assert.equal(s3.fresh, false);
    assert.equal(s3.reason, "02-split changed (seed 42 → 7): re-run 03-tokenize");
    assert.equal(s3.cause, "02-split changed (seed 42 → 7)");
    const s4 = stageStatus(run, "04-format");
    assert.equal(s4.fresh, false);
    assert.equal(s4.reason, "03-tokenize is stale (02-split changed (seed 42 → 7)): re-run 03-tokenize, then 04-format");
    assert.deepEqual(s4.rerun, ["03-tokenize", "04-format"]);
    assert.equal(s4.cause, "03-tokenize is stale (02-split changed (seed 42 → 7))");

    await fakeStage(run, "03-tokenize", { maxLength: 128 }, ["02-split"], "tokens");
    assert.equal(stageStatus(run, "03-tokenize").fresh, true);
    assert.match(stageStatus(run, "04-format").reason, /^03-tokenize changed \(its output differs: fingerprint [0-9a-f]{16} → [0-9a-f]{16}\): re-run 04-format$/);
    await fakeStage(run, "04-format", { batchSize: 16 }, ["03-tokenize"], "batches");
    assert.equal(stageStatus(run, "04-format").fresh, true);

    // explicit expected inputs override the manifests on disk
    assert.match(stageStatus(run, "03-tokenize", { "02-split": "0000000000000000" }).reason, /02-split changed \(its output differs/);
    // a deleted file or a missing upstream stage
    fs.rmSync(path.join(run, "03-tokenize", "data.txt"));
    assert.equal(stageStatus(run, "04-format").reason, "03-tokenize is stale (file data.txt of 03-tokenize is missing): re-run 03-tokenize, then 04-format");
    fs.rmSync(path.join(run, "01-load"), { recursive: true });
    assert.equal(stageStatus(run, "02-split").reason, `01-load (an input of 02-split) is missing: re-run 01-load, then 02-split`);
    assert.equal(stageStatus(run, "05-model").reason, `05-model has not been run in ${run}: re-run 05-model`);
  });
});

describe("01-load and 02-split artifacts", () => {
  test("a split saved from 01's artifact reloads after a 'kernel restart' and is fingerprinted against 01", async () => {
    const run = tmp("run-");
    const data = syntheticImdb({ trainSize: 200, testSize: 60, seed: 5 });
    const source = { kind: "synthetic" as const, files: [], synthetic: { trainSize: 200, testSize: 60, seed: 5 } };
    const m1 = await saveLoadStage(run, { train: data.train.select(Array.from({ length: 150 }, (_, i) => i + 50)), test: data.test, source }, { preset: "quick" });
    assert.deepEqual(m1.rows, { train: 150, test: 60 });
    assert.deepEqual((m1.info?.source as { kind: string }).kind, "synthetic");

    // notebook 02, fresh kernel: everything comes from the run directory
    const loaded = loadLoadStage(run);
    assert.equal(loaded.train.numRows, 150);
    assert.deepEqual(loaded.train.text, data.train.text.slice(50));
    assert.deepEqual(Array.from(loaded.train.sourceIndices.subarray(0, 3)), [50, 51, 52], "source rows survive");
    const split = trainTestSplit(loaded.train, { testSize: 0.1, seed: 42 });
    const m2 = await saveSplit(run, { train: split.indices.train, validation: split.indices.test }, { testSize: 0.1, seed: 42 });
    assert.deepEqual(m2.rows, { train: 135, validation: 15, test: 60 });
    assert.equal(m2.inputs["01-load"], m1.fingerprint);
    assert.equal(fs.statSync(path.join(run, "02-split", "validation.indices.bin")).size, 16 + 15 * 4, "binary, not JSON");

    const back = loadSplit(run);
    assert.deepEqual(Array.from(back.validation), Array.from(split.indices.test));
    assert.deepEqual(back.params, { seed: 42, testSize: 0.1 });
    const sets = loadSplitDatasets(run);
    assert.deepEqual(sets.validation.text, split.test.text);
    assert.deepEqual(Array.from(sets.train.label), Array.from(split.train.label));
    assert.equal(sets.test.numRows, 60);

    await assert.rejects(saveSplit(run, { train: Int32Array.from([1, 2]), validation: Int32Array.from([2]) }, {}), /row 2 appears twice/);
    await assert.rejects(saveSplit(run, { train: Int32Array.from([150]), validation: new Int32Array(0) }, {}), /outside 01-load's 150 train rows/);

    // 01 re-run with other data: 02 is stale and loadSplitDatasets refuses, saying what to re-run
    await saveLoadStage(run, { train: data.train, test: data.test, source }, { preset: "quick", all: true });
    assert.throws(() => loadSplitDatasets(run), /01-load changed \(all unset → true\): re-run 02-split/);
    await assert.rejects(saveSplit(tmp("empty-"), { train: new Int32Array(0), validation: new Int32Array(0) }, {}), /01-load has not been run .*02-split needs it/);
  });

  test("01-load of the real data records the parquet sources and reloads fast", async (t) => {
    const p = requireShared(t, "imdb/plain_text/train-00000-of-00001.parquet");
    if (!p) return;
    const run = tmp("run-");
    const d = await loadImdb({ dataDir: path.dirname(path.dirname(p)) });
    let start = Date.now();
    const m = await saveLoadStage(run, d, { preset: "paper" });
    const saveMs = Date.now() - start;
    start = Date.now();
    const back = loadLoadStage(run);
    const loadMs = Date.now() - start;
    assert.equal(back.source.kind, "local");
    assert.equal(back.source.files.length, 2);
    assert.deepEqual(back.test.text, d.test.text);
    assert.deepEqual(m.rows, { train: 25_000, test: 25_000 });
    console.log(`# 01-load artifact of 50,000 reviews: saved in ${saveMs} ms, reloaded in ${loadMs} ms`);
  });
});
