// Tests of BatchLoader: tensor shapes and dtypes, content equal to the source rows, dynamic padding, seeded
// per-epoch shuffling (reproducible, resumable mid-epoch), and no tensor leak over an epoch when batches are disposed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { tf } from "../src/backends/tf";
import { BatchLoader, disposeBatch, EncodedRows, rowLengths } from "../src/trainer/format";
import { Rng } from "../src/random";

/** Synthetic tokenizer output: [CLS] tokens [SEP], right-padded with 0; some rows fill maxLength. */
function encoded(rows: number, maxLength: number, seed: number): { enc: EncodedRows; labels: Int32Array; lengths: number[] } {
  const rng = new Rng(seed);
  const inputIds = new Int32Array(rows * maxLength);
  const attentionMask = new Int32Array(rows * maxLength);
  const tokenTypeIds = new Int32Array(rows * maxLength);
  const labels = new Int32Array(rows);
  const lengths: number[] = [];
  for (let r = 0; r < rows; r++) {
    const len = r % 7 === 0 ? maxLength : 2 + rng.int(maxLength - 2);
    lengths.push(len);
    for (let j = 0; j < len; j++) {
      inputIds[r * maxLength + j] = j === 0 ? 101 : j === len - 1 ? 102 : 1000 + rng.int(29000);
      attentionMask[r * maxLength + j] = 1;
      tokenTypeIds[r * maxLength + j] = j >= len - 2 ? 1 : 0; // exercise the copy of every array
    }
    labels[r] = rng.int(2);
  }
  return { enc: { inputIds, attentionMask, tokenTypeIds, rows, maxLength }, labels, lengths };
}

function sourceRow(arr: Int32Array, r: number, maxLength: number, width: number): number[] {
  return Array.from(arr.subarray(r * maxLength, r * maxLength + width));
}

describe("BatchLoader", () => {
  const { enc, labels, lengths } = encoded(37, 40, 1);

  test("fixed padding: [b, maxLength] int32 tensors, last partial batch kept, content equals the source rows", () => {
    const loader = new BatchLoader(enc, labels, { batchSize: 8 });
    assert.equal(loader.numBatches, 5);
    assert.deepEqual(Array.from(rowLengths(enc)), lengths);
    let b = 0;
    let row = 0;
    for (const batch of loader.batches(0)) {
      const size = b < 4 ? 8 : 5;
      assert.deepEqual(batch.inputIds.shape, [size, 40]);
      assert.deepEqual(batch.attentionMask.shape, [size, 40]);
      assert.deepEqual(batch.tokenTypeIds.shape, [size, 40]);
      assert.deepEqual(batch.labels.shape, [size]);
      for (const t of [batch.inputIds, batch.attentionMask, batch.tokenTypeIds, batch.labels]) assert.equal(t.dtype, "int32");
      const ids = batch.inputIds.arraySync();
      const mask = batch.attentionMask.arraySync();
      const types = batch.tokenTypeIds.arraySync();
      const y = batch.labels.arraySync();
      for (let i = 0; i < size; i++, row++) {
        assert.deepEqual(ids[i], sourceRow(enc.inputIds, row, 40, 40));
        assert.deepEqual(mask[i], sourceRow(enc.attentionMask, row, 40, 40));
        assert.deepEqual(types[i], sourceRow(enc.tokenTypeIds, row, 40, 40));
        assert.equal(y[i], labels[row]);
      }
      disposeBatch(batch);
      b++;
    }
    assert.equal(b, 5);
    assert.equal(row, 37);
    assert.equal(new BatchLoader(enc, labels, { batchSize: 8, dropLast: true }).numBatches, 4);
  });

  test("dynamic padding: each batch cut to its longest row rounded up to 8, nothing real is lost", () => {
    const loader = new BatchLoader(enc, labels, { batchSize: 4, dynamicPadding: true, shuffle: true, seed: 3 });
    const order = loader.order(0);
    let sawShorter = false;
    for (let b = 0; b < loader.numBatches; b++) {
      const a = loader.batchArrays(0, b);
      const longest = Math.max(...Array.from(a.rows, (r) => lengths[r]));
      assert.equal(a.seqLength, Math.min(40, Math.ceil(longest / 8) * 8));
      assert.ok(a.seqLength % 8 === 0 || a.seqLength === 40);
      if (a.seqLength < 40) sawShorter = true;
      assert.deepEqual(Array.from(a.rows), Array.from(order.subarray(b * 4, b * 4 + a.size)));
      for (let i = 0; i < a.size; i++) {
        const r = a.rows[i];
        assert.deepEqual(Array.from(a.inputIds.subarray(i * a.seqLength, (i + 1) * a.seqLength)), sourceRow(enc.inputIds, r, 40, a.seqLength));
        assert.deepEqual(Array.from(a.tokenTypeIds.subarray(i * a.seqLength, (i + 1) * a.seqLength)), sourceRow(enc.tokenTypeIds, r, 40, a.seqLength));
        // the cut-off tail was padding only
        assert.ok(sourceRow(enc.attentionMask, r, 40, 40).slice(a.seqLength).every((v) => v === 0));
        assert.equal(a.labels[i], labels[r]);
      }
    }
    assert.ok(sawShorter, "some batch is narrower than maxLength");
    const stats = loader.paddingStats(0);
    assert.equal(stats.realTokens, lengths.reduce((x, y) => x + y, 0));
    assert.ok(stats.dynamicTokens < stats.fixedTokens && stats.dynamicTokens >= stats.realTokens);
    assert.equal(stats.fixedTokens, 37 * 40);
    let widthSum = 0;
    for (let b = 0; b < loader.numBatches; b++) widthSum += loader.batchArrays(0, b).seqLength * loader.batchArrays(0, b).size;
    assert.equal(stats.dynamicTokens, widthSum);
    const first = loader.batches(0).next();
    assert.ok(!first.done);
    assert.deepEqual(first.value.inputIds.shape, [4, loader.batchArrays(0, 0).seqLength]);
    disposeBatch(first.value);
  });

  test("seeded per-epoch shuffling: new Rng(seed + epoch), reproducible, a permutation per epoch, resumable", () => {
    const a = new BatchLoader(enc, labels, { batchSize: 5, shuffle: true, seed: 42 });
    const b = new BatchLoader(enc, labels, { batchSize: 5, shuffle: true, seed: 42 });
    assert.deepEqual(Array.from(a.order(0)), Array.from(new Rng(42).permutation(37)));
    assert.deepEqual(Array.from(a.order(2)), Array.from(new Rng(44).permutation(37)));
    assert.deepEqual(Array.from(a.order(1)), Array.from(b.order(1)));
    assert.notDeepEqual(Array.from(a.order(0)), Array.from(a.order(1)));
    assert.deepEqual([...a.order(1)].sort((x, y) => x - y), Array.from({ length: 37 }, (_, i) => i));
    assert.deepEqual(Array.from(new BatchLoader(enc, labels, { batchSize: 5 }).order(3)), Array.from({ length: 37 }, (_, i) => i));

    // resume epoch 1 at batch 3: same batches as an uninterrupted epoch
    const full: number[][] = [];
    for (const batch of a.batches(1)) {
      full.push(Array.from(batch.labels.dataSync()).concat(Array.from(batch.inputIds.dataSync())));
      disposeBatch(batch);
    }
    const resumed: number[][] = [];
    for (const batch of b.batches(1, 3)) {
      resumed.push(Array.from(batch.labels.dataSync()).concat(Array.from(batch.inputIds.dataSync())));
      disposeBatch(batch);
    }
    assert.deepEqual(resumed, full.slice(3));
  });

  test("groupByLength: HF LengthGroupedSampler order, seeded, and fewer padded tokens", () => {
    const big = encoded(400, 64, 9);
    const plain = new BatchLoader(big.enc, big.labels, { batchSize: 4, shuffle: true, seed: 5, dynamicPadding: true });
    const grouped = new BatchLoader(big.enc, big.labels, { batchSize: 4, shuffle: true, seed: 5, dynamicPadding: true, groupByLength: true });
    const order = grouped.order(1);
    assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 400 }, (_, i) => i));
    assert.deepEqual(Array.from(order), Array.from(grouped.order(1)));
    // megabatches of min(400 / 16, 50) = 25 batches = 100 rows, each sorted longest first (row 0 holds the overall longest)
    assert.equal(big.lengths[order[0]], Math.max(...big.lengths));
    for (let m = 0; m < 4; m++) {
      for (let i = m * 100 + 2; i < (m + 1) * 100; i++) assert.ok(big.lengths[order[i - 1]] >= big.lengths[order[i]], `megabatch ${m} sorted at ${i}`);
    }
    assert.ok(grouped.paddingStats(1).dynamicTokens < 0.8 * plain.paddingStats(1).dynamicTokens);
    assert.throws(() => new BatchLoader(big.enc, big.labels, { batchSize: 4, groupByLength: true }), /groupByLength needs shuffle: true/);
  });

  test("tf.memory().numTensors stays flat over an epoch when batches are disposed", () => {
    const loader = new BatchLoader(enc, labels, { batchSize: 4, shuffle: true, seed: 1, dynamicPadding: true });
    const before = tf.memory().numTensors;
    let peak = before;
    for (let epoch = 0; epoch < 2; epoch++) {
      for (const batch of loader.batches(epoch)) {
        peak = Math.max(peak, tf.memory().numTensors);
        const tokens = tf.tidy(() => batch.attentionMask.sum()); // a consumer computing something
        tokens.dispose();
        disposeBatch(batch);
      }
    }
    assert.equal(tf.memory().numTensors, before);
    assert.equal(peak, before + 4, "only the live batch's four tensors at a time");
  });

  test("rejects inconsistent inputs with the sizes involved", () => {
    assert.throws(() => new BatchLoader({ ...enc, rows: 36 }, labels, { batchSize: 4 }), /inputIds has 1480 values, expected rows × maxLength = 36 × 40 = 1440/);
    assert.throws(() => new BatchLoader(enc, labels.subarray(1), { batchSize: 4 }), /36 labels for 37 rows/);
    assert.throws(() => new BatchLoader(enc, labels, { batchSize: 0 }), /batchSize must be a positive integer/);
    assert.throws(() => new BatchLoader(enc, labels, { batchSize: 4 }).batchArrays(0, 10), /Batch 10 does not exist: this loader has 10 per epoch/);
  });
});
