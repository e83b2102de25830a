// Helpers for the save/ONNX/pipeline tests: a saved tiny-model folder built from ../shared (without a live
// model), the golden tensors, and an onnxruntime-node runner (the CPU runtime bundled with transformers.js).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BertForSequenceClassification } from "../src/models";
import { readSafetensors, writeSafetensors } from "../src/safetensors";
import { completeTokenizerFiles, fineTunedConfig } from "../src/models/save";
import { sharedPath } from "./shared";

/** A fresh temporary folder, removed at process exit. */
export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `bert-imdb-${prefix}-`));
  process.on("exit", () => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/**
 * Writes a saved-model folder for the golden tiny BERT without going through the tfjs model: its config (with
 * the fine-tuned fields), its weights (optionally transformed), and the bert-base-uncased tokenizer files.
 */
export function tinySavedFolder(dir: string, opts: { transform?: (name: string, data: Float32Array) => void } = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const tiny = sharedPath("golden", "tiny-bert", "model");
  const raw = JSON.parse(fs.readFileSync(path.join(tiny, "config.json"), "utf8")) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(fineTunedConfig(raw), null, 2));
  if (opts.transform) {
    const tensors = readSafetensors(path.join(tiny, "model.safetensors"));
    const out: Array<[string, { dtype: "F32"; shape: number[]; data: Float32Array }]> = [];
    for (const [name, t] of tensors) {
      const data = Float32Array.from(t.data as Float32Array);
      opts.transform(name, data);
      out.push([name, { dtype: "F32", shape: t.shape, data }]);
    }
    writeSafetensors(path.join(dir, "model.safetensors"), new Map(out), { format: "pt" });
  } else {
    fs.copyFileSync(path.join(tiny, "model.safetensors"), path.join(dir, "model.safetensors"));
  }
  for (const f of ["tokenizer.json", "tokenizer_config.json"]) fs.copyFileSync(sharedPath("bert-base-uncased", f), path.join(dir, f));
  completeTokenizerFiles(dir, { maxPositions: 512 });
  return dir;
}

/**
 * A random BERT of the golden tiny model's shape with a wide init (initializer_range 0.2): its logits sit far
 * apart and its predictions spread over the labels, so label and score comparisons mean something.
 */
export function spreadTinyModel(seed: number, numLabels = 2): BertForSequenceClassification {
  const raw = JSON.parse(fs.readFileSync(sharedPath("golden", "tiny-bert", "model", "config.json"), "utf8")) as Record<string, unknown>;
  return BertForSequenceClassification.fromConfig({ ...raw, initializer_range: 0.2 }, { seed, numLabels });
}

/** Classifier weights scaled so that the tiny model's predictions spread over both labels (for label parity). */
export function sharpenClassifier(name: string, data: Float32Array): void {
  if (name === "classifier.weight") for (let i = 0; i < data.length; i++) data[i] *= 400;
  if (name === "classifier.bias") data.fill(0);
}

export interface GoldenBatch {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  logits: Float32Array;
  shape: [number, number];
}

/** batch0 of golden.safetensors and the 8 real reviews of golden_real_ids.safetensors. */
export function goldenBatches(): Record<"batch0" | "realIds", GoldenBatch> {
  const g = readSafetensors(sharedPath("golden", "tiny-bert", "golden.safetensors"));
  const r = readSafetensors(sharedPath("golden", "tiny-bert", "golden_real_ids.safetensors"));
  const pick = (m: typeof g, ids: string, mask: string, logits: string): GoldenBatch => ({
    inputIds: Int32Array.from(m.get(ids)!.data),
    attentionMask: Int32Array.from(m.get(mask)!.data),
    logits: m.get(logits)!.data as Float32Array,
    shape: m.get(ids)!.shape as [number, number],
  });
  return {
    batch0: pick(g, "batch0.input_ids", "batch0.attention_mask", "batch0.logits"),
    realIds: pick(r, "input_ids", "attention_mask", "logits"),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ort = any;
let ortModule: Ort | null = null;
/** onnxruntime-node (bundled with @huggingface/transformers; its CPU binary ships in the package). */
export function ort(): Ort {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  ortModule ??= require("onnxruntime-node");
  return ortModule;
}

/** Runs an exported model.onnx on int32 ids/mask (token types 0) and returns the logits. */
export async function runOnnx(
  file: string,
  inputIds: Int32Array,
  attentionMask: Int32Array,
  shape: [number, number],
  tokenTypeIds?: Int32Array,
  opts: { quiet?: boolean } = {},
): Promise<{ logits: Float32Array; dims: number[] }> {
  const o = ort();
  // quiet: onnxruntime logs only fatal errors (for inputs a test expects to be refused).
  const session = await o.InferenceSession.create(file, opts.quiet ? { logSeverityLevel: 4 } : {});
  try {
    const i64 = (a: ArrayLike<number>): unknown => new o.Tensor("int64", BigInt64Array.from(Array.from(a), (x) => BigInt(x)), shape);
    const out = await session.run({
      input_ids: i64(inputIds),
      attention_mask: i64(attentionMask),
      token_type_ids: i64(tokenTypeIds ?? new Int32Array(inputIds.length)),
    });
    return { logits: out.logits.data as Float32Array, dims: out.logits.dims as number[] };
  } finally {
    await session.release();
  }
}

export { maxAbsDiff } from "./compare";
