// Benchmark of stage 10 (inference): texts per second of this project's pipeline (TensorFlow.js, the backend
// initBackend picks) and of transformers.js 4.3.1 (onnxruntime-node CPU on the ONNX export of the same
// weights), on the same 1,000 IMDb test reviews, in one run. Both truncate to 512 tokens and get the same
// batch size; transformers.js's pipeline has no batching of its own, so it is fed batches in input order
// (as a user would) and, to take the batching order out of the comparison, also in length-sorted batches
// (ours sorts by token length internally).
//   npm run bench:pipeline [-- --model DIR] [--n 1000] [--batch-size 16]
//   --model DIR   a folder written by saveFineTuned (exported to ONNX here if it has no onnx/model.onnx);
//                 default: a randomly initialised model of the quick preset's size (2 layers, hidden 128)
// Data: IMDB_DATA_DIR or ../shared/imdb (test split, a seeded sample of --n reviews).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initBackend } from "../src/backends";
import { PRESETS } from "../src/presets";
import { readLabelledTextParquet } from "../src/datasets";
import { BertForSequenceClassification } from "../src/models";
import { exportOnnx } from "../src/onnx";
import { pipeline, transformersJsPipeline, type ClassificationResult } from "../src/pipelines";
import { Rng } from "../src/random";
import { saveFineTuned } from "../src/models/save";
import { loadTokenizer } from "../src/tokenizers";

const SHARED = path.resolve(process.env.BERT_IMDB_SHARED ?? path.join(__dirname, "..", "..", "shared"));

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function readReviews(n: number): Promise<string[]> {
  const dir = path.resolve(process.env.IMDB_DATA_DIR ?? path.join(SHARED, "imdb"));
  const file = path.join(dir, "plain_text", "test-00000-of-00001.parquet");
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: set IMDB_DATA_DIR to a folder with plain_text/test-00000-of-00001.parquet.`);
  const { text } = await readLabelledTextParquet(file);
  const order = new Rng(42).permutation(text.length);
  return Array.from(order.subarray(0, n), (i) => text[i]);
}

/** A folder with a saved random-init model of the quick preset's size and its ONNX export. */
async function randomModelFolder(): Promise<string> {
  const base = JSON.parse(fs.readFileSync(path.join(SHARED, "bert-base-uncased", "config.json"), "utf8"));
  const model = BertForSequenceClassification.fromConfig({ ...base, ...PRESETS.quick.modelShape }, { seed: 42 });
  const tokenizer = await loadTokenizer(fs.existsSync(path.join(SHARED, "bert-base-uncased")) ? path.join(SHARED, "bert-base-uncased") : "bert-base-uncased");
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-pipeline-")), "model");
  process.on("exit", () => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  await saveFineTuned(dir, { model, tokenizer, onnx: true });
  model.dispose();
  return dir;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function main(): Promise<void> {
  const n = Number(argValue("n") ?? 1000);
  const batchSize = Number(argValue("batch-size") ?? 16);
  const backend = await initBackend(undefined, { quiet: true });
  const modelArg = argValue("model");
  let dir: string;
  if (modelArg) {
    dir = path.resolve(modelArg);
    if (!fs.existsSync(path.join(dir, "onnx", "model.onnx"))) {
      console.log(`exporting ${dir}/onnx/model.onnx ...`);
      await exportOnnx(dir);
    }
  } else {
    dir = await randomModelFolder();
  }
  const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  const texts = await readReviews(n);
  console.log(`model: ${modelArg ?? "random init (quick preset size)"} — hidden ${config.hidden_size}, ${config.num_hidden_layers} layers`);
  console.log(`data: ${texts.length} IMDb test reviews (seeded sample), truncated to 512 tokens; batch size ${batchSize}`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}; ours on TensorFlow.js ${backend.backend} (${backend.device})`);

  const ours = await pipeline("sentiment-analysis", dir, { batchSize });
  const theirs = await transformersJsPipeline(dir);
  // Warm-up (kernel compilation, session initialisation) on texts outside the measured set.
  await ours(texts.slice(0, batchSize), { progress: false });
  await theirs(texts.slice(0, batchSize));

  const a = await timed(() => ours(texts, { progress: false }));
  const inOrder = await timed(async () => {
    const out: ClassificationResult[] = [];
    for (let i = 0; i < texts.length; i += batchSize) out.push(...(await theirs(texts.slice(i, i + batchSize))));
    return out;
  });
  const byLength = Array.from(texts, (_, i) => i).sort((x, y) => texts[y].length - texts[x].length);
  const sorted = await timed(async () => {
    for (let i = 0; i < byLength.length; i += batchSize) await theirs(byLength.slice(i, i + batchSize).map((j) => texts[j]));
  });

  let mismatches = 0;
  let maxDiff = 0;
  a.value.forEach((r, i) => {
    if (r.label !== inOrder.value[i].label) mismatches++;
    maxDiff = Math.max(maxDiff, Math.abs(r.score - inOrder.value[i].score));
  });
  const rate = (s: number) => texts.length / s;
  console.log("");
  console.log(`ours (TensorFlow.js ${backend.backend})                    ${rate(a.seconds).toFixed(1).padStart(8)} texts/s  (${a.seconds.toFixed(2)} s)`);
  console.log(`transformers.js (onnxruntime-node), input-order batches ${rate(inOrder.seconds).toFixed(1).padStart(8)} texts/s  (${inOrder.seconds.toFixed(2)} s)`);
  console.log(`transformers.js (onnxruntime-node), length-sorted batches ${rate(sorted.seconds).toFixed(1).padStart(6)} texts/s  (${sorted.seconds.toFixed(2)} s)`);
  console.log(`ratio ours / transformers.js: ${(inOrder.seconds / a.seconds).toFixed(2)} (input order), ${(sorted.seconds / a.seconds).toFixed(2)} (length-sorted)`);
  console.log(`agreement: ${mismatches} label differences, max |score difference| ${maxDiff.toExponential(2)} (reviews > 512 tokens included: the export restores the [SEP] that transformers.js truncation drops)`);
  ours.dispose();
  await theirs.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
