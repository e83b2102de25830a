// One optimizer step of HF's Trainer, shared by Trainer.train and the golden tests: forward + backward on each
// micro-batch (loss divided by the number of micro-batches, gradients summed), global-norm clipping, the
// scheduler's lr, one fused AdamW update per parameter, then the scheduler step.
// The host reads the step's figures (losses and gradient norm) once, together. Where the optimizer clips on the
// device (webgpu) that read comes after the update is queued, so the GPU never waits for the host in the middle
// of a step; elsewhere (cpu/wasm, where reads cost nothing) the norm is read before the update.
import { tf } from "../backend/tf";
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
   * dropout seed. Disposes nothing of the batches.
   */
  step(microBatches: readonly TrainBatch[], dropoutSeeds: readonly number[]): StepResult {
    if (microBatches.length === 0) throw new Error("TrainStepper.step needs at least one batch");
    if (dropoutSeeds.length !== microBatches.length) throw new Error("TrainStepper.step needs one dropout seed per batch");
    const n = microBatches.length;
    let total: Map<string, tf.Tensor> | null = null;
    const losses: tf.Tensor[] = [];
    let norm: tf.Tensor | null = null;
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
      const normTensor = globalGradNormTensor([...grads.values()]);
      norm = normTensor;
      const learningRate = this.schedule.currentLr;
      // [norm, loss of each micro-batch] in one read.
      const readFigures = () => {
        const packed = tf.tidy(() => tf.concat([normTensor, ...losses.map((l) => tf.reshape(l, [1]))]));
        const figures = packed.dataSync();
        packed.dispose();
        const lossMean = Array.from(figures.subarray(1), (v) => v * n).reduce((a, b) => a + b, 0) / n;
        return { gradNorm: figures[0], loss: lossMean };
      };
      const diverged = (f: { gradNorm: number; loss: number }, update: string) =>
        new Error(
          `the gradient norm is ${f.gradNorm} (loss ${f.loss}): training diverged or the inputs hold invalid values; ${update}. ` +
            `Lower learningRate or check the data, then resume from the last checkpoint.`,
        );
      let f: { gradNorm: number; loss: number };
      if (this.optimizer.clipsOnDevice) {
        this.optimizer.step(grads, { lr: learningRate, clip: { norm: normTensor, maxNorm: this.maxGradNorm } });
        f = readFigures();
        if (!Number.isFinite(f.gradNorm)) throw diverged(f, "this step was not applied (the optimizer skips a non-finite norm)");
      } else {
        f = readFigures();
        if (!Number.isFinite(f.gradNorm)) throw diverged(f, "this step was not applied");
        this.optimizer.step(grads, { lr: learningRate, gradScale: clipCoefficient(f.gradNorm, this.maxGradNorm) });
      }
      this.schedule.step();
      const t2 = performance.now();
      const clipCoef = clipCoefficient(f.gradNorm, this.maxGradNorm);
      return { loss: f.loss, gradNorm: f.gradNorm, learningRate, clipCoef, forwardBackwardSeconds: (t1 - t0) / 1000, optimizerSeconds: (t2 - t1) / 1000 };
    } finally {
      if (total) for (const g of total.values()) g.dispose();
      tf.dispose(losses);
      norm?.dispose();
    }
  }
}
