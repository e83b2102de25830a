// Tests of the IMDb loader: parquet reading (snappy fixture, zstd ../shared copies), source resolution
// (explicit folder, IMDB_DATA_DIR, hub cache, hub download from a local server), corrupt cache files deleted
// and re-fetched, corrupt local files reported, offline behaviour, the synthetic fallback, the Dataset class.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { tryLoadFromCache } from "../src/hub";
import {
  Dataset,
  IMDB_FILES,
  ImdbLocalDataError,
  ImdbUnavailableError,
  loadImdb,
  ParquetFileError,
  readLabelledTextParquet,
  sampleBalanced,
  syntheticImdb,
} from "../src/datasets";
import { HubTestServer } from "./hubTestServer";
import { requireShared } from "./shared";

const FIXTURE = path.join(__dirname, "fixtures", "data", "imdb-snappy");
const fixtureFile = (split: "train" | "test") => path.join(FIXTURE, ...IMDB_FILES[split].split("/"));

const ENV_KEYS = ["IMDB_DATA_DIR", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT", "HF_HUB_CACHE", "HF_TOKEN"];
let savedEnv: Record<string, string | undefined> = {};
beforeEach(() => {
  savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
});
afterEach(() => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

function captureWarnings<T>(fn: () => Promise<T>): Promise<{ value: T; warnings: string }> {
  const warn = console.warn;
  const lines: string[] = [];
  console.warn = (...a: unknown[]) => void lines.push(a.map(String).join(" "));
  return fn().then(
    (value) => {
      console.warn = warn;
      return { value, warnings: lines.join("\n") };
    },
    (err) => {
      console.warn = warn;
      throw err;
    },
  );
}

describe("readLabelledTextParquet", () => {
  test("reads the snappy fixture (hub format): text strings and int64 labels as Int32Array", async () => {
    const r = await readLabelledTextParquet(fixtureFile("train"));
    assert.deepEqual(r.codecs, ["SNAPPY"]);
    assert.equal(r.numRows, 24);
    assert.ok(r.label instanceof Int32Array);
    assert.deepEqual(Array.from(r.label), [...new Array(12).fill(0), ...new Array(12).fill(1)]);
    assert.ok(r.text.every((t) => typeof t === "string" && t.length >= 150));
  });

  test("reads the zstd copies in ../shared: 25,000 rows each, balanced", async (t) => {
    const p = requireShared(t, "imdb/plain_text/train-00000-of-00001.parquet");
    if (!p) return;
    const start = Date.now();
    const r = await readLabelledTextParquet(p);
    const ms = Date.now() - start;
    assert.deepEqual(r.codecs, ["ZSTD"]);
    assert.equal(r.numRows, 25_000);
    assert.equal(r.text.length, 25_000);
    const pos = r.label.reduce((a, b) => a + b, 0);
    assert.equal(pos, 12_500);
    assert.ok(r.text[0].length > 0 && r.text[24_999].length > 0);
    console.log(`# read 25,000 zstd rows in ${ms} ms`);
  });

  test("truncated, garbage and wrong-shape files are ParquetFileErrors naming the cause", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pq-bad-"));
    const good = fs.readFileSync(fixtureFile("train"));
    const truncated = path.join(dir, "truncated.parquet");
    fs.writeFileSync(truncated, good.subarray(0, good.byteLength - 100));
    await assert.rejects(readLabelledTextParquet(truncated), (e: unknown) => e instanceof ParquetFileError && /footer: the file is truncated/.test(e.message));
    const garbage = path.join(dir, "garbage.parquet");
    fs.writeFileSync(garbage, "not a parquet file at all");
    await assert.rejects(readLabelledTextParquet(garbage), (e: unknown) => e instanceof ParquetFileError && /no "PAR1" header/.test(e.message));
    const badMeta = path.join(dir, "badmeta.parquet");
    const b = Buffer.from(good);
    const metaLen = b.readUInt32LE(b.byteLength - 8);
    b.fill(0xff, b.byteLength - 8 - metaLen, b.byteLength - 8); // scramble the footer metadata
    fs.writeFileSync(badMeta, b);
    await assert.rejects(readLabelledTextParquet(badMeta), (e: unknown) => e instanceof ParquetFileError && /unreadable metadata|footer says/.test(e.message));
    await assert.rejects(readLabelledTextParquet(fixtureFile("train"), { labelColumn: "sentiment" }), /no "sentiment" column/);
    await assert.rejects(readLabelledTextParquet(fixtureFile("train"), { numLabels: 1 }), /not a label in 0\.\.0/);
    // A null label must not read as 0 ("neg"): Number(null) === 0 would pass an integer check.
    await assert.rejects(readLabelledTextParquet(path.join(FIXTURE, "..", "null-label.parquet")), /row 1 of "label" is null, not a label in 0\.\.1/);
  });
});

describe("loadImdb from a local folder", () => {
  test("dataDir (dataset root or plain_text/) and IMDB_DATA_DIR", async () => {
    const a = await loadImdb({ dataDir: FIXTURE, expectedRows: null });
    assert.equal(a.source.kind, "local");
    assert.equal(a.source.path, FIXTURE);
    assert.equal(a.train.numRows, 24);
    assert.equal(a.test.numRows, 16);
    assert.deepEqual(a.train.labelCounts(), [12, 12]);
    assert.equal(a.source.files.length, 2);
    for (const f of a.source.files) {
      assert.match(f.sha256 ?? "", /^[0-9a-f]{64}$/);
      assert.equal(f.bytes, fs.statSync(f.path).size);
    }
    const b = await loadImdb({ dataDir: path.join(FIXTURE, "plain_text"), expectedRows: null });
    assert.deepEqual(b.train.text, a.train.text);
    process.env.IMDB_DATA_DIR = FIXTURE;
    const c = await loadImdb({ expectedRows: null });
    assert.equal(c.source.kind, "local");
    assert.deepEqual(Array.from(c.test.label), Array.from(a.test.label));
  });

  test("generatedCacheDir keeps each decoded split, read back unless damaged or the parquet file changed", async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "imdb-generated-"));
    const data = fs.mkdtempSync(path.join(os.tmpdir(), "imdb-data-"));
    fs.cpSync(FIXTURE, data, { recursive: true });
    const logs: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void logs.push(a.map(String).join(" "));
    try {
      const first = await loadImdb({ dataDir: data, expectedRows: null, generatedCacheDir: cache });
      assert.equal(logs.filter((l) => /^Generating (train|test) split: (24|16) examples/.test(l)).length, 2);
      const entries = fs.readdirSync(cache).sort();
      assert.deepEqual(entries.map((e) => e.replace(/[0-9a-f]{16}$/, "#")), ["generated-test-#", "generated-train-#"]);
      logs.length = 0;
      const second = await loadImdb({ dataDir: data, expectedRows: null, generatedCacheDir: cache });
      assert.deepEqual(logs, [], "the second load reads the kept columns");
      assert.deepEqual(second.train.text, first.train.text);
      assert.deepEqual(Array.from(second.test.label), Array.from(first.test.label));
      assert.deepEqual(second.source.files, first.source.files);
      // The kept file still answers for the real row count.
      await assert.rejects(loadImdb({ dataDir: data, generatedCacheDir: cache }), /24 rows where the train split/);

      const trainEntry = path.join(cache, entries[1]);
      const strings = fs.readdirSync(trainEntry).find((f) => f.endsWith(".strings")) as string;
      fs.truncateSync(path.join(trainEntry, strings), 100);
      const { value: third, warnings } = await captureWarnings(() => loadImdb({ dataDir: data, expectedRows: null, generatedCacheDir: cache }));
      assert.match(warnings, /generated-train-.* is damaged .*decoding the parquet file again/);
      assert.deepEqual(third.train.text, first.train.text);

      // Another file (here: the test split copied over the train split) is another entry, not the old columns.
      fs.copyFileSync(fixtureFile("test"), path.join(data, ...IMDB_FILES.train.split("/")));
      const fourth = await loadImdb({ dataDir: data, expectedRows: null, generatedCacheDir: cache });
      assert.equal(fourth.train.numRows, 16);
      assert.equal(fs.readdirSync(cache).filter((e) => e.startsWith("generated-train-")).length, 2);
    } finally {
      console.log = log;
    }
  });

  test("the default expects the real row counts", async () => {
    await assert.rejects(loadImdb({ dataDir: FIXTURE }), (e: unknown) => e instanceof ImdbLocalDataError && /24 rows where the train split of stanfordnlp\/imdb has 25000/.test(e.message));
  });

  test("missing or corrupt files in an explicit folder are clear errors, not fallbacks", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imdb-local-"));
    await assert.rejects(loadImdb({ dataDir: dir, synthetic: "fallback" }), (e: unknown) => e instanceof ImdbLocalDataError && /does not exist.*drop dataDir/s.test(e.message));
    fs.mkdirSync(path.join(dir, "plain_text"));
    fs.copyFileSync(fixtureFile("train"), path.join(dir, ...IMDB_FILES.train.split("/")));
    const t = fs.readFileSync(fixtureFile("test"));
    fs.writeFileSync(path.join(dir, ...IMDB_FILES.test.split("/")), t.subarray(0, t.byteLength >> 1));
    process.env.IMDB_DATA_DIR = dir;
    await assert.rejects(loadImdb({ expectedRows: null, synthetic: "fallback" }), (e: unknown) => {
      assert.ok(e instanceof ImdbLocalDataError);
      assert.match((e as Error).message, /IMDB_DATA_DIR=.*test-00000-of-00001\.parquet is not a readable .*truncated.*unset IMDB_DATA_DIR/s);
      return true;
    });
  });

  test("loads the full ../shared copy (25k + 25k) fast", async (t) => {
    const p = requireShared(t, "imdb/plain_text/test-00000-of-00001.parquet");
    if (!p) return;
    const start = Date.now();
    const d = await loadImdb({ dataDir: path.dirname(path.dirname(p)) });
    const ms = Date.now() - start;
    assert.equal(d.train.numRows, 25_000);
    assert.equal(d.test.numRows, 25_000);
    assert.deepEqual(d.train.labelCounts(), [12_500, 12_500]);
    assert.deepEqual(d.test.labelCounts(), [12_500, 12_500]);
    assert.deepEqual(d.source.files.map((f) => f.codecs), [["ZSTD"], ["ZSTD"]]);
    console.log(`# loadImdb(../shared/imdb): 50,000 rows in ${ms} ms`);
    assert.ok(ms < 20_000, `loading took ${ms} ms`);
  });
});

describe("loadImdb through the hub cache and the hub", () => {
  const server = new HubTestServer();
  for (const split of ["train", "test"] as const) {
    server.add({ repoId: "stanfordnlp/imdb", repoType: "dataset", filename: IMDB_FILES[split], content: fs.readFileSync(fixtureFile(split)), lfs: true });
  }
  let cacheDir: string;
  const opts = () => ({ cacheDir, endpoint: server.endpoint, expectedRows: null, progress: false });
  before(() => server.start());
  after(() => server.stop());
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "imdb-hub-"));
    server.log.length = 0;
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  test("downloads (snappy) into the cache, then loads from the cache without network", async () => {
    const a = await loadImdb(opts());
    assert.equal(a.source.kind, "hub");
    assert.equal(a.source.repoId, "stanfordnlp/imdb");
    assert.equal(a.train.numRows, 24);
    assert.deepEqual(a.source.files.map((f) => f.codecs), [["SNAPPY"], ["SNAPPY"]]);
    assert.ok(a.source.files[0].path.includes(path.join("datasets--stanfordnlp--imdb", "snapshots")));
    server.log.length = 0;
    const b = await loadImdb({ ...opts(), offline: true });
    assert.equal(b.source.kind, "cache");
    assert.equal(server.log.length, 0);
    assert.deepEqual(b.train.text, a.train.text);
    const c = await loadImdb(opts());
    assert.equal(c.source.kind, "cache", "a complete cache is used before any request");
    assert.equal(server.log.length, 0);
  });

  test("a truncated cached file is deleted and downloaded again", async () => {
    const a = await loadImdb(opts());
    const blob = fs.realpathSync(a.source.files[1].path);
    fs.truncateSync(blob, 200);
    const { value: b, warnings } = await captureWarnings(() => loadImdb(opts()));
    assert.match(warnings, /cached plain_text\/test-00000-of-00001\.parquet was corrupt and has been deleted/);
    assert.equal(b.source.kind, "hub");
    assert.deepEqual(b.test.text, a.test.text);
    assert.equal(fs.statSync(blob).size, fs.statSync(fixtureFile("test")).size);
  });

  test("a cached file altered in place (same size, valid footer) is caught by its SHA-256", async () => {
    const a = await loadImdb(opts());
    const blob = fs.realpathSync(a.source.files[0].path);
    const bytes = fs.readFileSync(blob);
    bytes[100] ^= 0x01;
    fs.writeFileSync(blob, bytes);
    const { value: b, warnings } = await captureWarnings(() => loadImdb(opts()));
    assert.match(warnings, /train-00000-of-00001\.parquet was corrupt.*its SHA-256 is [0-9a-f]{64} but the hub cache names its content/s);
    assert.equal(b.source.kind, "hub");
    assert.deepEqual(b.train.text, a.train.text);
  });

  test("offline with a corrupt cache: deleted, then a clear error (never used silently)", async () => {
    await loadImdb(opts());
    const train = tryLoadFromCache({ repoId: "stanfordnlp/imdb", repoType: "dataset", filename: IMDB_FILES.train, cacheDir }) as string;
    fs.truncateSync(fs.realpathSync(train), 10);
    const { warnings } = await captureWarnings(() =>
      assert.rejects(loadImdb({ ...opts(), offline: true }), (e: unknown) => {
        assert.ok(e instanceof ImdbUnavailableError);
        assert.match((e as Error).message, /corrupt and has been deleted/);
        assert.match((e as Error).message, /IMDB_DATA_DIR=\.\.\/shared\/imdb/);
        assert.match((e as Error).message, /unset HF_HUB_OFFLINE/);
        return true;
      }),
    );
    assert.match(warnings, /corrupt/);
    assert.equal(tryLoadFromCache({ repoId: "stanfordnlp/imdb", repoType: "dataset", filename: IMDB_FILES.train, cacheDir }), null);
  });
});

describe("loadImdb when nothing is reachable", () => {
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "imdb-none-"));
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  test('synthetic: "fallback" warns loudly and marks the source synthetic', async () => {
    process.env.HF_HUB_OFFLINE = "1";
    const { value, warnings } = await captureWarnings(() => loadImdb({ cacheDir, synthetic: "fallback", syntheticOptions: { trainSize: 200, testSize: 100, seed: 3 } }));
    assert.equal(value.source.kind, "synthetic");
    assert.deepEqual(value.source.synthetic, { trainSize: 200, testSize: 100, seed: 3 });
    assert.match(value.source.reason ?? "", /HF_HUB_OFFLINE/);
    assert.match(warnings, /SYNTHETIC review set .*200 train \/ 100 test, seed 3.*NOT IMDb results/s);
    assert.equal(value.train.numRows, 200);
    assert.deepEqual(value.test.labelCounts(), [50, 50]);
  });

  test('synthetic: "never" (default) throws an error naming the fixes', async () => {
    await assert.rejects(loadImdb({ cacheDir, offline: true }), (e: unknown) => {
      assert.ok(e instanceof ImdbUnavailableError);
      const m = (e as Error).message;
      assert.match(m, /offline \(offline: true\) and plain_text\/train-00000-of-00001\.parquet, plain_text\/test-00000-of-00001\.parquet not in the hub cache/);
      assert.match(m, /IMDB_DATA_DIR/);
      assert.match(m, /synthetic: "fallback"/);
      return true;
    });
  });

  test("an unreachable hub is a fallback case too", async () => {
    const { value } = await captureWarnings(() =>
      loadImdb({ cacheDir, endpoint: "http://127.0.0.1:9", synthetic: "fallback", syntheticOptions: { trainSize: 10, testSize: 10 } }),
    );
    assert.equal(value.source.kind, "synthetic");
    assert.match(value.source.reason ?? "", /Could not reach the hub/);
  });
});

describe("syntheticImdb", () => {
  test("is deterministic, balanced, and train/test streams are independent of each other's size", () => {
    const a = syntheticImdb({ trainSize: 301, testSize: 50, seed: 7 });
    const b = syntheticImdb({ trainSize: 301, testSize: 50, seed: 7 });
    const c = syntheticImdb({ trainSize: 10, testSize: 50, seed: 7 });
    const d = syntheticImdb({ trainSize: 301, testSize: 50, seed: 8 });
    assert.deepEqual(a.train.text, b.train.text);
    assert.deepEqual(a.test.text, c.test.text);
    assert.notDeepEqual(a.train.text, d.train.text);
    assert.deepEqual(a.train.labelCounts(), [151, 150]);
    assert.equal(new Set(a.train.text).size, 301, "reviews are distinct");
  });

  test("is learnable but not trivial: a negation-aware lexicon beats word counting, neither is perfect", () => {
    const POS = "wonderful brilliant superb excellent moving gripping charming delightful clever beautiful stunning memorable touching hilarious powerful refreshing engaging great loved best award confident real absorbed laughed recommended must-see worth again ten".split(" ");
    const NEG = "terrible awful boring dull weak clumsy predictable lifeless dreadful silly forgettable painful tedious bland confusing lazy annoying bad bored waste hard worst watch forgotten aimless cardboard walked avoid skip back two".split(" ");
    const { train } = syntheticImdb({ trainSize: 2000, testSize: 0, seed: 1 });
    const accuracy = (negationAware: boolean) => {
      let ok = 0;
      for (let i = 0; i < train.numRows; i++) {
        let s = 0;
        for (const sentence of train.text[i].toLowerCase().split(/[.!?]|<br \/>/)) {
          const flip = negationAware && /\bnot\b|nobody/.test(sentence) ? -1 : 1;
          for (const w of sentence.split(/[^a-z-]+/)) s += flip * (POS.includes(w) ? 1 : NEG.includes(w) ? -1 : 0);
        }
        ok += s === 0 ? 0.5 : Number((s > 0 ? 1 : 0) === train.label[i]);
      }
      return ok / train.numRows;
    };
    const naive = accuracy(false);
    const aware = accuracy(true);
    assert.ok(naive > 0.6 && naive < 0.8, `naive ${naive}`);
    assert.ok(aware > naive + 0.07 && aware < 0.95, `aware ${aware} vs naive ${naive}`);
  });
});

describe("Dataset", () => {
  const ds = new Dataset({ text: ["a", "b", "c", "d", "e", "f"], label: Int32Array.from([0, 1, 0, 1, 0, 1]) }, { split: "train" });

  test("select / shuffle keep text, label and source rows together", () => {
    const s = ds.select([5, 0, 3]);
    assert.deepEqual(s.text, ["f", "a", "d"]);
    assert.deepEqual(Array.from(s.label), [1, 0, 1]);
    assert.deepEqual(Array.from(s.sourceIndices), [5, 0, 3]);
    assert.deepEqual(Array.from(s.select([2, 0]).sourceIndices), [3, 5], "source rows compose through selects");
    const sh = ds.shuffle({ seed: 1 });
    assert.deepEqual(sh.text, ds.shuffle({ seed: 1 }).text);
    assert.deepEqual([...sh.text].sort(), ds.text);
    for (let i = 0; i < sh.numRows; i++) assert.equal(sh.text[i], ds.text[sh.sourceIndices[i]]);
    assert.throws(() => ds.select([6]), /index 6 .* out of range for 6 rows/);
    assert.deepEqual(ds.toRows(2), [{ text: "a", label: 0 }, { text: "b", label: 1 }]);
    assert.deepEqual(ds.labelNames, ["neg", "pos"]);
    assert.throws(() => new Dataset({ text: ["x"], label: Int32Array.from([2]) }), /label 2, outside 0\.\.1/);
  });

  test("trainTestSplit method matches sklearn sizes", () => {
    const { train, test } = ds.trainTestSplit({ testSize: 0.34, seed: 0 });
    assert.equal(test.numRows, 3); // ceil(0.34 * 6)
    assert.equal(train.numRows, 3);
  });

  test("sampleBalanced: seeded, balanced, without replacement, labels interleaved", () => {
    const big = syntheticImdb({ trainSize: 1000, testSize: 0, seed: 2 }).train;
    const s = sampleBalanced(big, 201, 42);
    assert.equal(s.numRows, 201);
    assert.deepEqual(s.labelCounts(), [101, 100]);
    assert.equal(new Set(s.sourceIndices).size, 201);
    assert.deepEqual(Array.from(sampleBalanced(big, 201, 42).sourceIndices), Array.from(s.sourceIndices));
    assert.notDeepEqual(Array.from(sampleBalanced(big, 201, 43).sourceIndices), Array.from(s.sourceIndices));
    const firstHalf = Array.from(s.label.subarray(0, 100)).reduce((a, b) => a + b, 0);
    assert.ok(firstHalf > 30 && firstHalf < 70, "labels are shuffled together, not grouped");
    assert.throws(() => sampleBalanced(big, 1002, 1), /asked for 501 "neg" rows but the train split has only 500/);
  });
});
