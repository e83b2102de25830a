// Saves a fine-tuned classifier and its tokenizer as one folder that Python transformers
// (AutoModelForSequenceClassification / pipeline) and transformers.js load as they are: config.json,
// model.safetensors, tokenizer.json, tokenizer_config.json, special_tokens_map.json, vocab.txt and, on
// request, onnx/model.onnx. The folder is built in a temporary sibling, verified, then renamed into place,
// so a crash never leaves a folder that looks complete.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeDirAtomic, writeJsonAtomic } from "../io/atomic";
import { exportOnnx } from "../onnx/exportOnnx";
import { modelRawConfig, type ExportableModel } from "../onnx/modelWeights";
import { readBertShape } from "./bertLayout";
import { fineTunedConfig } from "./fineTunedConfig";
import { completeTokenizerFiles } from "./tokenizerFiles";
import { SAVED_FILES, verifySaved, type SavedReport } from "./verifySaved";

export interface SaveableModel extends ExportableModel {
  /** Writes config.json + model.safetensors (F32, HF names and shapes) into a folder. */
  savePretrained(dir: string): Promise<unknown> | unknown;
}

export interface SaveableTokenizer {
  /** Writes tokenizer.json (+ tokenizer_config.json and friends) into a folder. */
  savePretrained(dir: string): Promise<unknown> | unknown;
}

export interface SaveFineTunedOptions {
  model: SaveableModel;
  tokenizer: SaveableTokenizer;
  /** Class names by index; default {"0": "NEGATIVE", "1": "POSITIVE"} for a 2-class model. */
  id2label?: Record<string, string>;
  /** Also write onnx/model.onnx (true, or the opset to use). Default false; see exportOnnx. */
  onnx?: boolean | { opset: number };
}

/** Moves the regular files of `from` into `to` (except `skip`), then removes `from`. */
function moveFiles(from: string, to: string, skip: Set<string>): void {
  if (!fs.existsSync(from)) throw new Error(`savePretrained did not create ${from}`);
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.isFile() && !skip.has(entry.name)) fs.renameSync(path.join(from, entry.name), path.join(to, entry.name));
  }
  fs.rmSync(from, { recursive: true, force: true });
}

/** Entries a save can leave in the folder; anything else there is someone's and must not be deleted. */
const OWN_ENTRY = new Set<string>([...SAVED_FILES, "onnx", "added_tokens.json", "model.safetensors.index.json"]);

/** Why `dir` must not be replaced by a save (it would delete what it holds), or null when it may be. */
function replaceProblem(dir: string): string | null {
  if (!fs.existsSync(dir)) return null;
  if (!fs.statSync(dir).isDirectory()) return "it is a file, not a folder: choose a new folder for the model";
  const entries = fs.readdirSync(dir);
  if (entries.length === 0) return null;
  if (!entries.includes("config.json")) return "it exists and is not a saved model folder (no config.json): choose a new folder for the model";
  const foreign = entries.filter((e) => !OWN_ENTRY.has(e) && !/^model-\d+-of-\d+\.safetensors$/.test(e)).sort();
  if (foreign.length) {
    const shown = foreign.slice(0, 5).join(", ") + (foreign.length > 5 ? `, and ${foreign.length - 5} more` : "");
    return `besides a saved model it holds ${shown}, which replacing the folder would delete: move them elsewhere first, or choose a new folder for the model`;
  }
  return null;
}

/**
 * Writes the fine-tuned model folder `dir` atomically and verifies it (see verifySaved) before it replaces
 * any previous content — the whole folder, so an older onnx/ export goes too (pass `onnx: true`, or run
 * exportOnnx again). Refuses to replace an existing folder that is not a saved model, or that holds files a
 * save does not write (a README, a .git folder, checkpoints, ...): replacing it would delete them.
 */
export async function saveFineTuned(dir: string, opts: SaveFineTunedOptions): Promise<SavedReport> {
  const abs = path.resolve(dir);
  const problem = replaceProblem(abs);
  if (problem) throw new Error(`refusing to replace ${abs}: ${problem}.`);
  const raw = modelRawConfig(opts.model);
  const shape = readBertShape(raw, "model.config");
  await writeDirAtomic(abs, async (tmp) => {
    // Each part saves into its own folder (either may replace its folder whole), then the files are merged.
    const modelPart = path.join(tmp, ".model-part");
    const tokenizerPart = path.join(tmp, ".tokenizer-part");
    await opts.model.savePretrained(modelPart);
    await opts.tokenizer.savePretrained(tokenizerPart);
    moveFiles(tokenizerPart, tmp, new Set(["config.json", "model.safetensors"]));
    moveFiles(modelPart, tmp, new Set());
    const written = path.join(tmp, "config.json");
    const base = fs.existsSync(written) ? { ...raw, ...(JSON.parse(fs.readFileSync(written, "utf8")) as Record<string, unknown>) } : raw;
    writeJsonAtomic(written, fineTunedConfig(base, { numLabels: shape.numLabels, id2label: opts.id2label }));
    completeTokenizerFiles(tmp, { maxPositions: shape.maxPositionEmbeddings });
    if (opts.onnx) await exportOnnx(tmp, { model: opts.model, opset: typeof opts.onnx === "object" ? opts.onnx.opset : undefined });
    for (const f of SAVED_FILES) if (!fs.existsSync(path.join(tmp, f))) throw new Error(`saving did not produce ${f}`);
    verifySaved(tmp);
  });
  return verifySaved(abs);
}
