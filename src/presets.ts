// The two runs the notebooks know, chosen in each notebook's first cell (usePreset) or with BERT_IMDB_PRESET:
//   paper — the tutorial: pretrained bert-base-uncased fine-tuned on IMDb's 22,500 training reviews (a GPU run);
//   quick — the same steps on a CPU in minutes: Google's BERT-Tiny (google/bert_uncased_L-2_H-128_A-2: 2 layers,
//           hidden 128, bert-base-uncased's vocabulary) fine-tuned on a seeded sample of 1,800 / 200 / 1,000
//           reviews; when that checkpoint cannot be had (offline, not in the hub cache), a model of its shape
//           starts from random weights, and usePreset says so in one line.
// A preset holds only what differs from the tutorial's code (model, sample sizes, learning rate, logging) and
// where its files go (runs/<preset>/, or BERT_IMDB_RUN_DIR). Everything else is written in the notebooks as the
// tutorial writes it.
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_REVISION, isOfflineEnv, tryLoadFromCache } from "./hub/cache";
import { getHubFileMetadata } from "./hub/download";
import { WEIGHTS_FILES } from "./models/resolve";

export type PresetName = "paper" | "quick";

/** BERT-Tiny's shape (Turc et al., 2019), used for quick's random-weights fallback on bert-base-uncased's config. */
export const BERT_TINY_SHAPE = { hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 512 } as const;
export const BERT_TINY_REPO = "google/bert_uncased_L-2_H-128_A-2";

export interface Preset {
  name: PresetName;
  /** The checkpoint fine-tuned in notebook 05 (the tutorial's model_name for paper). */
  modelName: string;
  /** The tokenizer (bert-base-uncased for both: BERT-Tiny shares its vocabulary). */
  tokenizerName: string;
  /** False when quick's checkpoint cannot be loaded here: notebook 05 then builds modelShape from random weights. */
  pretrained: boolean;
  /** config.json overrides of bert-base-uncased for the random-weights fallback. */
  modelShape: typeof BERT_TINY_SHAPE | null;
  /** Rows kept per split (a seeded sample), or null for all of them. */
  sample: { train: number; validation: number; test: number } | null;
  learningRate: number;
  numTrainEpochs: number;
  loggingSteps: number;
  seed: number;
  /** Where this preset's results, checkpoints and saved model go (runs/<preset>/ or BERT_IMDB_RUN_DIR). */
  runDir: string;
  /** Why `pretrained` is false (one line), or null. */
  fallbackReason: string | null;
}

type PresetSettings = Omit<Preset, "runDir" | "pretrained" | "fallbackReason">;

export const PRESETS: Record<PresetName, PresetSettings> = {
  paper: {
    name: "paper",
    modelName: "bert-base-uncased",
    tokenizerName: "bert-base-uncased",
    modelShape: null,
    sample: null,
    learningRate: 2e-5,
    numTrainEpochs: 3,
    loggingSteps: 500,
    seed: 42,
  },
  quick: {
    name: "quick",
    modelName: BERT_TINY_REPO,
    tokenizerName: "bert-base-uncased",
    modelShape: BERT_TINY_SHAPE,
    sample: { train: 1800, validation: 200, test: 1000 },
    // Small BERTs fine-tune best with larger steps than bert-base's 2e-5 (Turc et al. searched 1e-4 to 5e-4);
    // a randomly initialised one needs the top of that range.
    learningRate: 5e-4,
    numTrainEpochs: 3,
    loggingSteps: 10,
    seed: 42,
  },
};

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

/** The project root (where package.json and kernel/ are): the kernel's working directory. */
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

function presetName(name?: string): PresetName {
  const n = name ?? process.env.BERT_IMDB_PRESET ?? "quick";
  if (n !== "paper" && n !== "quick") throw new Error(`Unknown preset "${n}": use "paper" (the tutorial's run, for a GPU) or "quick" (a small CPU run). Set it with BERT_IMDB_PRESET.`);
  return n;
}

/** Where preset `name` writes: BERT_IMDB_RUN_DIR, else <BERT_IMDB_RUNS_DIR or <root>/runs>/<name>. */
export function presetRunDir(name: PresetName): string {
  if (process.env.BERT_IMDB_RUN_DIR) return path.resolve(process.env.BERT_IMDB_RUN_DIR);
  return path.resolve(process.env.BERT_IMDB_RUNS_DIR ?? path.join(projectRoot(), "runs"), name);
}

/** Whether the checkpoint's weights can be loaded: in the hub cache, or (online) on the hub. */
async function checkpointReachable(repoId: string): Promise<string | null> {
  const cached = WEIGHTS_FILES.some((f) => tryLoadFromCache({ repoId, filename: f, revision: DEFAULT_REVISION }) !== null);
  if (cached && tryLoadFromCache({ repoId, filename: "config.json" })) return null;
  if (isOfflineEnv()) return `offline (HF_HUB_OFFLINE) and ${repoId} is not in the hub cache`;
  try {
    await getHubFileMetadata({ repoId, filename: "config.json" });
    return null;
  } catch (err) {
    return `${repoId} could not be reached (${(err as Error).message.split("\n")[0]})`;
  }
}

/**
 * The preset of this run (argument, else BERT_IMDB_PRESET, else "quick"): its settings, and for quick whether
 * BERT-Tiny's pretrained weights can be had here. Prints the settings in one short block.
 */
export async function usePreset(name?: string, opts: { quiet?: boolean } = {}): Promise<Preset> {
  const settings = PRESETS[presetName(name)];
  const fallbackReason = settings.modelShape ? await checkpointReachable(settings.modelName) : null;
  const preset: Preset = { ...settings, runDir: presetRunDir(settings.name), pretrained: fallbackReason === null, fallbackReason };
  if (!opts.quiet) console.log(describePreset(preset));
  return preset;
}

/** A few lines saying what the preset runs. */
export function describePreset(p: Preset): string {
  const rows = p.sample ? `${p.sample.train.toLocaleString("en-US")} / ${p.sample.validation} / ${p.sample.test.toLocaleString("en-US")} reviews (train / validation / test, seeded sample)` : "all of IMDb: 22,500 / 2,500 / 25,000 reviews (train / validation / test)";
  const model = p.pretrained ? `${p.modelName} (pretrained)` : `${p.modelName}'s shape with random weights (${p.fallbackReason})`;
  return [
    `preset "${p.name}"`,
    `  model:         ${model}`,
    `  data:          ${rows}`,
    `  learning rate: ${p.learningRate}, ${p.numTrainEpochs} epochs, batch size 16, max length 128`,
    `  files:         ${path.relative(projectRoot(), p.runDir) || "."}/`,
  ].join("\n");
}
