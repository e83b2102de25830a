// One optimizer step of HF's Trainer, shared by Trainer.train and the golden tests: forward + backward on each
// micro-batch (loss divided by the number of micro-batches, gradients summed), global-norm clipping, the
// scheduler's lr, one fused AdamW update per parameter, then the scheduler step.
// The host reads the step's figures (losses and gradient norm) once, together. Where the optimizer clips on the
// device (webgpu) that read comes after the update is queued, so the GPU never waits for the host in the middle
// of a step; elsewhere (cpu/wasm, where reads cost nothing) the norm is read before the update.
import { tf } from "../backends/tf";
import { AdamW } from "./adamw";
import { clipCoefficient, globalGradNormTensor } from "./gradClip";
import { LrSchedule } from "./lrSchedule";

/** Tensors of one batch, as src/format's BatchLoader yields them. */
export interface TrainBatch {
  inputIds: tf.Tensor;
  attentionMask: tf.Tensor;
  tokenTypeIds: tf.Tensor;
  labels: tf.Tensor;
}

/** What the Trainer needs from a model (BertForSequenceClassification satisfies it). */
export interface TrainableModel {
  forward(
    inputs: { inputIds: tf.Tensor; attentionMask?: tf.Tensor; tokenTypeIds?: tf.Tensor },
    opts?: { training?: boolean; dropoutSeed?: number },
  ): { logits: tf.Tensor };
  namedParameters(): Array<[string, tf.Variable]>;
  savePretrained(dir: string): Promise<void> | void;
  config?: unknown;
}

/** BERT_IMDB_TRAIN_READ_EVERY=N: the Trainer reads the steps' loss and gradient norm every N steps. */
export const TRAIN_READ_EVERY_ENV = "BERT_IMDB_TRAIN_READ_EVERY";

/**
 * How many issued steps the Trainer lets go by before reading their figures (besides logging, evaluation,
 * checkpoint and epoch-end steps, which read at once): 8 on webgpu, where a read stalls the GPU queue; 1 on the
 * CPU backends, where it costs nothing. The parameters do not depend on it, only when the bar and curve move.
 */
export function figureReadInterval(): number {
  const env = process.env[TRAIN_READ_EVERY_ENV];
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${TRAIN_READ_EVERY_ENV}="${env}" must be a positive integer (steps between reads of the loss)`);
    return n;
  }
  return tf.getBackend() === "webgpu" ? 8 : 1;
}

export type LossFn = (logits: tf.Tensor, labels: tf.Tensor) => tf.Scalar;

export interface StepResult {
  /** Mean loss over the step's micro-batches (the value HF accumulates into tr_loss). */
  loss: number;
  /** Global gradient norm before clipping (HF's logged grad_norm). */
  gradNorm: number;
  /** The lr this step used (HF's logged learning_rate). */
  learningRate: number;
  /** The clipping factor applied (1 = none). */
  clipCoef: number;
  /** Wall time of forward + backward over the micro-batches (on webgpu: until queued, the GPU may still be busy). */
  forwardBackwardSeconds: number;
  /**
   * Wall time from there to the end of the step: gradient norm, clipping, the AdamW update and reading the
   * figures back (on webgpu this includes waiting for the GPU to finish the step).
   */
  optimizerSeconds: number;
}

export class TrainStepper {
  private readonly params: Array<[string, tf.Variable]>;
  private readonly nameOfVar = new Map<string, string>();

  constructor(
    readonly model: TrainableModel,
    readonly optimizer: AdamW,
    readonly schedule: LrSchedule,
    readonly lossFn: LossFn,
    readonly maxGradNorm: number,
  ) {
    this.params = model.namedParameters();
    for (const [name, v] of this.params) this.nameOfVar.set(v.name, name);
  }

  /** Forward + backward of one micro-batch: its loss (divided by `scale`, still on the device) and gradients. */
  private gradients(batch: TrainBatch, dropoutSeed: number, scale: number): { loss: tf.Tensor; grads: Map<string, tf.Tensor> } {
    const vars = this.params.map(([, v]) => v);
    const { value, grads } = tf.variableGrads(() => {
      const { logits } = this.model.forward(
        { inputIds: batch.inputIds, attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds },
        { training: true, dropoutSeed },
      );
      const loss = this.lossFn(logits, batch.labels);
      return scale === 1 ? loss : (tf.div(loss, scale) as tf.Scalar);
    }, vars);
    const out = new Map<string, tf.Tensor>();
    for (const [varName, g] of Object.entries(grads)) {
      const name = this.nameOfVar.get(varName);
      if (!name) throw new Error(`internal: gradient for unknown variable ${varName}`);
      out.set(name, g);
    }
    return { loss: value, grads: out };
  }

  /**
   * One optimizer step over `microBatches` (gradient accumulation when more than one), each with its own
   * dropout seed, with its figures read back before returning. Disposes nothing of the batches.
   */
  step(microBatches: readonly TrainBatch[], dropoutSeeds: readonly number[]): StepResult {
    return TrainStepper.readResults([this.issue(microBatches, dropoutSeeds)])[0];
  }

  /**
   * Queues one optimizer step (as step()) without waiting for its figures where the optimizer clips on the
   * device (webgpu): the returned PendingStep holds the loss and norm as tensors until readResults. Elsewhere
   * the norm is read here (the update needs it) and the step is complete on return. Either way the parameters
   * are updated in queue order, so later steps may be issued before an earlier one is read.
   * Throws on a non-finite gradient norm where it is read here (the update is then not applied).
   */
  issue(microBatches: readonly TrainBatch[], dropoutSeeds: readonly number[]): PendingStep {
    if (microBatches.length === 0) throw new Error("TrainStepper.step needs at least one batch");
    if (dropoutSeeds.length !== microBatches.length) throw new Error("TrainStepper.step needs one dropout seed per batch");
    const n = microBatches.length;
    let total: Map<string, tf.Tensor> | null = null;
    const losses: tf.Tensor[] = [];
    let norm: tf.Tensor | null = null;
    let handedOver = false;
    const t0 = performance.now();
    try {
      for (let i = 0; i < n; i++) {
        const { loss, grads } = this.gradients(microBatches[i], dropoutSeeds[i], n);
        losses.push(loss);
        if (!total) total = grads;
        else {
          for (const [name, g] of grads) {
            const prev = total.get(name);
            if (prev) {
              total.set(name, tf.add(prev, g));
              prev.dispose();
              g.dispose();
            } else total.set(name, g);
          }
        }
      }
      const grads = total as Map<string, tf.Tensor>;
      const t1 = performance.now();
      norm = globalGradNormTensor([...grads.values()]);
      const learningRate = this.schedule.currentLr;
      const pending = new PendingStep(norm, losses, learningRate, this.maxGradNorm, (t1 - t0) / 1000, t1);
      if (this.optimizer.clipsOnDevice) {
        this.optimizer.step(grads, { lr: learningRate, clip: { norm, maxNorm: this.maxGradNorm } });
      } else {
        const f = pending.read();
        if (!Number.isFinite(f.gradNorm)) throw divergedError(f, "this step was not applied");
        this.optimizer.step(grads, { lr: learningRate, gradScale: clipCoefficient(f.gradNorm, this.maxGradNorm) });
      }
      this.schedule.step();
      pending.issuedAt = performance.now();
      handedOver = true;
      return pending;
    } finally {
      if (total) for (const g of total.values()) g.dispose();
      if (!handedOver) {
        tf.dispose(losses);
        norm?.dispose();
      }
    }
  }

  /**
   * The figures of issued steps, in order, with one read from the device for all of them. Disposes their
   * tensors. Throws on the first step whose gradient norm is not finite (the optimizer skipped it).
   */
  static readResults(steps: readonly PendingStep[]): StepResult[] {
    try {
      fetchFigures(steps);
      const now = performance.now();
      return steps.map((p) => {
        const f = p.figures!;
        if (!Number.isFinite(f.gradNorm)) throw divergedError(f, "this step and any later one with a non-finite norm were not applied (the optimizer skips them)");
        return {
          loss: f.loss,
          gradNorm: f.gradNorm,
          learningRate: p.learningRate,
          clipCoef: clipCoefficient(f.gradNorm, p.maxGradNorm),
          forwardBackwardSeconds: p.forwardBackwardSeconds,
          optimizerSeconds: ((p === steps[steps.length - 1] ? now : p.issuedAt) - p.optimizerStart) / 1000,
        };
      });
    } finally {
      TrainStepper.discard(steps);
    }
  }

  /** Frees issued steps' tensors without reading them (after an error). */
  static discard(steps: readonly PendingStep[]): void {
    for (const p of steps) p.dispose();
  }
}

/** Fills in the figures of the steps not read yet, all with one read from the device. */
function fetchFigures(steps: readonly PendingStep[]): void {
  const unread = steps.filter((p) => !p.figures);
  if (!unread.length) return;
  const packed = tf.tidy(() => tf.concat(unread.flatMap((p) => p.tensorsToRead())));
  const values = packed.dataSync();
  packed.dispose();
  let at = 0;
  for (const p of unread) at = p.take(values, at);
}

function divergedError(f: { gradNorm: number; loss: number }, update: string): Error {
  return new Error(
    `the gradient norm is ${f.gradNorm} (loss ${f.loss}): training diverged or the inputs hold invalid values; ${update}. ` +
      `Lower learningRate or check the data, then resume from the last checkpoint.`,
  );
}

/** A step that was issued but whose figures (loss, gradient norm) may still be on the device. */
export class PendingStep {
  figures: { gradNorm: number; loss: number } | null = null;
  issuedAt: number;

  constructor(
    private norm: tf.Tensor | null,
    private losses: tf.Tensor[],
    readonly learningRate: number,
    readonly maxGradNorm: number,
    readonly forwardBackwardSeconds: number,
    readonly optimizerStart: number,
  ) {
    this.issuedAt = optimizerStart;
  }

  /** [norm, loss of each micro-batch], each as a one-element tensor. */
  tensorsToRead(): tf.Tensor[] {
    if (!this.norm) throw new Error("internal: this step's figures were already read or discarded");
    return [this.norm, ...this.losses.map((l) => tf.reshape(l, [1]))];
  }

  /** Takes this step's figures from `values` at `at`; returns the position after them. */
  take(values: ArrayLike<number>, at: number): number {
    const n = this.losses.length;
    // Each micro-batch's loss was divided by n: scaled back, then averaged (HF's tr_loss over the step).
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[at + 1 + i] * n;
    this.figures = { gradNorm: values[at], loss: sum / n };
    this.dispose();
    return at + 1 + n;
  }

  /** Reads this step's figures now (one read). */
  read(): { gradNorm: number; loss: number } {
    fetchFigures([this]);
    return this.figures!;
  }

  dispose(): void {
    tf.dispose(this.losses);
    this.norm?.dispose();
    this.losses = [];
    this.norm = null;
  }
}
