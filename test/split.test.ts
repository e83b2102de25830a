// Tests of the train/validation split: sklearn sizes, disjointness, seeded reproducibility, overlap counting,
// and the simulation of the Python tutorial's leaky double split.
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, test } from "node:test";
import { Dataset, loadImdb } from "../src/datasets";
import { overlap, pythonTutorialSplit, splitSizes, trainTestSplitIndices } from "../src/datasets";
import type { Dataset as Ds } from "../src/datasets";

/** ds.trainTestSplit plus the positions of its rows in ds. */
function trainTestSplit(ds: Ds, opts: { testSize: number; seed: number }) {
  const parts = ds.trainTestSplit(opts);
  return { train: parts.train, test: parts.test, indices: trainTestSplitIndices(ds.numRows, opts) };
}
import { requireShared } from "./shared";

function indexDataset(n: number): Dataset {
  const text = Array.from({ length: n }, (_, i) => `review ${i}`);
  const label = Int32Array.from({ length: n }, (_, i) => i % 2);
  return new Dataset({ text, label });
}

describe("trainTestSplit", () => {
  test("25,000 rows with testSize 0.1 → 22,500 / 2,500, disjoint and covering", () => {
    const ds = indexDataset(25_000);
    const s = trainTestSplit(ds, { testSize: 0.1, seed: 42 });
    assert.equal(s.train.numRows, 22_500);
    assert.equal(s.test.numRows, 2_500);
    const all = new Set([...s.indices.train, ...s.indices.test]);
    assert.equal(all.size, 25_000);
    assert.deepEqual(overlap(s.train, s.test), { byIndex: 0, byText: 0, fractionOfB: 0 });
    for (let i = 0; i < 100; i++) assert.equal(s.train.text[i], `review ${s.indices.train[i]}`);
    // shuffled, not file order
    assert.notDeepEqual(Array.from(s.indices.test.subarray(0, 10)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("reproducible for a seed, different for another", () => {
    const a = trainTestSplitIndices(1000, { testSize: 0.2, seed: 7 });
    const b = trainTestSplitIndices(1000, { testSize: 0.2, seed: 7 });
    const c = trainTestSplitIndices(1000, { testSize: 0.2, seed: 8 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(Array.from(a.test), Array.from(c.test));
  });

  test("sklearn sizes: ceil for a test fraction, floor for a train fraction, counts as given", () => {
    assert.deepEqual(splitSizes(11, { testSize: 0.25 }), { train: 8, test: 3 });
    assert.deepEqual(splitSizes(10, { testSize: 0.1 }), { train: 9, test: 1 });
    assert.deepEqual(splitSizes(10, { testSize: 0.15 }), { train: 8, test: 2 });
    assert.deepEqual(splitSizes(10, { testSize: 3 }), { train: 7, test: 3 });
    assert.deepEqual(splitSizes(10, { testSize: 0.2, trainSize: 0.55 }), { train: 5, test: 2 });
    assert.throws(() => splitSizes(10, { testSize: 0.95 }), /Cannot split 10 rows/);
    assert.throws(() => splitSizes(10, { testSize: 2.5 }), /fraction in \(0, 1\) or a whole row count/);
    assert.throws(() => trainTestSplitIndices(10, { testSize: 0.2, seed: NaN }), /needs a seed/);
    // Seeds that 32 bits would fold onto others (-1 is 4294967295, 2^32 + 42 is 42) are refused, as sklearn does.
    for (const seed of [-1, 2 ** 32 + 42, 1.5]) {
      assert.throws(() => trainTestSplitIndices(10, { testSize: 0.2, seed }), /seed must be an integer from 0 to 4294967295/);
    }
    assert.equal(trainTestSplitIndices(10, { testSize: 0.2, seed: 2 ** 32 - 1 }).test.length, 2);
  });

  test("shuffle: false keeps file order like sklearn (train first, then test)", () => {
    const s = trainTestSplitIndices(10, { testSize: 0.2, seed: 0, shuffle: false });
    assert.deepEqual(Array.from(s.train), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(Array.from(s.test), [8, 9]);
  });
});

describe("pythonTutorialSplit", () => {
  test("two unseeded splits leak most validation rows into training; ours leaks none", () => {
    const ds = indexDataset(25_000);
    const leaky = pythonTutorialSplit(ds, { seeds: [1, 2] });
    assert.equal(leaky.train.numRows, 22_500);
    assert.equal(leaky.eval.numRows, 2_500);
    // each eval row is in the other call's train part with probability 0.9: 2,250 ± ~15
    assert.ok(leaky.overlap.byIndex > 2_150 && leaky.overlap.byIndex < 2_350, `overlap ${leaky.overlap.byIndex}`);
    assert.equal(leaky.overlap.byText, leaky.overlap.byIndex);
    const fresh = pythonTutorialSplit(ds);
    assert.notEqual(fresh.seeds[0], fresh.seeds[1]);
    assert.ok(fresh.overlap.fractionOfB > 0.85);
    const ours = trainTestSplit(ds, { testSize: 0.1, seed: 42 });
    assert.equal(overlap(ours.train, ours.test).byIndex, 0);
    assert.throws(() => pythonTutorialSplit(ds, { seeds: [3, 3] }), /two different seeds/);
  });

  test("on the real IMDb train split: index overlap 0; the few shared texts are IMDb's own duplicates", async (t) => {
    const p = requireShared(t, "imdb/plain_text/train-00000-of-00001.parquet");
    if (!p) return;
    const { train } = await loadImdb({ dataDir: path.dirname(path.dirname(p)) });
    const ours = trainTestSplit(train, { testSize: 0.1, seed: 42 });
    const o = overlap(ours.train, ours.test);
    const leaky = pythonTutorialSplit(train, { seeds: [1, 2] });
    const counts = new Map<string, number>();
    for (const x of train.text) counts.set(x, (counts.get(x) ?? 0) + 1);
    const trainTexts = new Set(ours.train.text);
    for (let i = 0; i < ours.test.numRows; i++) {
      if (trainTexts.has(ours.test.text[i])) assert.ok((counts.get(ours.test.text[i]) ?? 0) > 1, "a shared text must be a duplicate review");
    }
    console.log(`# IMDb train: ${counts.size} distinct texts of 25,000; ours: index overlap ${o.byIndex}, text overlap ${o.byText}; tutorial: ${leaky.overlap.byIndex} of 2,500 eval rows were trained on`);
    assert.equal(o.byIndex, 0);
    assert.ok(o.byText < 50, `text overlap ${o.byText}`);
    assert.ok(leaky.overlap.byIndex > 2_150);
  });
});
