// Writes the data the GPU device run needs into one folder (the device has no tokenizer addon, no dataset and no
// network, so everything is pre-tokenized here with the project's own stages):
//   golden/tiny-bert/   golden.json, golden.safetensors, model/ (from ../shared/golden/tiny-bert)
//   eval2000.*          2,000 IMDb test reviews (label-balanced, seeded) tokenized to 128, + eval2000.labels.bin
//   quick/              the quick preset's train/validation/test rows tokenized as notebooks 01-03 do them
//                       (loadDataset, trainTestSplit, the seeded sample, map with the tokenizer),
//                       + <part>.labels.bin, + preset.json (its settings)
//   manifest.json       what is here and how it was made
// Usage: node --import tsx scripts/gpu/makeData.ts <out-dir>   (IMDB_DATA_DIR defaults to ../shared/imdb)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { saveArray } from "../../src/io/binary";
import { PRESETS } from "../../src/presets";
import { writeJsonAtomic } from "../../src/io/atomic";
import { range, sampleBalanced } from "../../src/datasets/dataset";
import { loadImdb } from "../../src/datasets/imdb";
import { loadDataset } from "../../src/datasets/loadDataset";
import { saveEncoded } from "../../src/tokenizers/encodedStore";
import { AutoTokenizer } from "../../src/tokenizers/autoTokenizer";

const EVAL_ROWS = 2000;
const EVAL_SEED = 2024;

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error("usage: node --import tsx scripts/gpu/makeData.ts <out-dir>");
  const root = path.resolve(__dirname, "..", "..");
  const shared = path.resolve(process.env.BERT_IMDB_SHARED ?? path.join(root, "..", "shared"));
  const dataDir = path.resolve(process.env.IMDB_DATA_DIR ?? path.join(shared, "imdb"));
  if (!fs.existsSync(path.join(dataDir, "plain_text"))) throw new Error(`no IMDb copy at ${dataDir} (plain_text/*.parquet): set IMDB_DATA_DIR`);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });

  // Golden tiny-bert files (the legacy checkpoint and real-review goldens are not used on the device).
  const gSrc = path.join(shared, "golden", "tiny-bert");
  const gDst = path.join(out, "golden", "tiny-bert");
  fs.mkdirSync(path.join(gDst, "model"), { recursive: true });
  for (const f of ["golden.json", "golden.safetensors", "model/config.json", "model/model.safetensors"]) fs.copyFileSync(path.join(gSrc, f), path.join(gDst, f));

  // The quick preset's rows, as notebooks 01-03 make them.
  const preset = PRESETS.quick;
  const sample = preset.sample!;
  const dataset = await loadDataset(dataDir);
  const split = dataset.train.trainTestSplit({ testSize: 0.1, seed: 42 });
  const parts = {
    train: split.train.shuffle({ seed: 42 }).select(range(sample.train)),
    validation: split.test.shuffle({ seed: 42 }).select(range(sample.validation)),
    test: dataset.test.shuffle({ seed: 42 }).select(range(sample.test)),
  };
  const tokenizer = await AutoTokenizer.fromPretrained(preset.tokenizerName);
  const qDir = path.join(out, "quick");
  const rows: Record<string, number> = {};
  for (const [part, ds] of Object.entries(parts)) {
    const enc = await tokenizer.encodeBatch(ds.column("text") as string[], { maxLength: 128 });
    saveEncoded(qDir, part, enc);
    saveArray(path.join(qDir, `${part}.labels.bin`), ds.label);
    rows[part] = enc.rows;
  }
  writeJsonAtomic(path.join(qDir, "preset.json"), preset);

  // 2,000 test reviews for the evaluation throughput.
  const imdb = await loadImdb({ dataDir, synthetic: "never" });
  const evalSet = sampleBalanced(imdb.test, EVAL_ROWS, EVAL_SEED);
  const enc = await tokenizer.encodeBatch(evalSet.text, { maxLength: 128 });
  saveEncoded(out, "eval2000", enc);
  saveArray(path.join(out, "eval2000.labels.bin"), evalSet.label);

  writeJsonAtomic(path.join(out, "manifest.json"), {
    madeAt: new Date().toISOString(),
    golden: "golden/tiny-bert: copied from ../shared/golden/tiny-bert (golden.json, golden.safetensors, model/)",
    eval2000: { rows: enc.rows, maxLength: enc.maxLength, source: `IMDb test split, sampleBalanced(${EVAL_ROWS}, seed ${EVAL_SEED})` },
    quick: { rows, maxLength: 128, source: "PRESETS.quick: loadDataset, trainTestSplit(0.1, seed 42), shuffle(42).select(range(n)), tokenizer to 128" },
  });
  console.log(`device data in ${out}: quick splits ${JSON.stringify(rows)}, eval2000 ${enc.rows} rows`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
