// TrainingArguments: the hyper-parameters and bookkeeping options of a Trainer run, mirroring
// transformers.TrainingArguments in camelCase. Defaults: the tutorial's values where it sets them
// (learningRate 2e-5, batch sizes 16, 3 epochs, weightDecay 0.01, evaluation and saving every epoch),
// transformers' defaults everywhere else (AdamW betas/eps, maxGradNorm 1, linear schedule, no warm-up,
// seed 42, logging every 500 steps). Saved in checkpoints as training_args.json with HF's snake_case names.
import { checkSeed } from "../random";
import type { LrSchedulerType } from "./lrSchedule";

export type IntervalStrategy = "no" | "steps" | "epoch";

export interface TrainingArgumentsInit {
  /** Folder for checkpoints (`checkpoint-<step>/`) and the final trainer state. */
  outputDir?: string;
  /** When to evaluate: "no", every `evalSteps` steps, or at the end of every epoch. */
  evalStrategy?: IntervalStrategy;
  /** @deprecated transformers renamed `evaluation_strategy` to `eval_strategy`; use `evalStrategy`. */
  evaluationStrategy?: IntervalStrategy;
  /** Steps between evaluations with evalStrategy "steps" (default: loggingSteps). */
  evalSteps?: number;
  learningRate?: number;
  perDeviceTrainBatchSize?: number;
  perDeviceEvalBatchSize?: number;
  numTrainEpochs?: number;
  weightDecay?: number;
  saveStrategy?: IntervalStrategy;
  saveSteps?: number;
  /** Keep at most this many checkpoints (the oldest are deleted; the best one is kept). */
  saveTotalLimit?: number;
  /** Folder where log entries are appended as JSON lines (trainer_log.jsonl); default `<outputDir>/logs`. */
  loggingDir?: string;
  loggingStrategy?: IntervalStrategy;
  loggingSteps?: number;
  loggingFirstStep?: boolean;
  /** Seed of the model's dropout and of everything else random in training. */
  seed?: number;
  /** Seed of the data order (per-epoch shuffles); default: seed. */
  dataSeed?: number;
  /** Warm-up steps of the lr schedule; a value in (0, 1) is a fraction of the total steps (transformers v5). */
  warmupSteps?: number;
  adamBeta1?: number;
  adamBeta2?: number;
  adamEpsilon?: number;
  maxGradNorm?: number;
  lrSchedulerType?: LrSchedulerType;
  /** Total optimizer steps; overrides numTrainEpochs when > 0. */
  maxSteps?: number;
  gradientAccumulationSteps?: number;
  /** Metric that decides the best checkpoint (e.g. "eval_loss" or "f1"); with greaterIsBetter. */
  metricForBestModel?: string;
  greaterIsBetter?: boolean;
  /** Hide the live progress bar and loss plot. */
  disableTqdm?: boolean;
  /**
   * Experiment trackers to report to (HF: report_to). No integration (W&B, TensorBoard, ...) exists here, so
   * only "none" (and "all", which then means none) are accepted; logs go to loggingDir/trainer_log.jsonl.
   */
  reportTo?: "none" | "all" | string[];
}

const STRATEGIES: readonly IntervalStrategy[] = ["no", "steps", "epoch"];
const SCHEDULERS: readonly LrSchedulerType[] = ["linear", "cosine", "constant", "constant_with_warmup"];
const warned = new Set<string>();

/** Prints a deprecation warning once per process. */
export function warnDeprecated(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(`Deprecation warning: ${message}`);
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`TrainingArguments.${name} must be a positive integer, got ${v}`);
  return v;
}

function nonNegative(name: string, v: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`TrainingArguments.${name} must be a finite number ≥ 0, got ${v}`);
  return v;
}

function strategy(name: string, v: IntervalStrategy): IntervalStrategy {
  if (!STRATEGIES.includes(v)) throw new Error(`TrainingArguments.${name} must be "no", "steps" or "epoch", got ${JSON.stringify(v)}`);
  return v;
}

export class TrainingArguments {
  readonly outputDir: string;
  readonly evalStrategy: IntervalStrategy;
  readonly evalSteps: number;
  readonly learningRate: number;
  readonly perDeviceTrainBatchSize: number;
  readonly perDeviceEvalBatchSize: number;
  readonly numTrainEpochs: number;
  readonly weightDecay: number;
  readonly saveStrategy: IntervalStrategy;
  readonly saveSteps: number;
  readonly saveTotalLimit: number | undefined;
  readonly loggingDir: string;
  readonly loggingStrategy: IntervalStrategy;
  readonly loggingSteps: number;
  readonly loggingFirstStep: boolean;
  readonly seed: number;
  readonly dataSeed: number | undefined;
  readonly warmupSteps: number;
  readonly adamBeta1: number;
  readonly adamBeta2: number;
  readonly adamEpsilon: number;
  readonly maxGradNorm: number;
  readonly lrSchedulerType: LrSchedulerType;
  readonly maxSteps: number;
  readonly gradientAccumulationSteps: number;
  readonly metricForBestModel: string | undefined;
  readonly greaterIsBetter: boolean | undefined;
  readonly disableTqdm: boolean;
  readonly reportTo: "none";

  constructor(init: TrainingArgumentsInit = {}) {
    const known = new Set<string>([
      "outputDir", "evalStrategy", "evaluationStrategy", "evalSteps", "learningRate", "perDeviceTrainBatchSize",
      "perDeviceEvalBatchSize", "numTrainEpochs", "weightDecay", "saveStrategy", "saveSteps", "saveTotalLimit", "loggingDir",
      "loggingStrategy", "loggingSteps", "loggingFirstStep", "seed", "dataSeed", "warmupSteps", "adamBeta1", "adamBeta2",
      "adamEpsilon", "maxGradNorm", "lrSchedulerType", "maxSteps", "gradientAccumulationSteps", "metricForBestModel",
      "greaterIsBetter", "disableTqdm", "reportTo",
    ]);
    for (const k of Object.keys(init)) {
      if (!known.has(k)) {
        const hint = k.includes("_") ? ` (use camelCase: ${k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())})` : "";
        throw new Error(`TrainingArguments: unknown option "${k}"${hint}`);
      }
    }
    let evalStrategy = init.evalStrategy;
    if (init.evaluationStrategy !== undefined) {
      warnDeprecated(
        "evaluationStrategy",
        "`evaluationStrategy` is deprecated: transformers renamed the argument `evaluation_strategy` to `eval_strategy` " +
          "(v4.41; the old name was removed in v4.46), so use `evalStrategy` here. The value was taken as evalStrategy.",
      );
      if (evalStrategy !== undefined && evalStrategy !== init.evaluationStrategy) {
        throw new Error(`TrainingArguments: evalStrategy "${evalStrategy}" and the deprecated evaluationStrategy "${init.evaluationStrategy}" disagree; pass only evalStrategy`);
      }
      evalStrategy = init.evaluationStrategy;
    }
    this.outputDir = init.outputDir ?? "trainer_output";
    this.evalStrategy = strategy("evalStrategy", evalStrategy ?? "epoch");
    this.learningRate = init.learningRate ?? 2e-5;
    if (!(this.learningRate >= 0) || !Number.isFinite(this.learningRate)) throw new Error(`TrainingArguments.learningRate must be a finite number ≥ 0, got ${this.learningRate}`);
    this.perDeviceTrainBatchSize = positiveInt("perDeviceTrainBatchSize", init.perDeviceTrainBatchSize ?? 16);
    this.perDeviceEvalBatchSize = positiveInt("perDeviceEvalBatchSize", init.perDeviceEvalBatchSize ?? 16);
    this.numTrainEpochs = init.numTrainEpochs ?? 3;
    if (!(this.numTrainEpochs > 0) || !Number.isFinite(this.numTrainEpochs)) throw new Error(`TrainingArguments.numTrainEpochs must be > 0, got ${this.numTrainEpochs}`);
    this.weightDecay = nonNegative("weightDecay", init.weightDecay ?? 0.01);
    this.saveStrategy = strategy("saveStrategy", init.saveStrategy ?? "epoch");
    this.saveSteps = positiveInt("saveSteps", init.saveSteps ?? 500);
    this.saveTotalLimit = init.saveTotalLimit === undefined ? undefined : positiveInt("saveTotalLimit", init.saveTotalLimit);
    this.loggingStrategy = strategy("loggingStrategy", init.loggingStrategy ?? "steps");
    this.loggingSteps = positiveInt("loggingSteps", init.loggingSteps ?? 500);
    this.loggingFirstStep = init.loggingFirstStep ?? false;
    this.loggingDir = init.loggingDir ?? `${this.outputDir}/logs`;
    this.evalSteps = positiveInt("evalSteps", init.evalSteps ?? this.loggingSteps);
    this.seed = init.seed ?? 42;
    checkSeed("TrainingArguments.seed", this.seed);
    this.dataSeed = init.dataSeed === undefined ? undefined : checkSeed("TrainingArguments.dataSeed", init.dataSeed);
    this.warmupSteps = nonNegative("warmupSteps", init.warmupSteps ?? 0);
    if (this.warmupSteps >= 1 && !Number.isInteger(this.warmupSteps)) throw new Error(`TrainingArguments.warmupSteps must be an integer step count or a fraction in (0, 1), got ${this.warmupSteps}`);
    this.adamBeta1 = init.adamBeta1 ?? 0.9;
    this.adamBeta2 = init.adamBeta2 ?? 0.999;
    for (const [k, b] of [["adamBeta1", this.adamBeta1], ["adamBeta2", this.adamBeta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`TrainingArguments.${k} must be in [0, 1), got ${b}`);
    }
    this.adamEpsilon = nonNegative("adamEpsilon", init.adamEpsilon ?? 1e-8);
    this.maxGradNorm = nonNegative("maxGradNorm", init.maxGradNorm ?? 1.0);
    this.lrSchedulerType = init.lrSchedulerType ?? "linear";
    if (!SCHEDULERS.includes(this.lrSchedulerType)) throw new Error(`TrainingArguments.lrSchedulerType must be one of ${SCHEDULERS.join(", ")}, got ${JSON.stringify(this.lrSchedulerType)}`);
    this.maxSteps = init.maxSteps ?? -1;
    if (!Number.isInteger(this.maxSteps) || (this.maxSteps <= 0 && this.maxSteps !== -1)) throw new Error(`TrainingArguments.maxSteps must be a positive integer (or -1 for "use numTrainEpochs"), got ${this.maxSteps}`);
    this.gradientAccumulationSteps = positiveInt("gradientAccumulationSteps", init.gradientAccumulationSteps ?? 1);
    this.metricForBestModel = init.metricForBestModel;
    this.greaterIsBetter = init.greaterIsBetter ?? (this.metricForBestModel === undefined ? undefined : !/loss$/.test(this.metricForBestModel));
    this.disableTqdm = init.disableTqdm ?? false;
    const report = init.reportTo ?? "none";
    if (!(report === "none" || report === "all" || (Array.isArray(report) && report.length === 0))) {
      throw new Error(`TrainingArguments.reportTo ${JSON.stringify(report)}: no experiment-tracker integration exists in this library; use "none" (logs are in loggingDir/trainer_log.jsonl and trainer.state.logHistory)`);
    }
    this.reportTo = "none";
  }

  /** Rows per training batch on one device, as HF's `train_batch_size` (accumulation not included). */
  get trainBatchSize(): number {
    return this.perDeviceTrainBatchSize;
  }

  /** Warm-up steps for a run of `totalSteps` optimizer steps. */
  warmupStepsFor(totalSteps: number): number {
    return this.warmupSteps > 0 && this.warmupSteps < 1 ? Math.ceil(this.warmupSteps * totalSteps) : this.warmupSteps;
  }

  /** A copy with some fields changed. */
  with(changes: TrainingArgumentsInit): TrainingArguments {
    return new TrainingArguments({ ...this.toInit(), ...changes });
  }

  toInit(): TrainingArgumentsInit {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) if (v !== undefined) out[k] = v;
    return out as TrainingArgumentsInit;
  }

  /** transformers' snake_case names, as training_args.json in a checkpoint. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) out[k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())] = v ?? null;
    return out;
  }

  /** Rebuilds arguments from training_args.json (snake_case) or from camelCase fields. */
  static fromJSON(json: Record<string, unknown>): TrainingArguments {
    const init: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(json)) {
      if (v === null) continue;
      init[k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] = v;
    }
    return new TrainingArguments(init as TrainingArgumentsInit);
  }
}
