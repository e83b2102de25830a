// Inference on the CPU next to its peers, in one run, on the same rows and the same weights:
//  (a) evaluation samples/s: TensorFlow.js (the Trainer's predictionLoop, backend as initBackend picks it) vs
//      ONNX Runtime (OnnxClassifierSession, src/onnx/runtime.ts, on an in-memory export of the live model);
//  (b) the same evaluation through PyTorch (Python transformers' BertForSequenceClassification, loaded from the
//      folder our model was saved to, torch threads = --threads);
//  (c) pipeline texts/s: transformers.js' pipeline("sentiment-analysis") on the saved folder + onnx/model.onnx
//      vs our tokenizer (BertTokenizerFast) + OnnxClassifierSession, both fed the texts in batches in input order.
// Model: the quick preset's shape (2 layers, hidden 128, 2 heads, intermediate 512, bert-base-uncased vocab),
// random init (seed 42). Data: --n IMDb test reviews (a seeded sample, the same as bench:pipeline's),
// tokenized to --max-length 128. The implementations take turns within each of --rounds rounds (the order
// rotates each round), so they share the machine's load; the table gives medians, ranges, and ratios taken
// within a round.
//  (d) training samples/s: this project's Trainer vs transformers' Trainer (bench/peer_train.py, the seed's own
//      recipe) on the same --train-rows IMDb training reviews, the same initial weights and the same arguments
//      (quick preset: learning rate 5e-4, batch 16, weight decay 0.01, --train-epochs 1), taking turns in each of
//      --train-rounds rounds; the ratio is taken within each round.
//   npm run bench:peer [-- --n 1000] [--batch-size 16] [--rounds 3] [--threads N] [--base-session] [--train-rows 480] [--train-epochs 1] [--train-rounds 3]
//   --threads N      ONNX Runtime intra-op threads and torch threads (default: os.availableParallelism());
//                    transformers.js keeps its own default
//   --base-session   also time building a session for a bert-base-sized model (export + ONNX Runtime load)
// Env: IMDB_DATA_DIR (default ../shared/imdb), HF_HUB_OFFLINE=1 (the tokenizer's embedded copy is used),
// BERT_IMDB_BACKEND (TensorFlow.js backend), BERT_IMDB_HF_PYTHON (else .python-hf/bin/python; without one (b) is skipped).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { initBackend } from "../src/backends/initBackend";
import { tf } from "../src/backends/tf";
import { readLabelledTextParquet } from "../src/datasets";
import { BertForSequenceClassification, computeLoss } from "../src/models";
import { saveFineTuned } from "../src/models/save";
import { findTransformersPython } from "../src/models/pythonTransformers";
import { exportOnnx } from "../src/onnx";
import { OnnxClassifierSession, onnxRuntimeVersion } from "../src/onnx/runtime";
import { transformersJsPipeline, type ClassificationResult } from "../src/pipelines";
import { Rng } from "../src/random";
import { BertTokenizerFast } from "../src/tokenizers";
import { predictionLoop } from "../src/trainer/predictionLoop";
import { Trainer } from "../src/trainer/trainer";

const SHARED = path.resolve(process.env.BERT_IMDB_SHARED ?? path.join(__dirname, "..", "..", "shared"));

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function intArg(name: string, def: number): number {
  const v = Number(arg(name) ?? def);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be an integer >= 1, got ${arg(name)}`);
  return v;
}

/** bert-base-uncased's config.json (from ../shared, else its values written out). */
function bertBaseConfig(): Record<string, unknown> {
  const f = path.join(SHARED, "bert-base-uncased", "config.json");
  if (fs.existsSync(f)) return JSON.parse(fs.readFileSync(f, "utf8")) as Record<string, unknown>;
  return {
    model_type: "bert", vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072,
    max_position_embeddings: 512, type_vocab_size: 2, layer_norm_eps: 1e-12, hidden_act: "gelu", initializer_range: 0.02, pad_token_id: 0,
  };
}
const QUICK_SHAPE = { hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 512 };

async function readReviews(n: number, split: "test" | "train" = "test"): Promise<{ texts: string[]; labels: Int32Array }> {
  const dir = path.resolve(process.env.IMDB_DATA_DIR ?? path.join(SHARED, "imdb"));
  const file = path.join(dir, "plain_text", `${split}-00000-of-00001.parquet`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: set IMDB_DATA_DIR to a folder with plain_text/test-00000-of-00001.parquet`);
  const { text, label } = await readLabelledTextParquet(file);
  const order = new Rng(42).permutation(text.length).subarray(0, n);
  return { texts: Array.from(order, (i) => text[i]), labels: Int32Array.from(order, (i) => label[i]) };
}

/** The PyTorch process (bench/peer_torch.py): loads once, then times one pass per "run". */
class TorchPeer {
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private stderr = "";
  private exited: string | null = null;
  private constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    readline.createInterface({ input: proc.stdout }).on("line", (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(line);
      } else this.lines.push(line);
    });
    proc.stderr.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    proc.on("exit", (code) => {
      this.exited = `exited with code ${code}`;
      this.waiting?.("");
    });
  }
  static start(python: string, args: string[]): TorchPeer {
    return new TorchPeer(spawn(python, [path.join(__dirname, "peer_torch.py"), ...args], { stdio: ["pipe", "pipe", "pipe"] }));
  }
  private async nextJson<T>(): Promise<T> {
    for (;;) {
      const line = this.lines.shift() ?? (this.exited ? "" : await new Promise<string>((r) => (this.waiting = r)));
      if (!line && this.exited) throw new Error(`bench/peer_torch.py ${this.exited}:\n${this.stderr}`);
      if (line.startsWith("{")) return JSON.parse(line) as T;
    }
  }
  ready(): Promise<{ torch: string; transformers: string; threads: number; attn_implementation: string | null }> {
    return this.nextJson();
  }
  async run(): Promise<number> {
    this.proc.stdin.write("run\n");
    return (await this.nextJson<{ seconds: number }>()).seconds;
  }
  quit(): void {
    if (!this.exited) this.proc.stdin.end("quit\n");
  }
}

function softmaxResults(logits: Float32Array, numLabels: number, id2label: Record<string, string>): ClassificationResult[] {
  const out: ClassificationResult[] = [];
  for (let r = 0; r < logits.length / numLabels; r++) {
    const row = logits.subarray(r * numLabels, (r + 1) * numLabels);
    let best = 0;
    for (let j = 1; j < numLabels; j++) if (row[j] > row[best]) best = j;
    let sum = 0;
    for (let j = 0; j < numLabels; j++) sum += Math.exp(row[j] - row[best]);
    out.push({ label: id2label[String(best)] ?? `LABEL_${best}`, score: 1 / sum });
  }
  return out;
}

/** Mean cross-entropy of logits [n, numLabels] against labels (what evaluate reports as eval_loss). */
function meanLoss(logits: Float32Array, labels: Int32Array, numLabels: number): number {
  let s = 0;
  for (let r = 0; r < labels.length; r++) {
    const row = logits.subarray(r * numLabels, (r + 1) * numLabels);
    const m = Math.max(...row);
    let z = 0;
    for (const v of row) z += Math.exp(v - m);
    s += m + Math.log(z) - row[labels[r]];
  }
  return s / labels.length;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
function argmaxDiffs(a: ArrayLike<number>, b: ArrayLike<number>, numLabels: number): number {
  let n = 0;
  for (let r = 0; r < a.length / numLabels; r++) {
    let ia = 0;
    let ib = 0;
    for (let j = 1; j < numLabels; j++) {
      if (a[r * numLabels + j] > a[r * numLabels + ia]) ia = j;
      if (b[r * numLabels + j] > b[r * numLabels + ib]) ib = j;
    }
    if (ia !== ib) n++;
  }
  return n;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x: number, digits = 0): string => x.toFixed(digits);
const threadsText = (k: number): string => `${k} thread${k === 1 ? "" : "s"}`;
const range = (xs: number[], digits = 0): string => (xs.length > 1 ? `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}` : fmt(xs[0], digits));

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const t00 = performance.now();
  const n = intArg("n", 1000);
  const batchSize = intArg("batch-size", 16);
  const rounds = intArg("rounds", 3);
  const maxLength = intArg("max-length", 128);
  const threads = intArg("threads", typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length);
  const backend = await initBackend(undefined, { quiet: true });

  const { texts, labels } = await readReviews(n);
  const tokenizer = await BertTokenizerFast.fromPretrained("bert-base-uncased");
  const enc = await tokenizer.encodeBatch(texts, { maxLength });
  const dataset = { ...enc, labels };
  const base = bertBaseConfig();
  const model = BertForSequenceClassification.fromConfig({ ...base, ...QUICK_SHAPE }, { seed: 42, numLabels: 2 });
  const numLabels = 2;

  // One folder for PyTorch (config.json + model.safetensors) and transformers.js (tokenizer files + onnx/model.onnx).
  // transformers.js' pipeline has no max_length option: it truncates to tokenizer_config.json's model_max_length,
  // so the folder says maxLength there; the export then restores the [SEP] its truncation drops (finalSep).
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-peer-"));
  process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
  const dir = path.join(tmp, "model");
  await saveFineTuned(dir, { model, tokenizer });
  const tokCfgFile = path.join(dir, "tokenizer_config.json");
  fs.writeFileSync(tokCfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(tokCfgFile, "utf8")), model_max_length: maxLength }, null, 2));
  const exported = await exportOnnx(dir, { model });
  const id2label = (JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) as { id2label: Record<string, string> }).id2label;

  const session = await OnnxClassifierSession.fromModel(model, { intraOpNumThreads: threads });

  // PyTorch, in its own process, on the same ids.
  const py = findTransformersPython();
  let torch: TorchPeer | null = null;
  let torchInfo: Awaited<ReturnType<TorchPeer["ready"]>> | null = null;
  let torchLogits: Float32Array | null = null;
  if (py.python) {
    const idsFile = path.join(tmp, "ids.i32");
    const both = new Int32Array(2 * enc.rows * enc.maxLength);
    both.set(enc.inputIds, 0);
    both.set(enc.attentionMask, enc.inputIds.length);
    fs.writeFileSync(idsFile, Buffer.from(both.buffer));
    const logitsFile = path.join(tmp, "torch_logits.f32");
    torch = TorchPeer.start(py.python, [dir, idsFile, String(enc.rows), String(enc.maxLength), String(batchSize), String(threads), logitsFile]);
    torchInfo = await torch.ready();
    const buf = fs.readFileSync(logitsFile);
    torchLogits = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  }

  const theirs = await transformersJsPipeline(dir);
  const batches: string[][] = [];
  for (let i = 0; i < texts.length; i += batchSize) batches.push(texts.slice(i, i + batchSize));
  const oursPipeline = async (): Promise<ClassificationResult[]> => {
    const out: ClassificationResult[] = [];
    for (const b of batches) {
      const e = await tokenizer.encodeBatch(b, { maxLength });
      out.push(...softmaxResults(await session.predict(e, { batchSize, trimPadding: true }), numLabels, id2label));
    }
    return out;
  };
  const theirsPipeline = async (): Promise<ClassificationResult[]> => {
    const out: ClassificationResult[] = [];
    for (const b of batches) out.push(...(await theirs(b)));
    return out;
  };

  console.log(`bench:peer — inference on the CPU, ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"} (availableParallelism ${os.availableParallelism?.() ?? "?"}), Node ${process.version}`);
  console.log(`model: random init (seed 42), hidden 128, 2 layers, 2 heads, intermediate 512, vocab 30522, 2 labels`);
  console.log(`data: ${n} IMDb test reviews (seeded sample), tokenized to ${maxLength} (padded to ${maxLength} for evaluation, as the Trainer's default); batch ${batchSize}; ${rounds} rounds`);
  console.log(`TensorFlow.js: ${backend.backend} — ${backend.device}`);
  console.log(`ONNX Runtime: onnxruntime-node ${onnxRuntimeVersion()}, ${threadsText(session.threads)} (intra-op), graph optimisation "all"; session built in ${fmt(session.timings.exportMs)} ms (export) + ${fmt(session.timings.createMs)} ms (load), ${(session.timings.modelBytes / 1e6).toFixed(1)} MB`);
  console.log(torchInfo ? `PyTorch: torch ${torchInfo.torch}, transformers ${torchInfo.transformers}, ${threadsText(torchInfo.threads)}, attention ${torchInfo.attn_implementation}` : `PyTorch: skipped — ${py.reason}`);
  console.log(`transformers.js: pipeline on the saved folder (onnx/model.onnx ${(exported.sizeBytes / 1e6).toFixed(1)} MB, model_max_length ${maxLength}, [SEP] restored by the export)`);

  // Warm-up (kernels, sessions, thread pools) on a few rows, outside the measurement.
  const warm = { ...dataset, rows: Math.min(32, n), inputIds: enc.inputIds.subarray(0, Math.min(32, n) * maxLength), attentionMask: enc.attentionMask.subarray(0, Math.min(32, n) * maxLength), tokenTypeIds: enc.tokenTypeIds.subarray(0, Math.min(32, n) * maxLength), labels: labels.subarray(0, Math.min(32, n)) };
  await predictionLoop(model, warm, computeLoss, { batchSize, progress: false, runtime: "tfjs" });
  await session.predict(warm, { batchSize, trimPadding: false });
  await theirs(batches[0]);
  await session.predict(await tokenizer.encodeBatch(batches[0], { maxLength }), { batchSize });

  type Key = "tfjs" | "ort" | "torch" | "tjsPipe" | "ortPipe";
  const secs: Record<Key, number[]> = { tfjs: [], ort: [], torch: [], tjsPipe: [], ortPipe: [] };
  let tfjsLogits: Float32Array | null = null;
  let tfjsLoss = NaN;
  let ortLogits: Float32Array | null = null;
  let tjsResults: ClassificationResult[] = [];
  let oursResults: ClassificationResult[] = [];
  const steps: Array<[Key, () => Promise<number>]> = [
    ["tfjs", async () => {
      const r = await predictionLoop(model, dataset, computeLoss, { batchSize, progress: false, dynamicPadding: false, runtime: "tfjs" });
      tfjsLogits = Float32Array.from(r.logits.flat());
      tfjsLoss = r.loss;
      return r.runtimeSeconds;
    }],
    ["ort", () => timeIt(async () => {
      ortLogits = await session.predict(enc, { batchSize, trimPadding: false });
      meanLoss(ortLogits, labels, numLabels);
    })],
    ...(torch ? [["torch", () => torch!.run()] as [Key, () => Promise<number>]] : []),
    ["tjsPipe", () => timeIt(async () => (tjsResults = await theirsPipeline()))],
    ["ortPipe", () => timeIt(async () => (oursResults = await oursPipeline()))],
  ];
  for (let r = 0; r < rounds; r++) {
    const order = [...steps.slice(r % steps.length), ...steps.slice(0, r % steps.length)];
    const line: string[] = [];
    for (const [key, fn] of order) {
      const s = await fn();
      secs[key].push(s);
      line.push(`${key} ${fmt(n / s)}/s`);
    }
    console.log(`round ${r + 1}: ${line.join(", ")}`);
  }
  torch?.quit();

  const rate = (k: Key) => secs[k].map((s) => n / s);
  const ratio = (a: Key, b: Key) => secs[a].map((s, i) => secs[b][i] / s); // rate(a) / rate(b), within a round
  const rows: Array<[string, string, Key]> = [
    ["(a) evaluation", `TensorFlow.js ${backend.backend} (predictionLoop)`, "tfjs"],
    ["(a) evaluation", `ONNX Runtime session (${threadsText(session.threads)})`, "ort"],
    ...(torch ? [["(b) evaluation", `PyTorch ${torchInfo!.torch} (${threadsText(torchInfo!.threads)})`, "torch"] as [string, string, Key]] : []),
    ["(c) pipeline", "transformers.js 4.3.1 pipeline", "tjsPipe"],
    ["(c) pipeline", "our tokenizer + ONNX Runtime session", "ortPipe"],
  ];
  console.log("");
  console.log(`| measurement | implementation | per second, median | range over ${rounds} rounds |`);
  console.log("|---|---|---:|---:|");
  for (const [what, impl, k] of rows) console.log(`| ${what}${k.endsWith("Pipe") ? " (texts/s)" : " (samples/s)"} | ${impl} | ${fmt(median(rate(k)))} | ${range(rate(k))} |`);
  console.log("");
  console.log("| ratio (within each round) | median | range |");
  console.log("|---|---:|---:|");
  const ratios: Array<[string, Key, Key]> = [
    ["ONNX Runtime / TensorFlow.js (evaluation)", "ort", "tfjs"],
    ...(torch ? ([["ONNX Runtime / PyTorch (evaluation)", "ort", "torch"], ["TensorFlow.js / PyTorch (evaluation)", "tfjs", "torch"]] as Array<[string, Key, Key]>) : []),
    ["our tokenizer + ONNX Runtime / transformers.js (pipeline)", "ortPipe", "tjsPipe"],
  ];
  for (const [what, a, b] of ratios) console.log(`| ${what} | ${fmt(median(ratio(a, b)), 2)} | ${range(ratio(a, b), 2)} |`);

  const tf32 = tfjsLogits as unknown as Float32Array;
  const ort32 = ortLogits as unknown as Float32Array;
  console.log("");
  console.log(`max |logit difference| on the ${n} × ${numLabels} evaluation logits (max |logit| ${fmt(Math.max(...Array.from(tf32, Math.abs)), 3)}):`);
  console.log(`  TensorFlow.js vs ONNX Runtime: ${maxAbsDiff(tf32, ort32).toExponential(2)} (${argmaxDiffs(tf32, ort32, numLabels)} predicted labels differ)`);
  if (torchLogits) {
    console.log(`  TensorFlow.js vs PyTorch:      ${maxAbsDiff(tf32, torchLogits).toExponential(2)} (${argmaxDiffs(tf32, torchLogits, numLabels)} differ)`);
    console.log(`  ONNX Runtime vs PyTorch:       ${maxAbsDiff(ort32, torchLogits).toExponential(2)} (${argmaxDiffs(ort32, torchLogits, numLabels)} differ)`);
  }
  console.log(`  eval loss: TensorFlow.js ${tfjsLoss.toFixed(6)}, ONNX Runtime ${meanLoss(ort32, labels, numLabels).toFixed(6)}${torchLogits ? `, PyTorch ${meanLoss(torchLogits, labels, numLabels).toFixed(6)}` : ""}`);
  let labelDiffs = 0;
  let scoreDiff = 0;
  tjsResults.forEach((t, i) => {
    if (t.label !== oursResults[i].label) labelDiffs++;
    scoreDiff = Math.max(scoreDiff, Math.abs(t.score - oursResults[i].score));
  });
  console.log(`pipeline agreement (transformers.js vs ours): ${labelDiffs} label differences, max |score difference| ${scoreDiff.toExponential(2)}`);

  if (process.argv.includes("--base-session")) {
    const big = BertForSequenceClassification.fromConfig(base, { seed: 1, numLabels: 2 });
    const s = await OnnxClassifierSession.fromModel(big, { intraOpNumThreads: threads });
    console.log(`bert-base-sized session (${(s.timings.modelBytes / 1e6).toFixed(0)} MB): export ${fmt(s.timings.exportMs)} ms + ONNX Runtime load ${fmt(s.timings.createMs)} ms`);
    await s.dispose();
    big.dispose();
  }
  await benchTraining(base, tokenizer, maxLength, batchSize, threads, py.python ?? null, tmp);
  console.log(`total bench time ${fmt((performance.now() - t00) / 1000)} s`);

  await session.dispose();
  await theirs.dispose();
  model.dispose();
  tf.disposeVariables();
}

/** One training run of this project's Trainer from the saved initial weights; its train metrics. */
async function trainOurs(init: string, enc: Awaited<ReturnType<BertTokenizerFast["encodeBatch"]>>, labels: Int32Array, o: { lr: number; batchSize: number; epochs: number; out: string }): Promise<Record<string, number>> {
  const model = await BertForSequenceClassification.fromPretrained(init);
  const trainer = new Trainer({
    model,
    args: { outputDir: o.out, learningRate: o.lr, perDeviceTrainBatchSize: o.batchSize, numTrainEpochs: o.epochs, weightDecay: 0.01, evalStrategy: "no", saveStrategy: "no", loggingSteps: 10_000, disableTqdm: true, reportTo: "none" },
    trainDataset: { ...enc, labels },
  });
  const log = console.log;
  console.log = () => undefined;
  try {
    return (await trainer.train()).metrics;
  } finally {
    console.log = log;
    trainer.dispose();
    model.dispose();
  }
}

/**
 * (d): our Trainer and transformers' Trainer on the same rows, initial weights and arguments, taking turns in
 * each of --train-rounds rounds (who goes first alternates), the ratio taken within each round.
 */
async function benchTraining(base: Record<string, unknown>, tokenizer: BertTokenizerFast, maxLength: number, batchSize: number, threads: number, python: string | null, tmp: string): Promise<void> {
  const rows = intArg("train-rows", 480);
  const epochs = Number(arg("train-epochs") ?? 1);
  const rounds = intArg("train-rounds", 3);
  const lr = 5e-4;
  const { texts, labels } = await readReviews(rows, "train");
  const enc = await tokenizer.encodeBatch(texts, { maxLength });
  const init = path.join(tmp, "train-init");
  const first = BertForSequenceClassification.fromConfig({ ...base, ...QUICK_SHAPE }, { seed: 7, numLabels: 2 });
  await first.savePretrained(init); // the initial weights, for both sides
  first.dispose();
  const idsFile = path.join(tmp, "train.i32");
  const all = new Int32Array(2 * enc.rows * enc.maxLength + rows);
  all.set(enc.inputIds, 0);
  all.set(enc.attentionMask, enc.inputIds.length);
  all.set(labels, 2 * enc.inputIds.length);
  fs.writeFileSync(idsFile, Buffer.from(all.buffer));
  const theirsRun = (): Record<string, number | string> => {
    const r = spawnSync(python as string, [path.join(__dirname, "peer_train.py"), init, idsFile, String(rows), String(maxLength), String(batchSize), String(threads), String(lr), String(epochs)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`bench/peer_train.py failed:\n${r.stderr.slice(-3000)}`);
    return JSON.parse(r.stdout.trim().split("\n").pop() as string) as Record<string, number | string>;
  };
  console.log("");
  console.log(`(d) training: ${rows} IMDb training reviews (seeded sample) at ${maxLength} tokens, ${epochs} epoch(s), batch ${batchSize}, lr ${lr}, weight decay 0.01, same initial weights; ${rounds} rounds`);
  const ours: Array<Record<string, number>> = [];
  const theirs: Array<Record<string, number | string>> = [];
  for (let r = 0; r < rounds; r++) {
    const runOurs = async () => ours.push(await trainOurs(init, enc, labels, { lr, batchSize, epochs, out: path.join(tmp, `train-ours-${r}`) }));
    const runTheirs = () => python && theirs.push(theirsRun());
    if (r % 2 === 0) {
      await runOurs();
      runTheirs();
    } else {
      runTheirs();
      await runOurs();
    }
    const o = ours[r];
    const t = python ? theirs[r] : null;
    console.log(`  round ${r + 1}: ours ${fmt(o.train_samples_per_second, 1)} samples/s (train_loss ${o.train_loss.toFixed(4)})` + (t ? `, transformers ${fmt(Number(t.train_samples_per_second), 1)} samples/s (train_loss ${Number(t.train_loss).toFixed(4)})` : ""));
  }
  const spread = (xs: number[], digits = 1) => `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;
  const oursSps = ours.map((o) => o.train_samples_per_second);
  console.log(`  this project's Trainer (TensorFlow.js ${tf.getBackend()}): ${spread(oursSps)} samples/s, train_loss ${ours[0].train_loss.toFixed(4)}, ${fmt(median(ours.map((o) => o.train_runtime)), 1)} s`);
  if (!python) {
    console.log("  transformers' Trainer: skipped (no Python with transformers; npm run python:setup)");
    return;
  }
  const theirsSps = theirs.map((t) => Number(t.train_samples_per_second));
  const t0 = theirs[0];
  console.log(`  transformers ${t0.transformers} Trainer (torch ${t0.torch}, ${t0.threads} threads): ${spread(theirsSps)} samples/s, train_loss ${Number(t0.train_loss).toFixed(4)}, ${fmt(median(theirs.map((t) => Number(t.train_runtime))), 1)} s`);
  console.log(`  ratio (ours / transformers', within each round): ${spread(oursSps.map((x, i) => x / theirsSps[i]), 2)}×`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
