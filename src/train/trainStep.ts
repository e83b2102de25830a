// One optimizer step of HF's Trainer, shared by Trainer.train and the golden tests: forward + backward on each
// micro-batch (loss divided by the number of micro-batches, gradients summed), global-norm clipping, the
// scheduler's lr, one fused AdamW update per parameter, then the scheduler step.
import { tf } from "../backend/tf";
import { AdamW } from "./adamw";
import { clipCoefficient, globalGradNorm } from "./gradClip";
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
  /** Wall time of forward + backward over the micro-batches (synchronised by reading the loss). */
  forwardBackwardSeconds: number;
  /** Wall time of the gradient norm, clipping and the AdamW update (on asynchronous backends: until dispatched). */
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

  /** Forward + backward of one micro-batch; returns its loss and gradients (scaled by 1/scale). */
  private gradients(batch: TrainBatch, dropoutSeed: number, scale: number): { loss: number; grads: Map<string, tf.Tensor> } {
    const vars = this.params.map(([, v]) => v);
    const { value, grads } = tf.variableGrads(() => {
      const { logits } = this.model.forward(
        { inputIds: batch.inputIds, attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds },
        { training: true, dropoutSeed },
      );
      const loss = this.lossFn(logits, batch.labels);
      return scale === 1 ? loss : (tf.div(loss, scale) as tf.Scalar);
    }, vars);
    const loss = value.dataSync()[0] * scale;
    value.dispose();
    const out = new Map<string, tf.Tensor>();
    for (const [varName, g] of Object.entries(grads)) {
      const name = this.nameOfVar.get(varName);
      if (!name) throw new Error(`internal: gradient for unknown variable ${varName}`);
      out.set(name, g);
    }
    return { loss, grads: out };
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
    let lossSum = 0;
    const t0 = performance.now();
    try {
      for (let i = 0; i < n; i++) {
        const { loss, grads } = this.gradients(microBatches[i], dropoutSeeds[i], n);
        lossSum += loss;
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
      const gradNorm = globalGradNorm([...grads.values()]);
      if (!Number.isFinite(gradNorm)) {
        throw new Error(`the gradient norm is ${gradNorm} (loss ${lossSum / n}): training diverged or the inputs hold invalid values; lower learningRate or check the data`);
      }
      const clipCoef = clipCoefficient(gradNorm, this.maxGradNorm);
      const learningRate = this.schedule.currentLr;
      this.optimizer.step(grads, { lr: learningRate, gradScale: clipCoef });
      this.schedule.step();
      const t2 = performance.now();
      return { loss: lossSum / n, gradNorm, learningRate, clipCoef, forwardBackwardSeconds: (t1 - t0) / 1000, optimizerSeconds: (t2 - t1) / 1000 };
    } finally {
      if (total) for (const g of total.values()) g.dispose();
    }
  }
}
