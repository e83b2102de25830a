// OnnxClassifierSession (src/onnx/runtime.ts): ONNX Runtime on an in-memory export of a live model gives the
// TensorFlow.js model's logits (padded rows of different lengths, token types, batch trimming), the golden
// tiny BERT's Hugging Face logits, and a new session sees updated weights while an old one keeps its copy.
//   node --import tsx --test test/onnxRuntime.test.ts
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import { tf } from "../src/backends/tf";
import { BertForSequenceClassification } from "../src/models";
import { OnnxClassifierSession } from "../src/onnx/runtime";
import { maxAbs, maxAbsDiff } from "./compare";
import { goldenBatches } from "./onnxHelpers";
import { requireShared } from "./shared";

/** Relative tolerance against the TensorFlow.js forward pass: max |onnx − tfjs| ≤ REL · max(1, max |tfjs|). */
const REL = 1e-5;
/** test/model.test.ts's tolerance for the golden batch0 logits (absolute). */
const GOLDEN_TOL = 1e-5;

/** A small BERT with a wide init (initializer_range 0.2): logits far apart, so a wrong op would show. */
function wideTinyModel(seed: number, numLabels = 3): BertForSequenceClassification {
  return BertForSequenceClassification.fromConfig(
    {
      model_type: "bert",
      vocab_size: 1000,
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 64,
      max_position_embeddings: 64,
      type_vocab_size: 2,
      layer_norm_eps: 1e-12,
      hidden_act: "gelu",
      initializer_range: 0.2,
    },
    { seed, numLabels },
  );
}

/** Rows of lengths `lengths` ([CLS] … [SEP], right-padded with 0 to `seq`), with a second segment on some rows. */
function paddedRows(lengths: number[], seq: number, vocab: number) {
  const b = lengths.length;
  const ids = new Int32Array(b * seq);
  const mask = new Int32Array(b * seq);
  const types = new Int32Array(b * seq);
  lengths.forEach((len, r) => {
    for (let s = 0; s < len; s++) {
      ids[r * seq + s] = s === 0 ? 101 : s === len - 1 ? 102 : 103 + ((r * 131 + s * 17) % (vocab - 103));
      mask[r * seq + s] = 1;
      if (r % 2 === 1 && s >= len / 2) types[r * seq + s] = 1;
    }
  });
  return { ids, mask, types, shape: [b, seq] as [number, number] };
}

function tfjsLogits(model: BertForSequenceClassification, ids: Int32Array, mask: Int32Array, types: Int32Array | null, shape: [number, number]): Float32Array {
  return tf.tidy(() =>
    model.forward({
      inputIds: tf.tensor2d(ids, shape, "int32"),
      attentionMask: tf.tensor2d(mask, shape, "int32"),
      ...(types ? { tokenTypeIds: tf.tensor2d(types, shape, "int32") } : {}),
    }).logits.dataSync() as Float32Array,
  );
}

function relDiff(got: Float32Array, want: Float32Array): number {
  return maxAbsDiff(got, want) / Math.max(1, maxAbs(want));
}

before(async () => {
  await tf.setBackend("cpu");
  await tf.ready();
});

test("session logits equal the TensorFlow.js model's on padded rows of different lengths (cpu backend)", async (t) => {
  const model = wideTinyModel(7);
  const session = await OnnxClassifierSession.fromModel(model);
  try {
    assert.equal(session.numLabels, 3);
    assert.ok(session.threads >= 1);
    t.diagnostic(`export ${session.timings.exportMs.toFixed(0)} ms, session ${session.timings.createMs.toFixed(0)} ms, ${session.timings.modelBytes} bytes, ${session.threads} threads`);
    const { ids, mask, types, shape } = paddedRows([40, 3, 17, 40, 2, 29], 40, model.config.vocabSize);
    for (const tt of [types, null]) {
      const want = tfjsLogits(model, ids, mask, tt, shape);
      const got = await session.logits(ids, mask, tt, shape[0], shape[1]);
      assert.equal(got.length, shape[0] * 3);
      const rel = relDiff(got, want);
      t.diagnostic(`${tt ? "with" : "without"} token types: max |onnx − tfjs| = ${maxAbsDiff(got, want).toExponential(2)} (max |logit| ${maxAbs(want).toFixed(2)}, relative ${rel.toExponential(2)})`);
      assert.ok(rel <= REL, `relative difference ${rel} > ${REL}`);
    }
    // A padded row scores as the same row alone, unpadded (row 2: 17 tokens padded to 40).
    const lone = ids.slice(2 * 40, 2 * 40 + 17);
    const loneLogits = await session.logits(lone, new Int32Array(17).fill(1), types.slice(2 * 40, 2 * 40 + 17), 1, 17);
    const batched = await session.logits(ids, mask, types, shape[0], shape[1]);
    assert.ok(maxAbsDiff(batched.slice(6, 9), loneLogits) <= REL * Math.max(1, maxAbs(loneLogits)), "padding changed a row's logits");
  } finally {
    await session.dispose();
    model.dispose();
  }
});

test("predict() batches an encoded set and trims padding without changing the logits", async () => {
  const model = wideTinyModel(11, 2);
  const session = await OnnxClassifierSession.fromModel(model);
  try {
    const lengths = [5, 48, 12, 7, 33, 2, 48, 20, 9, 30, 14];
    const { ids, mask, types, shape } = paddedRows(lengths, 48, model.config.vocabSize);
    const enc = { inputIds: ids, attentionMask: mask, tokenTypeIds: types, rows: shape[0], maxLength: shape[1] };
    const want = tfjsLogits(model, ids, mask, types, shape);
    for (const [batchSize, trimPadding] of [[4, true], [4, false], [16, true], [1, true]] as Array<[number, boolean]>) {
      const got = await session.predict(enc, { batchSize, trimPadding });
      assert.equal(got.length, lengths.length * 2);
      assert.ok(relDiff(got, want) <= REL, `batch ${batchSize}, trim ${trimPadding}: relative difference ${relDiff(got, want)}`);
    }
  } finally {
    await session.dispose();
    model.dispose();
  }
});

test("logits match the golden tiny BERT's Hugging Face logits (batch0 and the real reviews)", async (t) => {
  const dir = requireShared(t, "golden/tiny-bert/model");
  if (!dir || !requireShared(t, "golden/tiny-bert/golden_real_ids.safetensors")) return;
  const model = await BertForSequenceClassification.fromPretrained(dir, { quiet: true });
  const session = await OnnxClassifierSession.fromModel(model);
  try {
    for (const [name, b] of Object.entries(goldenBatches())) {
      const got = await session.logits(b.inputIds, b.attentionMask, null, b.shape[0], b.shape[1]);
      const diff = maxAbsDiff(got, b.logits);
      t.diagnostic(`${name} [${b.shape.join(" × ")}]: max |onnx − HF| = ${diff.toExponential(2)}`);
      assert.ok(diff <= GOLDEN_TOL, `${name}: max |onnx − HF| = ${diff} > ${GOLDEN_TOL}`);
    }
  } finally {
    await session.dispose();
    model.dispose();
  }
});

test("a new session reflects updated weights; an existing one keeps the weights it was built with", async () => {
  const model = wideTinyModel(5, 2);
  const { ids, mask, shape } = paddedRows([9, 30, 4], 30, model.config.vocabSize);
  const before = await OnnxClassifierSession.fromModel(model);
  try {
    const old = await before.logits(ids, mask, null, shape[0], shape[1]);
    // Change a weight inside the encoder and the classifier bias, as an optimizer step would.
    const params = new Map(model.namedParameters());
    const q = params.get("bert.encoder.layer.0.attention.self.query.weight")!;
    const bias = params.get("classifier.bias")!;
    tf.tidy(() => {
      q.assign(tf.mul(q, 1.5));
      bias.assign(tf.tensor1d([0.75, -1.25]));
    });
    const want = tfjsLogits(model, ids, mask, null, shape);
    assert.ok(maxAbsDiff(old, want) > 1e-2, "the update must change the logits for this test to mean anything");
    const after = await OnnxClassifierSession.fromModel(model);
    try {
      const got = await after.logits(ids, mask, null, shape[0], shape[1]);
      assert.ok(relDiff(got, want) <= REL, `new session: relative difference ${relDiff(got, want)}`);
      assert.ok(maxAbsDiff(await before.logits(ids, mask, null, shape[0], shape[1]), old) <= 1e-7, "the old session keeps its own copy of the weights");
    } finally {
      await after.dispose();
    }
  } finally {
    await before.dispose();
    model.dispose();
  }
});

test("bad inputs are refused with clear errors; a disposed session says so", async () => {
  const model = wideTinyModel(1, 2);
  const session = await OnnxClassifierSession.fromModel(model, { intraOpNumThreads: 1 });
  try {
    assert.equal(session.threads, 1);
    const ok = new Int32Array([101, 200, 102, 0]);
    const ones = new Int32Array(4).fill(1);
    await assert.rejects(session.logits(ok, ones, null, 2, 3), /inputIds has 4 values, expected batch × seqLen = 2 × 3 = 6/);
    await assert.rejects(session.logits(new Int32Array([101, 5000, 102, 0]), ones, null, 1, 4), /inputIds.*\[0, 1000\); found 5000/);
    await assert.rejects(session.logits(ok, ones, new Int32Array([0, 2, 0, 0]), 1, 4), /tokenTypeIds.*\[0, 2\); found 2/);
    await assert.rejects(session.logits(new Int32Array(65).fill(101), new Int32Array(65).fill(1), null, 1, 65), /65 exceeds max_position_embeddings 64/);
    await assert.rejects(OnnxClassifierSession.fromModel(model, { intraOpNumThreads: 0 }), /intraOpNumThreads must be an integer >= 1/);
  } finally {
    await session.dispose();
    await session.dispose();
  }
  await assert.rejects(session.logits(new Int32Array([101, 102]), new Int32Array([1, 1]), null, 1, 2), /disposed/);
  model.dispose();
});
