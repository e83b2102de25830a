// The run configuration shared by every notebook and by the headless runner: one place that says which
// model, data, hyper-parameters and run directory a run uses. Two named presets:
//   paper — the tutorial's settings: pretrained bert-base-uncased on the full IMDb (GPU recommended);
//   quick — a seeded, label-balanced subsample and a small randomly initialised BERT, so all ten stages
//           finish on a 2-core CPU in minutes (a smoke run of the whole pipeline, not the tutorial's result).
// Environment: BERT_IMDB_PRESET (paper|quick), BERT_IMDB_RUN_DIR, BERT_IMDB_RUNS_DIR, IMDB_DATA_DIR.
import * as fs from "node:fs";
import * as path from "node:path";

export type PresetName = "paper" | "quick";

/** Overrides of the Hugging Face BERT config used when the model is randomly initialised. */
export interface SmallBertConfig {
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
}

export interface RunConfig {
  preset: PresetName;
  /** Absolute folder that holds every stage's artifacts (runs/<preset> by default). */
  runDir: string;
  /** Hub id or local folder of the model (config.json, model.safetensors). */
  modelId: string;
  /** "pretrained": load modelId's weights; "random": modelId's config with `smallModel` overrides, random init. */
  modelInit: "pretrained" | "random";
  smallModel?: SmallBertConfig;
  /** Hub id or local folder of the tokenizer. */
  tokenizerId: string;
  maxLength: number;
  validationSize: number;
  /** Rows kept per split (seeded, label-balanced); undefined = all rows. */
  sample?: { train: number; test: number };
  /** Local IMDb folder in the hub layout (plain_text/*.parquet); undefined = hub cache, then hub. */
  dataDir?: string;
  /** quick: fall back to generated reviews when no IMDb source is reachable; paper: fail instead. */
  allowSyntheticData: boolean;
  seed: number;
  learningRate: number;
  perDeviceTrainBatchSize: number;
  perDeviceEvalBatchSize: number;
  numTrainEpochs: number;
  weightDecay: number;
  warmupSteps: number;
  loggingSteps: number;
  /** The tutorial's ten sentences for the pipeline stage. */
  pipelineSentences: string[];
}

/** The ten example sentences of the Python tutorial's pipeline section. */
export const TUTORIAL_SENTENCES: string[] = [
  "This movie was fantastic!",
  "I hated every minute of this film.",
  "The plot was okay, but the acting was superb.",
  "I wouldn't recommend this to anyone.",
  "It was a decent film, not too bad but not great either.",
  "Absolutely amazing! A masterpiece.",
  "Terrible, just terrible. A waste of time.",
  "The visuals were stunning, but the story lacked depth.",
  "One of the best movies I\u2019ve ever seen!",
  "It\u2019s not my kind of movie, but it was well-made.",
];

const COMMON = {
  modelId: "bert-base-uncased",
  tokenizerId: "bert-base-uncased",
  maxLength: 128,
  validationSize: 0.1,
  seed: 42,
  perDeviceTrainBatchSize: 16,
  perDeviceEvalBatchSize: 16,
  weightDecay: 0.01,
  warmupSteps: 0,
  pipelineSentences: TUTORIAL_SENTENCES,
};

export const PRESETS: Record<PresetName, Omit<RunConfig, "runDir" | "dataDir">> = {
  paper: {
    ...COMMON,
    preset: "paper",
    modelInit: "pretrained",
    allowSyntheticData: false,
    learningRate: 2e-5,
    numTrainEpochs: 3,
    loggingSteps: 100,
  },
  quick: {
    ...COMMON,
    preset: "quick",
    modelInit: "random",
    // A 2-layer BERT with bert-base-uncased's vocabulary: ~4.3 M parameters, most of them word embeddings.
    smallModel: { hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 512 },
    sample: { train: 2000, test: 1000 },
    allowSyntheticData: true,
    // A random-init model needs a far larger step than fine-tuning a pretrained one (2e-5).
    learningRate: 5e-4,
    numTrainEpochs: 3,
    loggingSteps: 10,
  },
};

/** The project root (where package.json is): the kernel's working directory. */
export function projectRoot(): string {
  if (process.env.BERT_IMDB_ROOT) return process.env.BERT_IMDB_ROOT;
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "kernel"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

function isPreset(s: string): s is PresetName {
  return s === "paper" || s === "quick";
}

/**
 * Resolves the run configuration: preset (argument, else BERT_IMDB_PRESET, else "quick"), then the run
 * directory (BERT_IMDB_RUN_DIR, else <BERT_IMDB_RUNS_DIR or <root>/runs>/<preset>), then `overrides`.
 */
export function getRunConfig(preset?: string, overrides: Partial<RunConfig> = {}): RunConfig {
  const name = preset ?? process.env.BERT_IMDB_PRESET ?? "quick";
  if (!isPreset(name)) throw new Error(`Unknown preset "${name}": use "paper" (the tutorial's settings) or "quick" (a small CPU run). Set it with BERT_IMDB_PRESET.`);
  const runsDir = process.env.BERT_IMDB_RUNS_DIR ?? path.join(projectRoot(), "runs");
  const runDir = path.resolve(process.env.BERT_IMDB_RUN_DIR ?? path.join(runsDir, name));
  const dataDir = process.env.IMDB_DATA_DIR ? path.resolve(process.env.IMDB_DATA_DIR) : undefined;
  return { ...PRESETS[name], runDir, dataDir, ...overrides };
}

/** Rows of a two-column table describing a config, for display. */
export function describeConfig(cfg: RunConfig): Array<{ setting: string; value: string }> {
  return Object.entries(cfg)
    .filter(([k]) => k !== "pipelineSentences")
    .map(([setting, v]) => ({ setting, value: v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v) }));
}
