// Child process of test/wasmThreads.test.ts: starts the wasm backend through initBackend (the thread count comes
// from BERT_IMDB_WASM_THREADS), computes matrix products (the XNNPACK path and the transposed/batched loop) and a
// tiny BERT's training-mode forward + backward, and prints one "RESULT <json>" line with the backend's line, the
// thread count and every number as base64 float32, then "DONE" — and must then exit by itself (no process.exit).
// Usage: BERT_IMDB_WASM_THREADS=N node --import tsx test/wasmThreadsWorker.ts [--inject-worker-failure error|throw]
// --inject-worker-failure: before the backend code loads, replaces worker_threads' Worker by one whose eval
// workers (the pthread workers) throw on start ("error") or whose constructor throws ("throw"), to check the
// fallback to 1 thread.
import * as workerThreads from "node:worker_threads";

function injectWorkerFailure(mode: string): void {
  const wt: { Worker: typeof workerThreads.Worker } = require("node:worker_threads");
  const Real = wt.Worker;
  class Broken extends Real {
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      if (!options?.eval) {
        super(filename, options);
        return;
      }
      if (mode === "throw") throw new Error("injected: Worker constructor failed");
      super("throw new Error('injected: worker failed to start')", options);
    }
  }
  wt.Worker = Broken;
}

function b64(values: ArrayLike<number>): string {
  return Buffer.from(Float32Array.from(values).buffer).toString("base64");
}

async function main(): Promise<void> {
  const inject = process.argv.indexOf("--inject-worker-failure");
  if (inject > 0) injectWorkerFailure(process.argv[inject + 1]);
  // Loaded after the injection, so that wasmThreads.ts captures the replaced Worker.
  const { initBackend } = await import("../src/backends/initBackend");
  const { wasmThreadsCount } = await import("../src/backends/wasmThreads");
  const { wasmHeapBytes } = await import("../src/backends/wasmGuard");
  const { tf } = await import("../src/backends/tf");
  const { matMulFast } = await import("../src/backends/matmul");
  const { BertForSequenceClassification, computeLoss } = await import("../src/models");
  const { syntheticDataset, TINY_CONFIG } = await import("./trainHelpers");

  const info = await initBackend("wasm", { quiet: true });
  const out: Record<string, string> = {};
  const rnd = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, "float32", seed);
  tf.tidy(() => {
    const a = rnd([384, 256], 1);
    const b = rnd([256, 320], 2);
    out.matMul = b64(tf.matMul(a, b).dataSync()); // XNNPACK's fully-connected operator (the threaded one)
    out.matMulTransposed = b64(tf.matMul(a, rnd([320, 256], 3), false, true).dataSync()); // tfjs's own loop
    out.matMulFast = b64(matMulFast(a, rnd([320, 256], 3), false, true).dataSync()); // explicit transpose, then XNNPACK
    out.batchMatMul = b64(tf.matMul(rnd([4, 64, 48], 4), rnd([4, 48, 80], 5)).dataSync());
    out.add = b64(tf.add(a, rnd([384, 256], 6)).dataSync());
  });

  const data = syntheticDataset(8, 32, 7);
  const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 3, numLabels: 2 });
  const vars = model.namedParameters();
  tf.tidy(() => {
    const inputIds = tf.tensor2d(data.inputIds, [data.rows, data.maxLength], "int32");
    const attentionMask = tf.tensor2d(data.attentionMask, [data.rows, data.maxLength], "int32");
    const labels = tf.tensor1d(Int32Array.from(data.labels as ArrayLike<number>), "int32");
    let logits: Float32Array | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const l = model.forward({ inputIds, attentionMask }, { training: true, dropoutSeed: 5 }).logits;
      logits = l.dataSync() as Float32Array;
      return computeLoss(l, labels);
    }, vars.map(([, v]) => v));
    out.logits = b64(logits ?? []);
    out.loss = b64(value.dataSync());
    for (const [name, v] of vars) out[`grad:${name}`] = b64(grads[v.name].dataSync());
  });
  model.dispose();

  const be = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array; PThread?: { runningWorkers: unknown[]; unusedWorkers: unknown[] } } };
  console.log(
    "RESULT " +
      JSON.stringify({
        device: info.device,
        threads: wasmThreadsCount(),
        sharedHeap: be.wasm.HEAPU8.buffer instanceof SharedArrayBuffer,
        heapBytes: wasmHeapBytes(),
        pthreads: be.wasm.PThread ? { running: be.wasm.PThread.runningWorkers.length, unused: be.wasm.PThread.unusedWorkers.length } : null,
        values: out,
      }),
  );
  console.log("DONE");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
