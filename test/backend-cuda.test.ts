// Training on CUDA through @tensorflow/tfjs-node-gpu (an optional dependency; see environment.md, "GPU training").
// When the package is installed and TensorFlow finds a GPU: the automatic choice is the "tensorflow" backend on
// the GPU, the printed device says so, and a product, the project's custom gradients and tiny-bert's batch0
// logits agree with the cpu backend / the golden. Skips with the reason when the package is absent (the
// package.json override maps @tensorflow/tfjs-node, not -gpu, to plain tfjs) or finds no GPU; set
// BERT_IMDB_REQUIRE_CUDA=1 on a CUDA machine to make a skip a failure.
import assert from "node:assert/strict";
import * as path from "node:path";
import { before, test, TestContext } from "node:test";
import { BackendInfo, initBackend } from "../src/backends/initBackend";
import { tf } from "../src/backends/tf";
import { BertForSequenceClassification } from "../src/models";
import { readSafetensors } from "../src/safetensors";
import { requireShared } from "./shared";
import { maxAbsDiff } from "./compare";

const PKG = "@tensorflow/tfjs-node-gpu";
let skipReason: string | null = null;
let info: BackendInfo | null = null;

before(async () => {
  let manifest: { name?: string } | null = null;
  try {
    manifest = require(`${PKG}/package.json`) as { name?: string };
  } catch {
    skipReason = `${PKG} is not installed (optional dependency: CUDA 11.2 + cuDNN 8.1 on Linux x64; see environment.md)`;
    return;
  }
  if (manifest.name !== PKG) {
    skipReason = `${PKG} resolves to ${manifest.name}, not the native package`;
    return;
  }
  info = await initBackend(undefined, { quiet: true });
  if (info.backend !== "tensorflow" || !/GPU \(CUDA\)/.test(info.device)) {
    skipReason = `${PKG} is installed but TensorFlow found no usable CUDA GPU: ${info.skipped.join("; ")}`;
  }
});

function ready(t: TestContext): boolean {
  if (!skipReason) return true;
  if (process.env.BERT_IMDB_REQUIRE_CUDA === "1") throw new Error(`BERT_IMDB_REQUIRE_CUDA=1 but ${skipReason}`);
  console.log(`# skipped: ${skipReason}`);
  t.skip(skipReason);
  return false;
}

test("automatic choice: tfjs-node-gpu on the GPU comes first, and says so", (t) => {
  if (!ready(t)) return;
  assert.equal(tf.getBackend(), "tensorflow");
  assert.match(info!.device, /GPU \(CUDA\) through the TensorFlow C library/);
  assert.equal(info!.reason, "tfjs-node-gpu found a CUDA GPU");
});

test("a product and the custom gather / matMul gradients agree with the cpu backend", async (t) => {
  if (!ready(t)) return;
  const a = tf.randomNormal([64, 32], 0, 1, "float32", 1);
  const b = tf.randomNormal([32, 16], 0, 1, "float32", 2);
  const idx = tf.tensor1d([3, 3, 7, 63], "int32");
  const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(tf.gather(x, idx), y))) as tf.Scalar;
  const gpu = tf.grads(f)([a, b]).map((g) => g.dataSync());
  const av = a.dataSync();
  const bv = b.dataSync();
  await tf.setBackend("cpu");
  try {
    const cpu = tf.grads(f)([tf.tensor(av, a.shape), tf.tensor(bv, b.shape)]).map((g) => g.dataSync());
    gpu.forEach((g, i) => {
      const d = maxAbsDiff(g, cpu[i]);
      assert.ok(d <= 1e-3, `gradient ${i} differs from cpu by ${d}`);
    });
  } finally {
    await tf.setBackend("tensorflow");
  }
});

test("tiny-bert batch0 logits within 1e-4 of transformers on CUDA", async (t) => {
  if (!ready(t)) return;
  const p = requireShared(t, "golden/tiny-bert/golden.safetensors");
  if (!p) return;
  const G = readSafetensors(p);
  const get = (k: string) => G.get(k)!;
  const model = await BertForSequenceClassification.fromPretrained(path.join(path.dirname(p), "model"), { quiet: true });
  try {
    const d = tf.tidy(() => {
      const ids = get("batch0.input_ids");
      const mask = get("batch0.attention_mask");
      const out = model.forward({ inputIds: tf.tensor(ids.data, ids.shape, "int32"), attentionMask: tf.tensor(mask.data, mask.shape, "int32") });
      return maxAbsDiff(out.logits.dataSync(), get("batch0.logits").data);
    });
    t.diagnostic(`logits max abs diff ${d.toExponential(2)}`);
    assert.ok(d <= 1e-4, `logits differ by ${d}`);
  } finally {
    model.dispose();
  }
});
