// npm run bench:dispatches — GPU dispatches and tfjs kernel calls of one training step and one evaluation batch
// of a BERT with bert-base's 12 layers on the webgpu backend. On the GPU host each dispatch costs the host tens
// of microseconds, so this count is what the host-side work of a step scales with; it does not depend on the
// layer width, so a narrow model (hidden 64) counts the same on any adapter, a software one (lavapipe) included.
// Synchronous reads (GPU → CPU copies that wait for every queued dispatch) are counted too: a training step
// should make one, at its end.
// Each is then timed (median wall time over --repeat runs): on a software adapter that mixes host and "GPU"
// work on the same cores, so compare such times only side by side on one machine.
// Options: --layers 12 --hidden 64 --batch 2 --seq 128 --repeat 10 --top 12 (kernel names listed) (the count depends on the layers, not on the sizes),
// and the kernel options of bench/gpu/kernelFlags.ts, e.g. --train-fused 1 (the fused attention and dropout kernels in training).
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend } from "../../src/backends/initBackend";
import { tf } from "../../src/backends/tf";
import { resetWebGPUStats, webgpuDeviceInfo, webgpuStats } from "../../src/backends/webgpu";
import { BertForSequenceClassification, computeLoss } from "../../src/models";
import { AdamW } from "../../src/trainer/adamw";
import { linearScheduleWithWarmup } from "../../src/trainer/lrSchedule";
import { TrainStepper } from "../../src/trainer/trainStep";
import { applyKernelFlags } from "./kernelFlags";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : def;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

/** Wall milliseconds of `fn` over --repeat runs: the median (an adapter's host and GPU time together). */
function medianMs(fn: () => unknown, repeat: number): number {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function count(label: string, fn: () => unknown, repeat: number): Promise<void> {
  fn(); // pipelines compiled, buffers allocated
  resetWebGPUStats();
  fn();
  const { dispatches, syncReads } = webgpuStats();
  const info = await tf.profile(() => {
    fn();
  });
  const byName = new Map<string, number>();
  for (const k of info.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + 1);
  const top = [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([n, c]) => `${n} ${c}`);
  const ms = medianMs(fn, repeat);
  console.log(`${label}: ${dispatches} dispatches, ${syncReads} synchronous read(s), ${info.kernels.length} kernel calls, median ${ms.toFixed(1)} ms over ${repeat} runs (most called: ${top.join(", ")})`);
}

/** How many kernel names to list, most called first (--top). */
const TOP = arg("top", 12);

async function main(): Promise<void> {
  const options = applyKernelFlags();
  await initBackend("webgpu");
  const dev = webgpuDeviceInfo();
  const layers = arg("layers", 12);
  const hidden = arg("hidden", 64);
  const B = arg("batch", 2);
  const S = arg("seq", 128);
  const repeat = arg("repeat", 10);
  const base = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "assets", "bert-base-uncased", "config.json"), "utf8"));
  const config = { ...base, num_hidden_layers: layers, hidden_size: hidden, num_attention_heads: 4, intermediate_size: 2 * hidden };
  const model = BertForSequenceClassification.fromConfig(config, { numLabels: 2, seed: 1 });
  const ids = tf.tensor2d(Array.from({ length: B * S }, (_, i) => 1000 + (i % 500)), [B, S], "int32");
  const batch = { inputIds: ids, attentionMask: tf.onesLike(ids), tokenTypeIds: tf.zerosLike(ids), labels: tf.tensor1d(Array.from({ length: B }, (_, i) => i % 2), "int32") };
  const optimizer = new AdamW(model.namedParameters(), { lr: 2e-5, weightDecay: 0.01 });
  const stepper = new TrainStepper(model, optimizer, linearScheduleWithWarmup(2e-5, 0, 1000), computeLoss, 1.0);
  console.log(`webgpu adapter: ${dev ? `${dev.adapter.vendor} ${dev.adapter.device}` : "?"}; ${layers} layers, hidden ${hidden}, batch ${B} × ${S}; ${options}`);
  let seed = 1;
  await count("training step (forward, backward, clipping, AdamW)", () => stepper.step([batch], [seed++]), repeat);
  await count("evaluation batch (forward, logits read back)", () => tf.tidy(() => model.forward(batch).logits.dataSync()), repeat);
  optimizer.dispose();
  model.dispose();
  tf.dispose(Object.values(batch));
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
