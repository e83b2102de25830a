// Maps the tensors of a checkpoint (model.safetensors, or a torch pytorch_model.bin) onto the model's parameters as transformers' from_pretrained
// does: legacy names (LayerNorm.gamma/beta → weight/bias, a BertModel checkpoint without the "bert." prefix),
// pre-training heads (cls.*) and other extra tensors reported as unused, absent parameters (e.g. the classifier
// of a pre-trained encoder) freshly initialised and reported, shape mismatches refused unless asked to ignore.
import { Rng } from "../random";
import type { SafetensorsDtype } from "../safetensors/dtypes";
import { LoadedTensor, SafetensorsFile } from "../safetensors/read";
import { BertConfig } from "./config";
import { initParam, ParamSpec, sizeOf } from "./params";
import { isPytorchCheckpoint, PytorchBinFile } from "./pytorchBin";

/**
 * The tensors of an open checkpoint file, whatever its format: SafetensorsFile and PytorchBinFile both provide
 * it. Data is read one tensor at a time.
 */
export interface CheckpointTensors {
  readonly path: string;
  keys(): string[];
  entry(name: string): { dtype: SafetensorsDtype; shape: number[] };
  /** The tensor, contiguous row-major, float types widened to float32. */
  read(name: string): LoadedTensor;
  close(): void;
}

/** Opens a checkpoint file: torch's pytorch_model.bin (*.bin/*.pt/*.pth, zip or legacy), else safetensors. */
export function openCheckpoint(file: string): CheckpointTensors {
  return isPytorchCheckpoint(file) ? PytorchBinFile.open(file) : SafetensorsFile.open(file);
}

export interface ShapeMismatch {
  key: string;
  checkpointShape: number[];
  modelShape: number[];
}

export interface LoadReport {
  /** Where the weights came from (file path: a model.safetensors or a pytorch_model.bin). */
  source: string;
  /** Parameters absent from the checkpoint, initialised at random (e.g. classifier.weight, classifier.bias). */
  missingKeys: string[];
  /** Checkpoint tensors the model does not use (e.g. cls.* pre-training heads). */
  unexpectedKeys: string[];
  /** Tensors whose shape differs from the model's (only when ignoreMismatchedSizes; they are re-initialised). */
  mismatchedKeys: ShapeMismatch[];
  /** Legacy names that were translated: [checkpoint name, model name]. */
  renamedKeys: Array<[string, string]>;
  /** dtypes found in the checkpoint (F16/BF16 are widened to float32). */
  dtypes: string[];
}

/** Buffers that old checkpoints store but the model rebuilds itself: skipped silently. */
const IGNORED_BUFFERS = [/(^|\.)position_ids$/, /(^|\.)token_type_ids$/];

/** The model name a checkpoint key stands for, given the model's names. */
export function canonicalKey(key: string, modelNames: Set<string>): string {
  let k = key;
  if (k.endsWith("LayerNorm.gamma")) k = k.slice(0, -"gamma".length) + "weight";
  else if (k.endsWith("LayerNorm.beta")) k = k.slice(0, -"beta".length) + "bias";
  if (!modelNames.has(k) && /^(embeddings|encoder|pooler)\./.test(k) && modelNames.has(`bert.${k}`)) k = `bert.${k}`;
  return k;
}

export interface LoadedWeights {
  values: Map<string, Float32Array>;
  report: LoadReport;
}

/**
 * Reads the parameters in `specs` from `checkpoint` (a file path — safetensors or pytorch_model.bin, see
 * openCheckpoint — or tensors already open, which the caller then closes). Missing ones get transformers'
 * initialisation drawn from `new Rng(seed)` in parameter order.
 */
export function loadCheckpoint(
  checkpoint: string | CheckpointTensors,
  specs: ParamSpec[],
  config: BertConfig,
  opts: { seed: number; ignoreMismatchedSizes?: boolean },
): LoadedWeights {
  const st = typeof checkpoint === "string" ? openCheckpoint(checkpoint) : checkpoint;
  const file = st.path;
  try {
    const modelNames = new Set(specs.map((s) => s.name));
    const source = new Map<string, string>(); // model name → checkpoint key
    const unexpected: string[] = [];
    const renamed: Array<[string, string]> = [];
    const keys = st.keys();
    // Modern names win over legacy aliases of the same parameter.
    const ordered = keys.slice().sort((a, b) => Number(canonicalKey(a, modelNames) !== a) - Number(canonicalKey(b, modelNames) !== b));
    for (const key of ordered) {
      if (IGNORED_BUFFERS.some((re) => re.test(key))) continue;
      const name = canonicalKey(key, modelNames);
      if (!modelNames.has(name) || source.has(name)) {
        unexpected.push(key);
        continue;
      }
      source.set(name, key);
      if (name !== key) renamed.push([key, name]);
    }
    const values = new Map<string, Float32Array>();
    const missing: string[] = [];
    const mismatched: ShapeMismatch[] = [];
    const dtypes = new Set<string>();
    const rng = new Rng(opts.seed);
    for (const spec of specs) {
      const key = source.get(spec.name);
      if (key !== undefined) {
        const entry = st.entry(key);
        const same = entry.shape.length === spec.shape.length && entry.shape.every((d, i) => d === spec.shape[i]);
        if (!same) {
          const mm = { key, checkpointShape: entry.shape, modelShape: spec.shape };
          if (!opts.ignoreMismatchedSizes) {
            throw new Error(
              `${key} in ${file} has shape [${entry.shape.join(", ")}] but the model expects [${spec.shape.join(", ")}]` +
                (spec.name.startsWith("classifier.")
                  ? ` (the checkpoint was fine-tuned with ${entry.shape[0]} labels). Pass numLabels=${entry.shape[0]}, or ignoreMismatchedSizes: true to re-initialise the classifier.`
                  : ": the config does not describe this checkpoint (pass ignoreMismatchedSizes: true to re-initialise such tensors)."),
            );
          }
          mismatched.push(mm);
          values.set(spec.name, initParam(spec, config, rng));
          continue;
        }
        const t = st.read(key);
        if (!(t.data instanceof Float32Array)) {
          throw new Error(`${key} in ${file} has dtype ${t.dtype}; model weights must be a float type (F32, F16, BF16 or F64)`);
        }
        dtypes.add(t.dtype);
        if (t.data.length !== sizeOf(spec.shape)) throw new Error(`${key}: wrong number of values`);
        values.set(spec.name, t.data);
      } else {
        missing.push(spec.name);
        values.set(spec.name, initParam(spec, config, rng));
      }
    }
    return {
      values,
      report: { source: file, missingKeys: missing, unexpectedKeys: unexpected.sort(), mismatchedKeys: mismatched, renamedKeys: renamed, dtypes: [...dtypes].sort() },
    };
  } finally {
    if (typeof checkpoint === "string") st.close();
  }
}

/** Transformers-style messages about a load (empty when the checkpoint matched exactly). */
export function formatLoadReport(report: LoadReport, modelClass = "BertForSequenceClassification"): string[] {
  const lines: string[] = [];
  if (report.renamedKeys.length) {
    lines.push(`Renamed ${report.renamedKeys.length} legacy checkpoint keys (e.g. ${report.renamedKeys[0][0]} → ${report.renamedKeys[0][1]}).`);
  }
  if (report.unexpectedKeys.length) {
    lines.push(
      `Some weights of the model checkpoint at ${report.source} were not used when initializing ${modelClass}: ${report.unexpectedKeys.join(", ")}\n` +
        `- This IS expected if you are initializing ${modelClass} from the checkpoint of a model trained on another task or with another architecture ` +
        `(e.g. initializing a ${modelClass} model from a BertForPreTraining model).`,
    );
  }
  const fresh = [...report.missingKeys, ...report.mismatchedKeys.map((m) => m.key)];
  if (fresh.length) {
    const detail = report.mismatchedKeys.length
      ? ` (shape mismatches: ${report.mismatchedKeys.map((m) => `${m.key} [${m.checkpointShape.join(", ")}] → [${m.modelShape.join(", ")}]`).join("; ")})`
      : "";
    lines.push(
      `Some weights of ${modelClass} were not initialized from the model checkpoint at ${report.source} and are newly initialized: ${fresh.join(", ")}${detail}\n` +
        `You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.`,
    );
  }
  return lines;
}
