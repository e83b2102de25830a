// Trainer: HF's training loop for BertForSequenceClassification in TensorFlow.js — seeded per-epoch shuffling,
// gradient accumulation, clipping, AdamW with HF's parameter groups and lr schedule, logging every loggingSteps,
// evaluation and checkpoints per epoch (or every N steps), exact resume from a checkpoint (mid-epoch included),
// a graceful stop on interrupt, a live progress bar and loss curve. evaluate() and predict() as in transformers.
import * as fs from "node:fs";
import * as path from "node:path";
import { backendInfo } from "../backends/index";
import { disposeBatch } from "./format";
import { computeLoss } from "../models/loss";
import { LivePlot } from "../plots/livePlot";
import { progressBar, ProgressBar } from "../progress";
import { Rng } from "../random";
import { makeLoader, TrainerDataset } from "./labeledDataset";
import { ComputeMetricsFn, metricsDict } from "./metricKeys";
import { predictionLoop } from "./predictionLoop";
import { AdamW } from "./adamw";
import { Dataset } from "../datasets/dataset";
import { checkpointDir, getLastCheckpoint, latestCheckpoint, listCheckpoints, loadCheckpoint, readCheckpointRun, RngStateJson, rotateCheckpoints, saveModelFiles, writeCheckpoint } from "./checkpoint";
import { InterruptGuard, yieldToEventLoop } from "./interrupt";
import { LrSchedule } from "./lrSchedule";
import { LogEntry, TrainerState } from "./trainerState";
import { TrainingArguments, TrainingArgumentsInit, warnDeprecated } from "./trainingArguments";
import { figureReadInterval, LossFn, PendingStep, StepResult, TrainableModel, TrainBatch, TrainStepper } from "./trainStep";

/** Hooks called by the training loop (a small subset of transformers' TrainerCallback), awaited in order. */
export interface TrainerCallback {
  /** After each optimizer step (state.globalStep already counts it). */
  onStepEnd?(state: TrainerState): void | Promise<void>;
  /** After each log entry is added to log_history. */
  onLog?(entry: LogEntry, state: TrainerState): void | Promise<void>;
  /** After each evaluation during training. */
  onEvaluate?(metrics: Record<string, number>, state: TrainerState): void | Promise<void>;
  /** After a checkpoint folder was written. */
  onSave?(checkpointDir: string, state: TrainerState): void | Promise<void>;
}

export interface TrainerOptions {
  model: TrainableModel;
  args: TrainingArguments | TrainingArgumentsInit;
  trainDataset?: TrainerDataset;
  evalDataset?: TrainerDataset;
  /** Turns an EvalPrediction into named metrics (src/metrics' computeMetrics can be passed as is). */
  computeMetrics?: ComputeMetricsFn;
  /** The tokenizer (saved into each checkpoint when it has savePretrained). */
  processingClass?: unknown;
  /** @deprecated transformers renamed Trainer's `tokenizer` to `processing_class`; use `processingClass`. */
  tokenizer?: unknown;
  /** Loss of a batch (default: mean cross-entropy, src/model's computeLoss). */
  lossFn?: LossFn;
  /** Cut each batch to its longest row (rounded up to 8) instead of maxLength: same results, less compute. */
  dynamicPadding?: boolean;
  callbacks?: TrainerCallback[];
}

export interface TrainOutput {
  globalStep: number;
  /** Mean training loss over all steps, those before a resume included (HF's training_loss). */
  trainingLoss: number;
  metrics: Record<string, number>;
  /** True when an interrupt stopped training early (a checkpoint was written). */
  interrupted: boolean;
}

export interface PredictionOutput {
  /** Logits [n][numLabels]. */
  predictions: number[][];
  labelIds: Int32Array;
  metrics: Record<string, number>;
}

const LOSS_TRACKER = "BertImdbLossTracker";

/** A path as the user gave it: relative to the working directory when it lies below it. */
function shownPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : p;
}

/** training_args.json keys that decide what a run computes: a checkpoint made with other values is not resumed. */
const TRAJECTORY_ARGS = [
  "learning_rate", "per_device_train_batch_size", "gradient_accumulation_steps", "num_train_epochs", "max_steps", "seed", "data_seed",
  "lr_scheduler_type", "warmup_steps", "weight_decay", "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm",
];

const TRAINER_OPTION_KEYS = ["model", "args", "trainDataset", "evalDataset", "computeMetrics", "processingClass", "tokenizer", "lossFn", "dynamicPadding", "callbacks"];

export class Trainer {
  readonly model: TrainableModel;
  readonly args: TrainingArguments;
  readonly trainDataset?: TrainerDataset;
  readonly evalDataset?: TrainerDataset;
  readonly computeMetrics?: ComputeMetricsFn;
  readonly processingClass?: unknown;
  readonly lossFn: LossFn;
  readonly dynamicPadding: boolean;
  readonly callbacks: TrainerCallback[];
  state: TrainerState;
  private optimizer: AdamW | null = null;
  private schedule: LrSchedule | null = null;
  private guard: InterruptGuard | null = null;
  private runStartStep = 0;

  constructor(opts: TrainerOptions) {
    for (const k of Object.keys(opts)) {
      if (!TRAINER_OPTION_KEYS.includes(k)) throw new Error(`Trainer: unknown option "${k}" (known: ${TRAINER_OPTION_KEYS.join(", ")})`);
    }
    if (!opts.model || typeof opts.model.forward !== "function" || typeof opts.model.namedParameters !== "function") {
      throw new Error("Trainer needs `model`: a BertForSequenceClassification (or an object with forward, namedParameters and savePretrained)");
    }
    this.model = opts.model;
    this.args = opts.args instanceof TrainingArguments ? opts.args : new TrainingArguments(opts.args ?? {});
    this.trainDataset = opts.trainDataset;
    this.evalDataset = opts.evalDataset;
    this.computeMetrics = opts.computeMetrics;
    if (opts.tokenizer !== undefined) {
      warnDeprecated(
        "Trainer.tokenizer",
        "Trainer's `tokenizer` option is deprecated: transformers renamed it `processing_class` (v4.46; it may also be an image " +
          "processor or feature extractor, and `tokenizer` was removed in v5), so pass `processingClass` here. It was used as processingClass.",
      );
      if (opts.processingClass !== undefined && opts.processingClass !== opts.tokenizer) {
        throw new Error("Trainer: both processingClass and the deprecated tokenizer were given, and they differ; pass only processingClass");
      }
    }
    this.processingClass = opts.processingClass ?? opts.tokenizer;
    this.lossFn = opts.lossFn ?? computeLoss;
    this.dynamicPadding = opts.dynamicPadding ?? false;
    this.callbacks = opts.callbacks ?? [];
    this.state = this.freshState();
  }

  /** A new TrainerState carrying the arguments' batch size and logging/eval/save intervals. */
  private freshState(): TrainerState {
    return Object.assign(new TrainerState(), {
      trainBatchSize: this.args.perDeviceTrainBatchSize,
      loggingSteps: this.args.loggingSteps,
      evalSteps: this.args.evalSteps,
      saveSteps: this.args.saveSteps,
    });
  }

  /** Appends a log entry (with the current step) to log_history and to <loggingDir>/trainer_log.jsonl. */
  log(entry: LogEntry): LogEntry {
    const e: LogEntry = { ...entry, step: this.state.globalStep };
    this.state.logHistory.push(e);
    try {
      fs.mkdirSync(this.args.loggingDir, { recursive: true });
      fs.appendFileSync(path.join(this.args.loggingDir, "trainer_log.jsonl"), JSON.stringify(e) + "\n");
    } catch (err) {
      warnDeprecated(`log-${this.args.loggingDir}`, `could not write ${this.args.loggingDir}/trainer_log.jsonl (${(err as Error).message}); the log stays in trainer.state.logHistory`);
    }
    for (const cb of this.callbacks) if (cb.onLog) void Promise.resolve(cb.onLog(e, this.state)).catch((err) => console.error("TrainerCallback.onLog failed:", err));
    return e;
  }

  private async fire<K extends "onStepEnd" | "onEvaluate" | "onSave">(hook: K, ...rest: unknown[]): Promise<void> {
    for (const cb of this.callbacks) {
      const f = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
      if (f) await f.call(cb, ...rest);
    }
  }

  private resolveCheckpoint(resume: string | boolean | undefined): string | null {
    if (resume === undefined || resume === false) return null;
    if (resume === true) {
      const latest = latestCheckpoint(this.args.outputDir);
      if (!latest) {
        throw new Error(`resumeFromCheckpoint: true, but ${path.resolve(this.args.outputDir)} has no complete checkpoint-<step> folder; train without resuming, or pass a checkpoint path`);
      }
      return latest;
    }
    if (!fs.existsSync(resume)) throw new Error(`resumeFromCheckpoint: ${resume} does not exist`);
    return resume;
  }

  /**
   * Trains for numTrainEpochs (or maxSteps) optimizer steps. `resumeFromCheckpoint`: a checkpoint folder, or
   * true for the newest complete one in outputDir; the run then continues exactly where that one stopped.
   */
  async train(opts: { resumeFromCheckpoint?: string | boolean } = {}): Promise<TrainOutput> {
    const args = this.args;
    if (!this.trainDataset) throw new Error("Trainer.train needs a trainDataset (tokenized rows with labels)");
    if (args.evalStrategy !== "no" && !this.evalDataset) {
      throw new Error(`evalStrategy is "${args.evalStrategy}" but no evalDataset was given: pass evalDataset, or set evalStrategy: "no"`);
    }
    const dataSeed = args.dataSeed ?? args.seed;
    const loader = makeLoader(this.trainDataset, "the training dataset", {
      batchSize: args.perDeviceTrainBatchSize,
      shuffle: true,
      seed: dataSeed,
      dynamicPadding: this.dynamicPadding,
    });
    const batchesPerEpoch = loader.numBatches;
    if (batchesPerEpoch === 0) throw new Error("the training dataset is empty");
    const ga = args.gradientAccumulationSteps;
    const updatesPerEpoch = Math.max(1, Math.ceil(batchesPerEpoch / ga));
    const maxSteps = args.maxSteps > 0 ? args.maxSteps : Math.ceil(args.numTrainEpochs * updatesPerEpoch);
    const numEpochs = Math.ceil(maxSteps / updatesPerEpoch);

    this.optimizer?.dispose();
    const optimizer = new AdamW(this.model.namedParameters(), {
      lr: args.learningRate,
      beta1: args.adamBeta1,
      beta2: args.adamBeta2,
      eps: args.adamEpsilon,
      weightDecay: args.weightDecay,
    });
    const schedule = new LrSchedule({ type: args.lrSchedulerType, baseLr: args.learningRate, warmupSteps: args.warmupStepsFor(maxSteps), totalSteps: maxSteps });
    this.optimizer = optimizer;
    this.schedule = schedule;
    const stepper = new TrainStepper(this.model, optimizer, schedule, this.lossFn, args.maxGradNorm);
    const dropoutRng = new Rng(args.seed);

    this.state = Object.assign(this.freshState(), { maxSteps, numTrainEpochs: numEpochs });

    const ckpt = this.resolveCheckpoint(opts.resumeFromCheckpoint);
    if (!ckpt) this.setAsideOldCheckpoints();
    let startEpoch = 0;
    let startBatch = 0;
    if (ckpt) {
      this.checkResumeArgs(ckpt);
      const loaded = loadCheckpoint(ckpt, { model: this.model, optimizer, schedule });
      this.state = loaded.state;
      Object.assign(this.state, { maxSteps, numTrainEpochs: numEpochs });
      dropoutRng.setState(loaded.rngState.dropout_rng);
      startEpoch = Math.floor(this.state.globalStep / updatesPerEpoch);
      startBatch = (this.state.globalStep % updatesPerEpoch) * ga;
      const r = loaded.rngState;
      const posOk = (r.epoch === startEpoch && r.batches_seen_in_epoch === startBatch) || (startBatch === 0 && r.epoch + 1 === startEpoch && r.batches_seen_in_epoch === batchesPerEpoch);
      if (r.data_seed !== dataSeed || !posOk) {
        throw new Error(
          `${ckpt} was saved at epoch ${r.epoch}, batch ${r.batches_seen_in_epoch} with data seed ${r.data_seed}, but this run maps step ${this.state.globalStep} to ` +
            `epoch ${startEpoch}, batch ${startBatch} with data seed ${dataSeed}: resume with the same dataset, batch size, gradientAccumulationSteps and seeds`,
        );
      }
    }

    const info = backendInfo();
    const numParams = this.model.namedParameters().reduce((n, [, v]) => n + v.size, 0);
    // transformers' floating_point_ops: 6 × (parameters outside embedding tables) × input tokens, per step.
    const nonEmbeddingParams = this.model.namedParameters().reduce((n, [name, v]) => n + (/_embeddings\.weight$/.test(name) ? 0 : v.size), 0);
    console.log(
      [
        `***** Running training *****`,
        `  Backend: ${info.backend} — device: ${info.device}`,
        `  Num examples = ${loader.numRows.toLocaleString("en-US")}, num epochs = ${numEpochs}, batch size = ${args.perDeviceTrainBatchSize}, gradient accumulation steps = ${ga}`,
        `  Total optimization steps = ${maxSteps.toLocaleString("en-US")}, trainable parameters = ${numParams.toLocaleString("en-US")}`,
        ckpt
          ? this.state.globalStep >= maxSteps
            ? `  ${shownPath(ckpt)} is the end of this training (step ${this.state.globalStep} of ${maxSteps}): its weights are loaded, nothing is left to train`
            : `  Resuming from ${shownPath(ckpt)}: step ${this.state.globalStep}, epoch ${startEpoch}` + (startBatch > 0 ? `, skipping the first ${startBatch} batches of that epoch` : " (from its first batch)")
          : "",
      ].filter((l) => l).join("\n"),
    );

    const startStep = this.state.globalStep;
    this.runStartStep = startStep;
    const start = performance.now();
    const showLive = !args.disableTqdm && startStep < maxSteps;
    const bar: ProgressBar | null = showLive ? progressBar({ total: maxSteps - startStep, description: "Training", unit: "step" }) : null;
    const live = showLive ? new LivePlot({ title: "Training loss", xTitle: "step", yTitle: "loss", series: ["loss"], throttleMs: 1000 }) : null;
    for (const e of this.state.logHistory) {
      if (live && typeof e.loss === "number") live.add("loss", e.step, e.loss);
      if (live && typeof e.eval_loss === "number") live.add("eval_loss", e.step, e.eval_loss, "lines+markers");
    }
    this.guard = await InterruptGuard.install("training stops after the current step and saves a checkpoint");
    // Running loss sums, kept in trainer_state.json's stateful_callbacks (where transformers keeps callback
    // state, so HF can still load the file) so a resumed run logs and reports exactly what an uninterrupted one does.
    const tracker = (this.state.statefulCallbacks[LOSS_TRACKER] as { attributes?: Record<string, number> } | undefined)?.attributes ?? {};
    let trLossSinceLog = tracker.loss_since_log ?? 0;
    let stepsSinceLog = tracker.steps_since_log ?? 0;
    let trLossTotal = tracker.total_loss ?? 0;
    const stepsBefore = tracker.total_steps ?? 0;
    const syncTracker = (): void => {
      this.state.statefulCallbacks[LOSS_TRACKER] = {
        args: {},
        attributes: { loss_since_log: trLossSinceLog, steps_since_log: stepsSinceLog, total_loss: trLossTotal, total_steps: stepsBefore + this.state.globalStep - startStep },
      };
    };
    let samplesThisRun = 0;
    let lastSavedStep = -1;
    let interrupted = false;
    let done = this.state.globalStep >= maxSteps;

    const save = async (epoch: number, batchesSeen: number): Promise<void> => {
      if (lastSavedStep === this.state.globalStep) return;
      syncTracker();
      await this.saveCheckpoint({
        seed: args.seed,
        data_seed: dataSeed,
        epoch,
        batches_seen_in_epoch: batchesSeen,
        dropout_rng: dropoutRng.getState(),
        train_dataset_fingerprint: this.trainDataset instanceof Dataset ? this.trainDataset.fingerprint : null,
      });
      lastSavedStep = this.state.globalStep;
    };

    // Issued steps whose loss and gradient norm are still on the device (webgpu), read together: a read waits
    // for the GPU to finish everything queued, so reading every step would stall it at every step.
    const readEvery = figureReadInterval();
    let unread: Array<{ step: PendingStep; globalStep: number }> = [];
    let last: StepResult | null = null;
    const barFields = () => {
      const elapsed = (performance.now() - start) / 1000;
      const fields: Record<string, string | number> = { step: `${this.state.globalStep}/${maxSteps}`, epoch: Number(this.state.epoch.toFixed(2)) };
      if (last) Object.assign(fields, { loss: last.loss, lr: last.learningRate });
      fields["samples/s"] = Number((samplesThisRun / elapsed).toFixed(2));
      return fields;
    };
    const readFigures = (): void => {
      if (!unread.length) return;
      const steps = unread;
      unread = [];
      const results = TrainStepper.readResults(steps.map((u) => u.step));
      results.forEach((r, i) => {
        trLossSinceLog += r.loss;
        stepsSinceLog += 1;
        trLossTotal += r.loss;
        live?.add("loss", steps[i].globalStep, r.loss);
      });
      last = results[results.length - 1];
      bar?.update(this.state.globalStep - startStep, barFields());
    };

    try {
      for (let epoch = startEpoch; epoch < numEpochs && !done && !interrupted; epoch++) {
        let micro: TrainBatch[] = [];
        let b = epoch === startEpoch ? startBatch : 0;
        const it = loader.batches(epoch, b);
        try {
          for (const batch of it) {
            micro.push(batch);
            b += 1;
            if (micro.length < ga && b < batchesPerEpoch) continue;
            const seeds = micro.map(() => dropoutRng.nextUint32());
            const stepSamples = micro.reduce((n, x) => n + x.labels.shape[0], 0);
            const stepTokens = micro.reduce((n, x) => n + x.inputIds.size, 0);
            let issued: PendingStep;
            try {
              issued = stepper.issue(micro, seeds);
            } finally {
              micro.forEach((x) => disposeBatch(x as Parameters<typeof disposeBatch>[0]));
              micro = [];
            }
            this.state.globalStep += 1;
            this.state.epoch = epoch + b / batchesPerEpoch;
            samplesThisRun += stepSamples;
            this.state.totalFlos += 6 * nonEmbeddingParams * stepTokens;
            unread.push({ step: issued, globalStep: this.state.globalStep });
            const gs = this.state.globalStep;
            const logNow = args.loggingStrategy === "steps" && (gs % args.loggingSteps === 0 || (gs === 1 && args.loggingFirstStep));
            const evalNow = args.evalStrategy === "steps" && gs % args.evalSteps === 0;
            const saveNow = args.saveStrategy === "steps" && gs % args.saveSteps === 0;
            // Figures are read when something needs them (a log line, an evaluation, a checkpoint, the end of the
            // epoch or of training) or every `readEvery` steps for the progress bar and the loss curve.
            if (logNow || evalNow || saveNow || gs >= maxSteps || b >= batchesPerEpoch || unread.length >= readEvery) readFigures();
            else if (bar) bar.update(gs - startStep, barFields());
            if (logNow) {
              this.log({ loss: trLossSinceLog / stepsSinceLog, grad_norm: last!.gradNorm, learning_rate: last!.learningRate, epoch: this.state.epoch });
              trLossSinceLog = 0;
              stepsSinceLog = 0;
            }
            if (evalNow) await this.evaluateDuringTraining(live, bar);
            if (saveNow) await save(epoch, b);
            await this.fire("onStepEnd", this.state);
            if (gs >= maxSteps) {
              done = true;
              break;
            }
            await yieldToEventLoop();
            // On the epoch's last step the interrupt waits for the epoch's end below: its evaluation and
            // checkpoint belong to this epoch, and a resume starts at the next one.
            if (this.guard.interrupted && b < batchesPerEpoch) {
              readFigures();
              interrupted = true;
              break;
            }
          }
        } finally {
          micro.forEach((x) => disposeBatch(x as Parameters<typeof disposeBatch>[0]));
          it.return(undefined);
        }
        if (interrupted) {
          await save(epoch, b);
          break;
        }
        // The epoch's end, or maxSteps reached mid-epoch: HF runs the epoch-end evaluation either way and always
        // saves the final step (unless saving is off).
        const epochEnded = b >= batchesPerEpoch;
        if (epochEnded || done) {
          if (epochEnded && args.loggingStrategy === "epoch" && stepsSinceLog > 0) {
            this.log({ loss: trLossSinceLog / stepsSinceLog, grad_norm: last!.gradNorm, learning_rate: schedule.lrAt(this.state.globalStep - 1), epoch: this.state.epoch });
            trLossSinceLog = 0;
            stepsSinceLog = 0;
          }
          if (args.evalStrategy === "epoch") await this.evaluateDuringTraining(live, bar);
          if (args.saveStrategy === "epoch" || (done && args.saveStrategy !== "no")) await save(epoch, b);
          if (this.guard.interrupted && !done) {
            await save(epoch, b);
            interrupted = true;
          }
        }
      }
    } finally {
      TrainStepper.discard(unread.map((u) => u.step));
      this.guard.release();
      this.guard = null;
      bar?.close({ status: interrupted ? "interrupted, checkpoint saved" : this.state.globalStep >= maxSteps ? "finished" : "stopped" });
      live?.close();
    }

    const runtime = (performance.now() - start) / 1000;
    const stepsRun = this.state.globalStep - startStep;
    const totalSteps = stepsBefore + stepsRun;
    const trainingLoss = totalSteps > 0 ? trLossTotal / totalSteps : NaN;
    syncTracker();
    const metrics: Record<string, number> = {
      train_runtime: Math.round(runtime * 1e4) / 1e4,
      train_samples_per_second: Math.round((samplesThisRun / runtime) * 1e3) / 1e3,
      train_steps_per_second: Math.round((stepsRun / runtime) * 1e3) / 1e3,
      total_flos: this.state.totalFlos,
      train_loss: trainingLoss,
      epoch: this.state.epoch,
    };
    if (!interrupted) this.log({ ...metrics });
    if (interrupted) {
      console.warn(
        `Training interrupted at step ${this.state.globalStep}/${maxSteps} (epoch ${this.state.epoch.toFixed(2)}); checkpoint saved to ` +
          `${shownPath(checkpointDir(args.outputDir, this.state.globalStep))}. Continue with trainer.train({ resumeFromCheckpoint: true }).`,
      );
    }
    return { globalStep: this.state.globalStep, trainingLoss, metrics, interrupted };
  }

  /**
   * How a checkpoint's training differs from this trainer's: the arguments that decide the trajectory
   * (learning rate, batch size, schedule, seeds, ...) and the training dataset's fingerprint. Empty when it
   * can be resumed.
   */
  resumeMismatches(ckpt: string): string[] {
    const { trainingArgs: saved, rngState: rng } = readCheckpointRun(ckpt);
    const now = this.args.toJSON();
    const out = TRAJECTORY_ARGS.filter((k) => k in saved && JSON.stringify(saved[k]) !== JSON.stringify(now[k])).map(
      (k) => `${k} ${JSON.stringify(saved[k])} → ${JSON.stringify(now[k])}`,
    );
    const fp = this.trainDataset instanceof Dataset ? this.trainDataset.fingerprint : null;
    const savedFp = rng.train_dataset_fingerprint ?? null;
    if (fp && savedFp && fp !== savedFp) out.push(`training dataset ${String(savedFp)} → ${fp} (other rows or tokenization)`);
    return out;
  }

  /**
   * The newest checkpoint in outputDir that this trainer can resume (same training arguments and data), or null;
   * for a notebook re-run: `trainer.train({ resumeFromCheckpoint: trainer.lastCheckpoint() ?? false })`. When the
   * newest one was made differently it says what differs, and training starts afresh.
   */
  lastCheckpoint(): string | null {
    const last = getLastCheckpoint(this.args.outputDir);
    if (!last) return null;
    const diffs = this.resumeMismatches(last);
    if (diffs.length === 0) return last;
    console.log(`${path.basename(last)} was trained with other settings (${diffs.join("; ")}), so training starts afresh.`);
    return null;
  }

  private checkResumeArgs(ckpt: string): void {
    const diffs = this.resumeMismatches(ckpt);
    if (diffs.length) {
      throw new Error(
        `${ckpt} was trained with other settings: ${diffs.join("; ")}. Resuming would not continue that run. ` +
          `Train afresh (train() without resumeFromCheckpoint), or resume with the arguments and dataset it was made with.`,
      );
    }
  }

  /** Before a fresh run: checkpoints already in outputDir are moved into outputDir/superseded-<time>/, never mixed with the new ones. */
  private setAsideOldCheckpoints(): void {
    const old = listCheckpoints(this.args.outputDir);
    if (!old.length) return;
    const aside = path.join(this.args.outputDir, `superseded-${new Date().toISOString().replace(/[:.]/g, "-")}`);
    fs.mkdirSync(aside, { recursive: true });
    for (const c of old) fs.renameSync(c.dir, path.join(aside, path.basename(c.dir)));
    console.log(`Training afresh: the ${old.length} earlier checkpoint(s) in ${path.basename(this.args.outputDir)}/ were moved to ${path.basename(aside)}/.`);
  }

  /** Evaluation inside train(): no progress bar of its own (one new output per epoch would pile up); its
   * results go to the training bar's figures and the live plot instead. */
  private async evaluateDuringTraining(live: LivePlot | null, bar: ProgressBar | null): Promise<void> {
    bar?.update(this.state.globalStep - this.runStartStep, { status: "evaluating" });
    const metrics = await this.runEvaluation(undefined, "eval", false);
    const shown: Record<string, string | number> = { status: "training" };
    for (const k of ["eval_loss", "eval_accuracy", "eval_f1"]) if (typeof metrics[k] === "number") shown[k] = metrics[k];
    bar?.update(this.state.globalStep - this.runStartStep, shown);
    await this.fire("onEvaluate", metrics, this.state);
    if (live && typeof metrics.eval_loss === "number") live.add("eval_loss", this.state.globalStep, metrics.eval_loss, "lines+markers");
    const key = this.args.metricForBestModel;
    if (key) {
      const name = key.startsWith("eval_") ? key : `eval_${key}`;
      const value = metrics[name];
      if (typeof value !== "number") throw new Error(`metricForBestModel "${key}" is not among the evaluation metrics (${Object.keys(metrics).join(", ")})`);
      const better = this.state.bestMetric === null || (this.args.greaterIsBetter ? value > this.state.bestMetric : value < this.state.bestMetric);
      if (better) {
        this.state.bestMetric = value;
        this.state.bestGlobalStep = this.state.globalStep;
        this.state.bestModelCheckpoint = checkpointDir(this.args.outputDir, this.state.globalStep);
      }
    }
  }

  private async saveCheckpoint(rngState: RngStateJson): Promise<void> {
    if (!this.optimizer || !this.schedule) throw new Error("internal: no optimizer to save");
    const dir = checkpointDir(this.args.outputDir, this.state.globalStep);
    await writeCheckpoint(dir, {
      model: this.model,
      processingClass: this.processingClass,
      optimizer: this.optimizer,
      schedule: this.schedule,
      state: this.state,
      rngState,
      trainingArgs: this.args.toJSON(),
    });
    rotateCheckpoints(this.args.outputDir, this.args.saveTotalLimit, this.state.bestModelCheckpoint);
    await this.fire("onSave", dir, this.state);
  }

  /**
   * Evaluates on `dataset` (default: evalDataset) and returns HF's keys: <prefix>_loss, <prefix>_<metric> for
   * each computeMetrics value, <prefix>_runtime, _samples_per_second, _steps_per_second, and epoch once trained.
   * The metrics are appended to log_history.
   */
  async evaluate(dataset?: TrainerDataset, metricKeyPrefix = "eval"): Promise<Record<string, number>> {
    return this.runEvaluation(dataset, metricKeyPrefix, !this.args.disableTqdm);
  }

  private async runEvaluation(dataset: TrainerDataset | undefined, metricKeyPrefix: string, progress: boolean): Promise<Record<string, number>> {
    const ds = dataset ?? this.evalDataset;
    if (!ds) throw new Error("Trainer.evaluate needs a dataset: pass one, or give the Trainer an evalDataset");
    const r = await predictionLoop(this.model, ds, this.lossFn, {
      batchSize: this.args.perDeviceEvalBatchSize,
      dynamicPadding: this.dynamicPadding,
      description: "Evaluating",
      progress,
      guard: this.guard ?? undefined,
    });
    const metrics = metricsDict(r, this.computeMetrics, metricKeyPrefix, this.state.globalStep > 0 ? this.state.epoch : undefined);
    this.log(metrics);
    return metrics;
  }

  /** Logits, labels and metrics (prefix "test") on `dataset`, as HF's Trainer.predict. Not logged. */
  async predict(dataset: TrainerDataset, metricKeyPrefix = "test"): Promise<PredictionOutput> {
    const r = await predictionLoop(this.model, dataset, this.lossFn, {
      batchSize: this.args.perDeviceEvalBatchSize,
      dynamicPadding: this.dynamicPadding,
      description: "Predicting",
      progress: !this.args.disableTqdm,
    });
    const metrics = metricsDict(r, this.computeMetrics, metricKeyPrefix, undefined);
    return { predictions: r.logits, labelIds: r.labels, metrics };
  }

  /** Saves the model (and tokenizer) to `dir` (default outputDir), as HF's Trainer.save_model. */
  async saveModel(dir: string = this.args.outputDir): Promise<void> {
    await saveModelFiles(dir, this.model, this.processingClass);
  }

  /** Frees the optimizer's moment tensors (the model stays). */
  dispose(): void {
    this.optimizer?.dispose();
    this.optimizer = null;
  }
}
