// Benchmark of stage 3 (tokenize): all 50,000 labelled IMDb reviews (train + test) to 128 tokens, ours
// (BertTokenizerFast.encodeBatch) against HF's Rust tokenizer used directly (npm `tokenizers` encodeBatch with
// truncation and padding to 128), in one run, alternating the two so that other load on the machine hits both;
// then checks that the ids, masks and token types of every row agree.
//   npm run bench:tokenize [-- --repeat N] [--lengths] [--transformersjs]
//   --lengths         also times tokenLengths (untruncated counts) and compares them with golden/imdb_token_lengths.json
//   --transformersjs  also times transformers.js 4.3.1 (AutoTokenizer) on the same texts and counts its mismatches
// Data: IMDB_DATA_DIR or ../shared/imdb; tokenizer: ../shared/bert-base-uncased (else the embedded copy).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readLabelledTextParquet } from "../src/datasets";
import { loadTokenizer } from "../src/tokenizers";
import { rustTokenizers } from "../src/tokenizers/rustTokenizers";

const MAX_LENGTH = 128;
const SHARED = path.resolve(process.env.BERT_IMDB_SHARED ?? path.join(__dirname, "..", "..", "shared"));

function arg(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const secs = (ms: number) => (ms / 1000).toFixed(2);
/** CPU time of this process (all threads, so the Rust engine's thread pool too), in ms. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function readTexts(): Promise<string[]> {
  const dir = path.resolve(process.env.IMDB_DATA_DIR ?? path.join(SHARED, "imdb"));
  const texts: string[] = [];
  for (const split of ["train", "test"]) {
    const file = path.join(dir, "plain_text", `${split}-00000-of-00001.parquet`);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: set IMDB_DATA_DIR to a folder with plain_text/{train,test}-00000-of-00001.parquet.`);
    texts.push(...(await readLabelledTextParquet(file)).text);
  }
  return texts;
}

interface Arrays {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
}

async function main(): Promise<void> {
  const repeat = Math.max(1, argValue("repeat", 2));
  const texts = await readTexts();
  const tokDir = fs.existsSync(path.join(SHARED, "bert-base-uncased", "tokenizer.json")) ? path.join(SHARED, "bert-base-uncased") : "bert-base-uncased";
  const tok = await loadTokenizer(tokDir, { localFilesOnly: true });
  const tokenizerJson = path.join(tok.dir, "tokenizer.json");
  console.log(`${texts.length} reviews, maxLength ${MAX_LENGTH}; ${os.cpus().length} cores (load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}); tokenizer ${tok.dir}`);

  const { Tokenizer } = rustTokenizers();
  const rust = Tokenizer.fromFile(tokenizerJson);
  rust.setTruncation(MAX_LENGTH);
  rust.setPadding({ maxLength: MAX_LENGTH });

  const rustMs: number[] = [];
  const oursMs: number[] = [];
  const rustCpu: number[] = [];
  const oursCpu: number[] = [];
  let reference: Arrays | null = null;
  let ours: Arrays | null = null;
  for (let r = 0; r < repeat; r++) {
    let t = performance.now();
    let c = cpuMs();
    const encodings = await rust.encodeBatch(texts);
    rustMs.push(performance.now() - t);
    rustCpu.push(cpuMs() - c);
    if (!reference) {
      const n = texts.length * MAX_LENGTH;
      reference = { inputIds: new Int32Array(n), attentionMask: new Int32Array(n), tokenTypeIds: new Int32Array(n) };
      for (let i = 0; i < encodings.length; i++) {
        reference.inputIds.set(encodings[i].getIds(), i * MAX_LENGTH);
        reference.attentionMask.set(encodings[i].getAttentionMask(), i * MAX_LENGTH);
        reference.tokenTypeIds.set(encodings[i].getTypeIds(), i * MAX_LENGTH);
      }
    }
    t = performance.now();
    c = cpuMs();
    ours = await tok.encodeBatch(texts, { maxLength: MAX_LENGTH, progress: false });
    oursMs.push(performance.now() - t);
    oursCpu.push(cpuMs() - c);
    console.log(
      `round ${r + 1}/${repeat}: Rust tokenizer encodeBatch ${secs(rustMs[r])} s (CPU ${secs(rustCpu[r])} s), ` +
        `ours ${secs(oursMs[r])} s (CPU ${secs(oursCpu[r])} s); load average ${os.loadavg()[0].toFixed(2)}`,
    );
  }

  let badRows = 0;
  for (let i = 0; i < texts.length; i++) {
    const a = i * MAX_LENGTH;
    for (let j = a; j < a + MAX_LENGTH; j++) {
      if (ours!.inputIds[j] !== reference!.inputIds[j] || ours!.attentionMask[j] !== reference!.attentionMask[j] || ours!.tokenTypeIds[j] !== reference!.tokenTypeIds[j]) {
        badRows++;
        break;
      }
    }
  }
  const best = (xs: number[]) => Math.min(...xs);
  const golden = path.join(SHARED, "golden", "imdb_token_lengths.json");
  const goldenStats = fs.existsSync(golden) ? (JSON.parse(fs.readFileSync(golden, "utf8")) as Record<string, number>) : null;
  console.log("");
  console.log(`ours (BertTokenizerFast.encodeBatch, Rust engine, head-only):  ${secs(best(oursMs))} s wall, ${secs(best(oursCpu))} s CPU  (best of ${repeat})`);
  console.log(`HF Rust tokenizer (tokenizers encodeBatch, trunc+pad ${MAX_LENGTH}):   ${secs(best(rustMs))} s wall, ${secs(best(rustCpu))} s CPU  (best of ${repeat})`);
  console.log(`ratio ours / Rust: ${(best(oursMs) / best(rustMs)).toFixed(3)} wall, ${(best(oursCpu) / best(rustCpu)).toFixed(3)} CPU`);
  if (goldenStats) console.log(`(reference: the Rust tokenizer took ${goldenStats.rust_tokenizers_encodeBatch_50k_seconds_2cores} s on the machine that made the goldens)`);
  console.log(`rows whose ids/mask/types differ from the Rust tokenizer: ${badRows} of ${texts.length}`);
  if (badRows > 0) process.exitCode = 1;

  if (arg("lengths")) {
    const t = performance.now();
    const lengths = await tok.tokenLengths(texts, { progress: false });
    const ms = performance.now() - t;
    const sorted = Array.from(lengths).sort((a, b) => a - b);
    const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    const over = (k: number) => sorted.filter((x) => x > k).length / sorted.length;
    console.log("");
    console.log(`tokenLengths (untruncated) ${secs(ms)} s: mean ${mean.toFixed(1)}, median ${median}, >128 ${(100 * over(128)).toFixed(2)} %, >512 ${(100 * over(512)).toFixed(2)} %, max ${sorted[sorted.length - 1]}`);
    if (goldenStats) {
      console.log(`golden:                     mean ${goldenStats.mean_tokens}, median ${goldenStats.median_tokens}, >128 ${(100 * goldenStats.share_over_128).toFixed(2)} %, >512 ${(100 * goldenStats.share_over_512).toFixed(2)} %, max ${goldenStats.max_tokens}`);
    }
  }

  if (arg("transformersjs")) {
    // transformers.js as the alternative engine: encode without special tokens, then cut to 126 pieces and add
    // [CLS]/[SEP] ourselves (its own truncation would drop [SEP]).
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { AutoTokenizer, env } = require("@huggingface/transformers") as typeof import("@huggingface/transformers");
    env.allowRemoteModels = false;
    const tjs = await AutoTokenizer.from_pretrained(tok.dir, { local_files_only: true });
    const t = performance.now();
    const pieces = texts.map((s) => tjs.encode(s, { add_special_tokens: false }) as number[]);
    const ms = performance.now() - t;
    let bad = 0;
    for (let i = 0; i < texts.length; i++) {
      const ids = [tok.clsTokenId, ...pieces[i].slice(0, MAX_LENGTH - 2), tok.sepTokenId];
      const row = reference!.inputIds.subarray(i * MAX_LENGTH, i * MAX_LENGTH + ids.length);
      if (ids.some((v, j) => v !== row[j]) || (ids.length < MAX_LENGTH && reference!.inputIds[i * MAX_LENGTH + ids.length] !== 0)) bad++;
    }
    console.log("");
    console.log(`transformers.js 4.3.1 AutoTokenizer, untruncated, one thread: ${secs(ms)} s; rows differing from the Rust tokenizer after cutting to ${MAX_LENGTH}: ${bad}`);
    // Inputs the reviews do not contain, where the two implementations part ways.
    for (const text of ["ΟΔΟΣ ΚΑΛΟΣ", "a\u{20000}b"]) {
      const theirs = tjs.encode(text) as number[];
      const rustIds = (await rust.encode(text)).getIds().filter((_, j, all) => j === 0 || all[j] !== 0);
      console.log(`  ${JSON.stringify(text)}: transformers.js [${theirs.join(", ")}], Rust [${rustIds.join(", ")}]${theirs.join() === rustIds.join() ? "" : "  (differ)"}`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
