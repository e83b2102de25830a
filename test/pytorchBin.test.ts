// pytorch_model.bin: both torch formats (zip and legacy) read to the same values as safetensors (views, strides,
// storage offsets, shared storages, float16/bfloat16/float64 widening), unsafe pickles refused, and
// BertForSequenceClassification.fromPretrained loading a folder or a hub repo (the fake hub) that has only
// pytorch_model.bin — as google/bert_uncased_L-2_H-128_A-2 on the real hub — online, then offline from the cache.
// Fixtures: test/fixtures/pytorch-bin/, written by real torch (test/fixtures/make_pytorch_bin.py).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { initBackend } from "../src/backends/initBackend";
import { tf } from "../src/backends/tf";
import { HubHttpError, HubOfflineError } from "../src/hub";
import { BertForSequenceClassification } from "../src/models";
import { loadCheckpoint, openCheckpoint } from "../src/models/checkpoint";
import { BertConfig } from "../src/models/config";
import { bertParamSpecs } from "../src/models/params";
import { isPytorchCheckpoint, PytorchBinFile, readPytorchBin, unpickle, UnsafePickleError } from "../src/models/pytorchBin";
import { resolveWeightsFile } from "../src/models/resolve";
import { readSafetensors, SafetensorsFile } from "../src/safetensors";
import { COMMIT, HubTestServer } from "./hubTestServer";

const FIX = path.join(__dirname, "fixtures", "pytorch-bin");
const fix = (f: string) => path.join(FIX, f);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pytorch-bin-"));
const REPO = "google/bert_uncased_L-2_H-128_A-2";

before(async () => {
  await initBackend(undefined, { quiet: true });
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function assertSameTensors(file: string, reference: string): void {
  const ref = readSafetensors(reference);
  const got = readPytorchBin(file);
  assert.deepEqual([...got.keys()].sort(), [...ref.keys()].sort(), `${file}: names`);
  for (const [name, r] of ref) {
    const g = got.get(name)!;
    assert.equal(g.dtype, r.dtype, `${name}: dtype`);
    assert.deepEqual(g.shape, r.shape, `${name}: shape`);
    assert.equal(g.data.constructor, r.data.constructor, `${name}: array type`);
    assert.deepEqual(Array.from(g.data), Array.from(r.data), `${name}: values`);
  }
}

/** A zip of stored (uncompressed) entries, as torch writes (CRCs left 0: the reader does not check them). */
function storedZip(entries: Array<[string, Uint8Array]>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name, "utf8");
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(n.length, 26);
    locals.push(lh, n, Buffer.from(data));
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(n.length, 28);
    ch.writeUInt32LE(offset, 42);
    centrals.push(ch, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));
// pickle protocol 2: os.system("echo pwned") — GLOBAL, a one-tuple, REDUCE.
const OS_SYSTEM = bytes([0x80, 0x02], "cos\nsystem\n", "X", [10, 0, 0, 0], "echo pwned", [0x85], "R.");
// protocol 4: builtins.eval via STACK_GLOBAL.
const EVAL = bytes([0x80, 0x04, 0x8c, 8], "builtins", [0x8c, 4], "eval", [0x93, 0x8c, 1], "1", [0x85], "R.");
/** The three pickles a legacy file starts with (magic, protocol 1001, sys_info), as torch 2 writes them. */
const LEGACY_HEADER = fs.readFileSync(fix("tiny_legacy.bin")).subarray(0, 137);

describe("reading pytorch_model.bin", () => {
  test("the fixtures are what they claim: one legacy file, one zip, written by torch", () => {
    const legacy = fs.readFileSync(fix("tiny_legacy.bin"));
    assert.deepEqual([...legacy.subarray(0, 4)], [0x80, 0x02, 0x8a, 0x0a], "legacy: pickled magic number first");
    assert.equal(fs.readFileSync(fix("tiny_zip.bin")).subarray(0, 4).toString("latin1"), "PK\x03\x04");
    for (const [f, format] of [["tiny_legacy.bin", "legacy"], ["tiny_zip.bin", "zip"], ["views_legacy.bin", "legacy"], ["views_zip.bin", "zip"]]) {
      const p = PytorchBinFile.open(fix(f));
      assert.equal(p.format, format, f);
      p.close();
    }
    assert.equal(unpickle(LEGACY_HEADER).value, 0x1950a86a20f9469cfc6cn);
  });

  for (const format of ["legacy", "zip"]) {
    test(`${format}: a legacy-named BERT state dict reads to exactly the reference values`, () => {
      assertSameTensors(fix(`tiny_${format}.bin`), fix("tiny_reference.safetensors"));
      const f = PytorchBinFile.open(fix(`tiny_${format}.bin`));
      try {
        assert.ok(f.has("bert.embeddings.LayerNorm.gamma") && f.has("cls.predictions.transform.LayerNorm.beta"));
        // The tied MLM decoder shares the word embeddings' storage, as in Google's checkpoints.
        assert.equal(f.entry("cls.predictions.decoder.weight").storageKey, f.entry("bert.embeddings.word_embeddings.weight").storageKey);
        const pos = f.read("bert.embeddings.position_ids");
        assert.equal(pos.dtype, "I64");
        assert.ok(pos.data instanceof Int32Array);
        assert.deepEqual(Array.from(pos.data), Array.from({ length: 32 }, (_, i) => i));
      } finally {
        f.close();
      }
    });

    test(`${format}: views, strides, offsets and half floats are resolved as torch does`, () => {
      assertSameTensors(fix(`views_${format}.bin`), fix("views_reference.safetensors"));
      const f = PytorchBinFile.open(fix(`views_${format}.bin`));
      try {
        const t = f.entry("transposed");
        assert.deepEqual([t.shape, t.stride], [[5, 3], [1, 5]]);
        assert.equal(t.storageKey, f.entry("base").storageKey);
        const s = f.entry("sliced");
        assert.deepEqual([s.shape, s.stride, s.storageOffset], [[3, 3], [6, 2], 6]);
        assert.deepEqual(f.entry("expanded").stride, [1, 0]);
        assert.equal(f.entry("half").dtype, "F16");
        assert.equal(f.entry("bfloat16").dtype, "BF16");
        const half = f.read("half_transposed");
        assert.ok(half.data instanceof Float32Array);
        assert.deepEqual(half.shape, [2, 3]);
        // transposed really is base's transpose
        const base = f.read("base").data;
        const tr = f.read("transposed").data;
        for (let i = 0; i < 5; i++) for (let j = 0; j < 3; j++) assert.equal(tr[i * 3 + j], base[j * 5 + i]);
        assert.deepEqual(f.read("scalar"), { dtype: "F32", shape: [], data: new Float32Array([3.25]) });
        assert.equal(f.read("empty").data.length, 0);
      } finally {
        f.close();
      }
    });
  }

  test("a pickle naming a forbidden global is refused before anything runs, naming the global", () => {
    for (const [pickle, global] of [[OS_SYSTEM, "os.system"], [EVAL, "builtins.eval"]] as const) {
      assert.throws(
        () => unpickle(pickle),
        (e: unknown) => e instanceof UnsafePickleError && e.global === global && e.message.includes(`imports the global ${global}`),
      );
    }
    // ... inside a legacy file (after torch's real header) and inside a zip's data.pkl
    const legacy = path.join(tmp, "evil-legacy.bin");
    fs.writeFileSync(legacy, Buffer.concat([LEGACY_HEADER, OS_SYSTEM]));
    assert.throws(() => PytorchBinFile.open(legacy), /evil-legacy\.bin: refusing to load: its pickle imports the global os\.system.*Nothing from the file was executed/s);
    const zip = path.join(tmp, "evil-zip.bin");
    fs.writeFileSync(zip, storedZip([["archive/data.pkl", EVAL], ["archive/version", Buffer.from("3\n")]]));
    assert.throws(() => PytorchBinFile.open(zip), (e: unknown) => e instanceof UnsafePickleError && e.global === "builtins.eval");
    // Allowed globals cannot be called with other jobs: a storage class is not callable, a non-storage persistent id is refused.
    const callStorage = bytes([0x80, 0x02], "ctorch\nFloatStorage\n)R.");
    assert.throws(() => unpickle(callStorage), /torch\.FloatStorage is not callable/);
    const moduleId = path.join(tmp, "module-pid.bin");
    fs.writeFileSync(moduleId, storedZip([["archive/data.pkl", bytes([0x80, 0x02], "(X", [6, 0, 0, 0], "moduletQ.")]]));
    assert.throws(() => PytorchBinFile.open(moduleId), /module-pid\.bin is not a valid PyTorch checkpoint: unsupported persistent id "module"/);
  });

  test("a zip with the archive/ prefix and deflated entries is read; non-state-dicts and broken files say why", () => {
    assertSameTensors(fix("views_archive_deflated.bin"), fix("views_reference.safetensors"));
    // A pickled plain list is not a state dict.
    const notDict = path.join(tmp, "list.bin");
    fs.writeFileSync(notDict, storedZip([["archive/data.pkl", bytes([0x80, 0x02], "]q\x00.")]]));
    assert.throws(() => PytorchBinFile.open(notDict), /list\.bin is not a valid PyTorch checkpoint: the pickled object is .* not a state dict/);
    const empty = path.join(tmp, "empty.bin");
    fs.writeFileSync(empty, "");
    assert.throws(() => PytorchBinFile.open(empty), /empty\.bin is not a valid PyTorch checkpoint: the file is empty/);
    const html = path.join(tmp, "html.bin");
    fs.writeFileSync(html, "<!DOCTYPE html>");
    assert.throws(() => PytorchBinFile.open(html), /neither torch's zip format nor its legacy pickle format/);
    for (const f of ["tiny_legacy.bin", "tiny_zip.bin"]) {
      const whole = fs.readFileSync(fix(f));
      const cut = path.join(tmp, `cut-${f}`);
      fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
      assert.throws(() => PytorchBinFile.open(cut), /not a valid PyTorch checkpoint: .*(truncated|end-of-central-directory)/, f);
    }
  });

  test("openCheckpoint picks the reader by name or signature; both readers give loadCheckpoint the same weights", () => {
    assert.equal(isPytorchCheckpoint(fix("tiny_legacy.bin")), true);
    assert.equal(isPytorchCheckpoint(fix("tiny_reference.safetensors")), false);
    const noExt = path.join(tmp, "weights");
    fs.copyFileSync(fix("tiny_zip.bin"), noExt);
    assert.equal(isPytorchCheckpoint(noExt), true);
    assert.ok(openCheckpoint(fix("tiny_zip.bin")) instanceof PytorchBinFile);
    const st = openCheckpoint(fix("tiny_reference.safetensors"));
    assert.ok(st instanceof SafetensorsFile);
    const config = BertConfig.fromFile(fix("config.json"));
    const specs = bertParamSpecs(config);
    const a = loadCheckpoint(st, specs, config, { seed: 1 }); // an open source: the caller closes it
    st.close();
    const b = loadCheckpoint(fix("tiny_legacy.bin"), specs, config, { seed: 1 });
    assert.deepEqual(b.report.missingKeys, ["classifier.weight", "classifier.bias"]);
    assert.deepEqual(b.report.unexpectedKeys, a.report.unexpectedKeys);
    assert.ok(b.report.unexpectedKeys.includes("cls.predictions.decoder.weight"));
    assert.deepEqual(b.report.renamedKeys.slice().sort(), a.report.renamedKeys.slice().sort()); // safetensors keys are sorted, a pickle's are not
    assert.deepEqual(b.report.dtypes, ["F32"]);
    for (const [k, v] of a.values) assert.deepEqual(Array.from(b.values.get(k)!), Array.from(v), k);
  });
});

// ---------------------------------------------------------------------------------------------------------

interface Expected {
  input_ids: number[][];
  attention_mask: number[][];
  pooler_output: number[][];
  last_hidden_state: number[][][];
}
const expected: Expected = JSON.parse(fs.readFileSync(fix("tiny_expected.json"), "utf8"));

function run(model: BertForSequenceClassification): { logits: number[]; pooled: number[]; last: number[] } {
  return tf.tidy(() => {
    const [B, S] = [expected.input_ids.length, expected.input_ids[0].length];
    const out = model.forward(
      { inputIds: tf.tensor2d(expected.input_ids, [B, S], "int32"), attentionMask: tf.tensor2d(expected.attention_mask, [B, S], "int32") },
      { outputPooledOutput: true, outputHiddenStates: true },
    );
    return {
      logits: Array.from(out.logits.dataSync()),
      pooled: Array.from(out.pooledOutput!.dataSync()),
      last: Array.from(out.hiddenStates![out.hiddenStates!.length - 1].dataSync()),
    };
  });
}

function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(fix("config.json"), path.join(dir, "config.json"));
  for (const [to, from] of Object.entries(files)) fs.copyFileSync(fix(from), path.join(dir, to));
  return dir;
}

function assertClose(got: number[], want: number[], tol: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

describe("fromPretrained with pytorch_model.bin", () => {
  test("a folder with only config.json + pytorch_model.bin (either format) loads like the same weights in safetensors, and as Python computes", async () => {
    const st = await BertForSequenceClassification.fromPretrained(folder("st", { "model.safetensors": "tiny_reference.safetensors" }), { quiet: true });
    const ref = run(st);
    assertClose(ref.pooled, expected.pooler_output.flat(), 1e-5, "pooler vs Python");
    assertClose(ref.last, expected.last_hidden_state.flat(2), 1e-4, "last hidden state vs Python");
    for (const format of ["legacy", "zip"]) {
      const dir = folder(`bin-${format}`, { "pytorch_model.bin": `tiny_${format}.bin` });
      const model = await BertForSequenceClassification.fromPretrained(dir, { quiet: true });
      const r = model.loadReport!;
      assert.equal(r.source, path.join(dir, "pytorch_model.bin"));
      assert.deepEqual(r.missingKeys, ["classifier.weight", "classifier.bias"]);
      assert.ok(r.renamedKeys.some(([from, to]) => from === "bert.embeddings.LayerNorm.gamma" && to === "bert.embeddings.LayerNorm.weight"));
      assert.ok(r.unexpectedKeys.every((k) => k.startsWith("cls.")), r.unexpectedKeys.join());
      assert.deepEqual(run(model), ref, format); // same weights, same seeded classifier: identical outputs
      model.dispose();
    }
    st.dispose();
  });

  test("model.safetensors is preferred when both are there; neither gives an error naming both", async () => {
    const both = folder("both", { "model.safetensors": "tiny_reference.safetensors", "pytorch_model.bin": "tiny_zip.bin" });
    assert.equal(await resolveWeightsFile(both), path.join(both, "model.safetensors"));
    const none = folder("none", {});
    fs.writeFileSync(path.join(none, "flax_model.msgpack"), "");
    await assert.rejects(
      BertForSequenceClassification.fromPretrained(none, { quiet: true }),
      /has neither model\.safetensors nor pytorch_model\.bin \(it contains: config\.json, flax_model\.msgpack\).*Flax/,
    );
    const evil = folder("evil", {});
    fs.writeFileSync(path.join(evil, "pytorch_model.bin"), Buffer.concat([LEGACY_HEADER, OS_SYSTEM]));
    await assert.rejects(BertForSequenceClassification.fromPretrained(evil, { quiet: true }), UnsafePickleError);
  });
});

describe(`fromPretrained("${REPO}") from a hub that has only pytorch_model.bin`, () => {
  const server = new HubTestServer();
  server.add({ repoId: REPO, repoType: "model", filename: "config.json", content: fs.readFileSync(fix("config.json")), lfs: false });
  server.add({ repoId: REPO, repoType: "model", filename: "pytorch_model.bin", content: fs.readFileSync(fix("tiny_legacy.bin")), lfs: true });
  server.add({ repoId: REPO, repoType: "model", filename: "vocab.txt", content: Buffer.from("[PAD]\n[UNK]\n"), lfs: false });
  const ENV = ["HF_ENDPOINT", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN"];
  const saved: Record<string, string | undefined> = {};
  let cacheDir: string;

  before(async () => {
    for (const k of ENV) saved[k] = process.env[k];
    for (const k of ENV) delete process.env[k];
    await server.start();
    process.env.HF_ENDPOINT = server.endpoint;
    cacheDir = path.join(tmp, "hub-cache");
  });
  after(async () => {
    await server.stop();
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  test("online: model.safetensors is 404 EntryNotFound, pytorch_model.bin is downloaded into the cache and loads", async () => {
    const reference = await BertForSequenceClassification.fromPretrained(folder("hub-ref", { "model.safetensors": "tiny_reference.safetensors" }), { quiet: true });
    const want = run(reference);
    reference.dispose();
    server.log.length = 0;
    const model = await BertForSequenceClassification.fromPretrained(REPO, { cacheDir, quiet: true });
    const cached = path.join(cacheDir, "models--google--bert_uncased_L-2_H-128_A-2", "snapshots", COMMIT, "pytorch_model.bin");
    assert.equal(model.loadReport!.source, cached);
    assert.ok(fs.readFileSync(cached).equals(fs.readFileSync(fix("tiny_legacy.bin"))));
    assert.ok(server.log.some((r) => r.method === "HEAD" && r.url.endsWith("/resolve/main/model.safetensors")), "safetensors asked for first");
    assert.ok(!fs.existsSync(path.join(path.dirname(cached), "model.safetensors")));
    assert.deepEqual(run(model), want);
    model.dispose();
  });

  test("offline (offline: true, then HF_HUB_OFFLINE=1): loads pytorch_model.bin from the cache without the network", async () => {
    const online = await BertForSequenceClassification.fromPretrained(REPO, { cacheDir, quiet: true }); // cached by now
    const ref = run(online);
    online.dispose();
    server.log.length = 0;
    const a = await BertForSequenceClassification.fromPretrained(REPO, { cacheDir, offline: true, quiet: true });
    assert.deepEqual(run(a), ref);
    a.dispose();
    process.env.HF_HUB_OFFLINE = "1";
    try {
      const b = await BertForSequenceClassification.fromPretrained(REPO, { cacheDir, quiet: true });
      assert.deepEqual(run(b), ref);
      assert.match(b.loadReport!.source, /pytorch_model\.bin$/);
      b.dispose();
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
    assert.equal(server.log.length, 0, "no request while offline");
  });

  test("offline with an empty cache, or a repo with neither file: the error names both files", async () => {
    const empty = path.join(tmp, "empty-cache");
    await assert.rejects(
      resolveWeightsFile(REPO, { cacheDir: empty, offline: true }),
      (e: unknown) =>
        e instanceof HubOfflineError && /Neither model\.safetensors nor pytorch_model\.bin of google\/bert_uncased_L-2_H-128_A-2 could be loaded/.test(e.message),
    );
    server.add({ repoId: "org/config-only", repoType: "model", filename: "config.json", content: fs.readFileSync(fix("config.json")), lfs: false });
    await assert.rejects(
      resolveWeightsFile("org/config-only", { cacheDir: empty }),
      (e: unknown) =>
        e instanceof HubHttpError && e.status === 404 && e.hubErrorCode === "EntryNotFound" &&
        /model\.safetensors: HTTP 404 .*pytorch_model\.bin: HTTP 404 /s.test(e.message),
    );
  });
});
