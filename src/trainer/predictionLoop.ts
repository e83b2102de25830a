// HF's evaluation_loop: the model in eval mode over a dataset in order, collecting logits and labels and the
// mean loss (each batch's mean weighted by its size, as transformers averages the repeated batch losses).
//
// Which runtime computes the logits: on the CPU backends (wasm, cpu) a BERT classifier runs through ONNX
// Runtime (onnxruntime-node, all cores) on an in-memory export of its current weights — measured 8–26× faster
// than TensorFlow.js' wasm backend on the quick model (bench/RESULTS.md, bench:peer), with logits equal to
// 1e-6 (test/onnxRuntime.test.ts, test/evaluate.test.ts). The loss is still the Trainer's lossFn, applied to
// those logits. On webgpu and tensorflow, or when the model cannot be exported (another architecture or
// activation) or onnxruntime-node cannot load, TensorFlow.js runs the model as before.
import { tf } from "../backends/tf";
import { OnnxClassifierSession, onnxRuntimeUnavailable } from "../onnx/runtime";
import type { ExportableModel } from "../onnx/modelWeights";
import type { BatchLoader } from "./batchLoader";
import { disposeBatch } from "./format";
import { progressBar } from "../progress";
import type { LossFn, TrainableModel } from "./trainStep";
import { InterruptGuard, yieldToEventLoop } from "./interrupt";
import { labelsOf, makeLoader, toLabeledDataset, TrainerDataset } from "./labeledDataset";

export interface PredictionLoopResult {
  /** Logits, one row per example: [n][numLabels]. */
  logits: number[][];
  labels: Int32Array;
  loss: number;
  numSamples: number;
  numSteps: number;
  runtimeSeconds: number;
}

export interface PredictionLoopOptions {
  batchSize: number;
  dynamicPadding?: boolean;
  description?: string;
  /** Show a progress bar (default true). */
  progress?: boolean;
  /** An interrupt guard owned by the caller (e.g. the training loop); by default the loop installs its own. */
  guard?: InterruptGuard;
  /** Batches whose results stay on the device before they are read back (default 8 on webgpu, else 1). */
  readEvery?: number;
  /** "auto" (default): ONNX Runtime on the CPU backends where the model allows it, else TensorFlow.js. */
  runtime?: "auto" | "tfjs" | "onnxruntime";
}

let warnedFallback = false;

/** An ONNX Runtime session of the model; with "auto", a model that fails to export falls back to TensorFlow.js (said once). */
async function openSession(model: TrainableModel, required: boolean): Promise<OnnxClassifierSession | null> {
  try {
    return await OnnxClassifierSession.fromModel(model as unknown as ExportableModel);
  } catch (err) {
    if (required) throw err;
    if (!warnedFallback) {
      warnedFallback = true;
      console.warn(`Evaluation runs on TensorFlow.js: ONNX Runtime could not take this model (${(err as Error).message.split("\n")[0]})`);
    }
    return null;
  }
}

/** One batch's logits [size, numLabels] through the session, from the loader's plain arrays. */
async function onnxBatch(session: OnnxClassifierSession, loader: BatchLoader, index: number): Promise<{ logits: Float32Array; labels: Int32Array; size: number }> {
  const a = loader.batchArrays(0, index);
  const logits = await session.logits(a.inputIds, a.attentionMask, a.tokenTypeIds, a.size, a.seqLength);
  return { logits, labels: a.labels, size: a.size };
}

export async function predictionLoop(model: TrainableModel, dataset: TrainerDataset, lossFn: LossFn, opts: PredictionLoopOptions): Promise<PredictionLoopResult> {
  const rows = toLabeledDataset(dataset, "the evaluation dataset");
  const loader = makeLoader(rows, "the evaluation dataset", { batchSize: opts.batchSize, shuffle: false, dynamicPadding: opts.dynamicPadding });
  const n = loader.numRows;
  if (n === 0) throw new Error("the evaluation dataset is empty");
  const start = performance.now();
  const bar = opts.progress === false ? null : progressBar({ total: loader.numBatches, description: opts.description ?? "Evaluating", unit: "batch" });
  const ownGuard = opts.guard ? null : await InterruptGuard.install("evaluation stops after the current batch");
  const logits: number[][] = [];
  // The loader keeps row order (no shuffle), so the labels are the dataset's own, read on the host: reading
  // them back from each batch's tensor would be a synchronous GPU read per batch on webgpu (tfjs drops the
  // host copy of a tensor once it is uploaded).
  const labels = Int32Array.from(labelsOf(rows, "the evaluation dataset"));
  let lossSum = 0;
  let seen = 0;
  let steps = 0;
  // Results stay on the device for up to `readEvery` batches and are read back together: on a GPU the host
  // then queues the next batches while the GPU still computes, instead of waiting for each batch's logits
  // (one synchronous read stalls the queue). On cpu/wasm a read costs nothing and batches are read one by one.
  const readEvery = Math.max(1, opts.readEvery ?? (tf.getBackend() === "webgpu" ? 8 : 1));
  const runtime = opts.runtime ?? "auto";
  const why = runtime === "tfjs" ? "asked for" : onnxRuntimeUnavailable(model);
  if (runtime === "onnxruntime" && why) throw new Error(`predictionLoop: ONNX Runtime cannot run this model here: ${why}`);
  const session = why ? null : await openSession(model, runtime === "onnxruntime");
  const pending: Array<{ logits: tf.Tensor; loss: tf.Tensor; size: number }> = [];
  const flush = () => {
    if (!pending.length) return;
    try {
      for (const p of pending) {
        const values = p.logits.dataSync() as Float32Array;
        const numLabels = p.logits.shape[1] as number;
        for (let i = 0; i < p.size; i++) logits.push(Array.from(values.subarray(i * numLabels, (i + 1) * numLabels)));
        lossSum += p.loss.dataSync()[0] * p.size;
      }
    } finally {
      for (const p of pending) tf.dispose([p.logits, p.loss]);
      pending.length = 0;
    }
  };
  const afterBatch = async (size: number) => {
    seen += size;
    steps += 1;
    bar?.update(steps);
    await yieldToEventLoop();
    // A standalone evaluation stops at an interrupt; inside training (a guard passed in) it runs to the end,
    // short next to training, so the checkpoint that follows gets its metrics.
    if (ownGuard && ownGuard.interrupted) throw new Error(`Evaluation interrupted after ${seen} of ${n} examples; no metrics were computed`);
  };
  try {
    if (session) {
      for (let b = 0; b < loader.numBatches; b++) {
        const r = await onnxBatch(session, loader, b);
        const k = r.logits.length / r.size;
        for (let i = 0; i < r.size; i++) logits.push(Array.from(r.logits.subarray(i * k, (i + 1) * k)));
        lossSum += tf.tidy(() => lossFn(tf.tensor2d(r.logits, [r.size, k]), tf.tensor1d(r.labels, "int32")).dataSync()[0]) * r.size;
        await afterBatch(r.size);
      }
    } else {
      for (const batch of loader.batches(0)) {
        let size: number;
        try {
          const out = tf.tidy(() => {
            const { logits: lg } = model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds }, { training: false });
            return { logits: lg, loss: lossFn(lg, batch.labels) };
          });
          size = out.logits.shape[0] as number;
          pending.push({ ...out, size });
        } finally {
          disposeBatch(batch);
        }
        if (pending.length >= readEvery) flush();
        await afterBatch(size);
      }
      flush();
    }
  } finally {
    for (const p of pending) tf.dispose([p.logits, p.loss]);
    bar?.close();
    ownGuard?.release();
    await session?.dispose();
  }
  return { logits, labels, loss: lossSum / seen, numSamples: seen, numSteps: steps, runtimeSeconds: (performance.now() - start) / 1000 };
}
