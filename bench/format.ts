// Benchmark of dynamic padding (npm run bench:format). Tokenizes real IMDb reviews with HF's Rust tokenizer
// (bert-base-uncased, no truncation) to get their true token lengths, then reports for several maxLength and
// batch sizes how many tokens an epoch computes on with fixed padding vs per-batch dynamic padding (rounded up
// to 8), also with HF's length-grouped shuffling (groupByLength), and times a small attention forward pass
// (embedding, one self-attention head, masked mean pool, classifier) on the same rows batched the three ways.
//   npm run bench:format -- [--rows N] [--timed-batches K] [--batch-size B]
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend } from "../src/backends";
import { tf } from "../src/backends/tf";
import { BatchLoader, disposeBatch, EncodedRows, lengthGroupedOrder, paddingStats } from "../src/trainer/format";
import { loadImdb } from "../src/datasets";
import { Rng } from "../src/random";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const SHARED = path.resolve(process.env.BERT_IMDB_SHARED ?? path.join(__dirname, "..", "..", "shared"));
const ROWS = arg("rows", 50_000);
const TIMED_BATCHES = arg("timed-batches", 16);
const TIMED_BATCH_SIZE = arg("batch-size", 16);

function quantile(sorted: Int32Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}

/** A toy model with BERT's attention cost profile: cost grows with seq² per row, so padding costs real time. */
function makeModel(dim: number) {
  const rng = new Rng(0);
  const init = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.05), shape);
  const emb = init([30522, dim]);
  const wq = init([dim, dim]);
  const wk = init([dim, dim]);
  const wv = init([dim, dim]);
  const wo = init([dim, 2]);
  const forward = (ids: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor =>
    tf.tidy(() => {
      const [b, L] = ids.shape;
      const x = tf.gather(emb, ids.reshape([-1])).reshape([b * L, dim]);
      const q = tf.matMul(x, wq).reshape([b, L, dim]);
      const k = tf.matMul(x, wk).reshape([b, L, dim]);
      const v = tf.matMul(x, wv).reshape([b, L, dim]);
      const m = mask.toFloat();
      const bias = tf.sub(1, m).mul(-1e9).reshape([b, 1, L]);
      const attn = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(dim)).add(bias));
      const h = tf.matMul(attn, v); // [b, L, dim]
      const pooled = h.mul(m.reshape([b, L, 1])).sum(1).div(m.sum(1, true));
      return tf.matMul(pooled, wo);
    });
  return { forward, dispose: () => tf.dispose([emb, wq, wk, wv, wo]) };
}

async function main(): Promise<void> {
  const backend = await initBackend(undefined, { quiet: true });
  const dataDir = process.env.IMDB_DATA_DIR ?? path.join(SHARED, "imdb");
  let t0 = Date.now();
  const data = await loadImdb(fs.existsSync(dataDir) ? { dataDir } : {});
  const texts = [...data.train.text, ...data.test.text].slice(0, ROWS);
  console.log(`data: ${data.source.kind} ${data.source.path ?? ""} — ${texts.length} reviews loaded in ${Date.now() - t0} ms`);

  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Tokenizer } = require("tokenizers") as typeof import("tokenizers");
  const tok = Tokenizer.fromFile(path.join(SHARED, "bert-base-uncased", "tokenizer.json"));
  t0 = Date.now();
  const encodings = await tok.encodeBatch(texts);
  const tokSeconds = (Date.now() - t0) / 1000;
  const lengths = Int32Array.from(encodings, (e) => e.getLength());
  const sorted = Int32Array.from(lengths).sort();
  const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  const share = (x: number) => lengths.filter((l) => l > x).length / lengths.length;
  console.log(`tokenized ${texts.length} reviews (no truncation) in ${tokSeconds.toFixed(1)} s`);
  console.log(
    `token lengths: mean ${mean.toFixed(1)}, median ${quantile(sorted, 0.5)}, p90 ${quantile(sorted, 0.9)}, max ${sorted[sorted.length - 1]}, ` +
      `>128: ${(100 * share(128)).toFixed(2)} %, >512: ${(100 * share(512)).toFixed(2)} %`,
  );
  const goldenFile = path.join(SHARED, "golden", "imdb_token_lengths.json");
  if (fs.existsSync(goldenFile) && texts.length === 50_000) {
    const g = JSON.parse(fs.readFileSync(goldenFile, "utf8"));
    console.log(`golden (Python/Rust reference): mean ${g.mean_tokens}, median ${g.median_tokens}, max ${g.max_tokens}, >128: ${(100 * g.share_over_128).toFixed(2)} %, >512: ${(100 * g.share_over_512).toFixed(2)} %`);
  }

  console.log("\nTokens computed per epoch (shuffled, seed 42): fixed padding to maxLength vs dynamic padding per batch (multiple of 8),");
  console.log("with a plain shuffle and with groupByLength (HF LengthGroupedSampler). Width = computed tokens per row.");
  console.log("maxLength  batch  real tok/row  dynamic width  saved  | grouped width  saved");
  const order = new Rng(42).permutation(lengths.length);
  for (const maxLength of [128, 256, 512]) {
    const truncated = Int32Array.from(lengths, (l) => Math.min(l, maxLength));
    for (const batchSize of [8, 16, 32]) {
      const n = lengths.length;
      const s = paddingStats(lengths, { batchSize, maxLength, order });
      const g = paddingStats(lengths, { batchSize, maxLength, order: lengthGroupedOrder(truncated, batchSize, order) });
      const pct = (x: number) => `${(100 * (1 - x / s.fixedTokens)).toFixed(1).padStart(5)} %`;
      console.log(
        `${String(maxLength).padStart(9)}  ${String(batchSize).padStart(5)}  ${(s.realTokens / n).toFixed(1).padStart(12)}  ` +
          `${(s.dynamicTokens / n).toFixed(1).padStart(13)}  ${pct(s.dynamicTokens)}  | ${(g.dynamicTokens / n).toFixed(1).padStart(13)}  ${pct(g.dynamicTokens)}`,
      );
    }
  }

  console.log(`\nForward pass of a small attention model (dim 64, one head) on ${TIMED_BATCHES} batches of ${TIMED_BATCH_SIZE} real reviews, backend ${backend.backend} (${backend.device}):`);
  const model = makeModel(64);
  const rows = TIMED_BATCHES * TIMED_BATCH_SIZE;
  for (const maxLength of [128, 256, 512]) {
    const inputIds = new Int32Array(rows * maxLength);
    const attentionMask = new Int32Array(rows * maxLength);
    for (let r = 0; r < rows; r++) {
      const ids = encodings[order[r]].getIds();
      const len = Math.min(ids.length, maxLength);
      for (let j = 0; j < len; j++) inputIds[r * maxLength + j] = ids[j];
      if (ids.length > maxLength) inputIds[r * maxLength + maxLength - 1] = 102; // truncation keeps [SEP]
      attentionMask.fill(1, r * maxLength, r * maxLength + len);
    }
    const enc: EncodedRows = { inputIds, attentionMask, tokenTypeIds: new Int32Array(rows * maxLength), rows, maxLength };
    const labels = new Int32Array(rows);
    const modes = {
      fixed: { dynamicPadding: false },
      dynamic: { dynamicPadding: true },
      grouped: { dynamicPadding: true, shuffle: true, seed: 42, groupByLength: true },
    } as const;
    const times: Record<string, number> = {};
    const widths: Record<string, number> = {};
    for (let rep = 0; rep < 2; rep++) {
      for (const [key, mode] of Object.entries(modes)) {
        const loader = new BatchLoader(enc, labels, { batchSize: TIMED_BATCH_SIZE, ...mode });
        const warm = loader.batches(0).next().value;
        if (warm) {
          model.forward(warm.inputIds, warm.attentionMask).dispose();
          disposeBatch(warm);
        }
        const start = performance.now();
        let width = 0;
        for (const batch of loader.batches(0)) {
          const logits = model.forward(batch.inputIds, batch.attentionMask);
          await logits.data();
          width += batch.inputIds.shape[1];
          logits.dispose();
          disposeBatch(batch);
        }
        times[key] = Math.min(times[key] ?? Infinity, performance.now() - start); // best of two runs
        widths[key] = width / loader.numBatches;
      }
    }
    const line = (key: string) => `${key} ${(times[key] / TIMED_BATCHES).toFixed(1)} ms/batch (width ${widths[key].toFixed(1)})`;
    console.log(
      `  maxLength ${maxLength}: ${line("fixed")}; ${line("dynamic")} → ${(times.fixed / times.dynamic).toFixed(2)}×; ` +
        `${line("grouped")} → ${(times.fixed / times.grouped).toFixed(2)}×`,
    );
  }
  model.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
