// npm run bench:dispatches — GPU dispatches and tfjs kernel calls of one training step and one evaluation batch
// of a BERT with bert-base's 12 layers on the webgpu backend. On the GPU host each dispatch costs the host tens
// of microseconds, so this count is what the host-side work of a step scales with; it does not depend on the
// layer width, so a narrow model (hidden 64) counts the same on any adapter, a software one (lavapipe) included.
// Options: --layers 12 --hidden 64 --batch 2 --seq 128 (the count depends on the layers, not on these sizes).
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend } from "../../src/backend/initBackend";
import { tf } from "../../src/backend/tf";
import { resetWebGPUStats, webgpuDeviceInfo, webgpuStats } from "../../src/backend/webgpu";
import { BertForSequenceClassification, computeLoss } from "../../src/model";
import { AdamW } from "../../src/train/adamw";
import { linearScheduleWithWarmup } from "../../src/train/lrSchedule";
import { TrainStepper } from "../../src/train/trainStep";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : def;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

async function count(label: string, fn: () => unknown): Promise<void> {
  fn(); // pipelines compiled, buffers allocated
  resetWebGPUStats();
  fn();
  const dispatches = webgpuStats().dispatches;
  const info = await tf.profile(() => {
    fn();
  });
  const byName = new Map<string, number>();
  for (const k of info.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + 1);
  const top = [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, c]) => `${n} ${c}`);
  console.log(`${label}: ${dispatches} dispatches, ${info.kernels.length} kernel calls (most called: ${top.join(", ")})`);
}

async function main(): Promise<void> {
  await initBackend("webgpu");
  const dev = webgpuDeviceInfo();
  const layers = arg("layers", 12);
  const hidden = arg("hidden", 64);
  const B = arg("batch", 2);
  const S = arg("seq", 128);
  const base = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "assets", "bert-base-uncased", "config.json"), "utf8"));
  const config = { ...base, num_hidden_layers: layers, hidden_size: hidden, num_attention_heads: 4, intermediate_size: 2 * hidden };
  const model = BertForSequenceClassification.fromConfig(config, { numLabels: 2, seed: 1 });
  const ids = tf.tensor2d(Array.from({ length: B * S }, (_, i) => 1000 + (i % 500)), [B, S], "int32");
  const batch = { inputIds: ids, attentionMask: tf.onesLike(ids), tokenTypeIds: tf.zerosLike(ids), labels: tf.tensor1d(Array.from({ length: B }, (_, i) => i % 2), "int32") };
  const optimizer = new AdamW(model.namedParameters(), { lr: 2e-5, weightDecay: 0.01 });
  const stepper = new TrainStepper(model, optimizer, linearScheduleWithWarmup(2e-5, 0, 1000), computeLoss, 1.0);
  console.log(`webgpu adapter: ${dev ? `${dev.adapter.vendor} ${dev.adapter.device}` : "?"}; ${layers} layers, hidden ${hidden}, batch ${B} × ${S}`);
  let seed = 1;
  await count("training step (forward, backward, clipping, AdamW)", () => stepper.step([batch], [seed++]));
  await count("evaluation batch (forward, logits read back)", () => tf.tidy(() => model.forward(batch).logits.dataSync()));
  optimizer.dispose();
  model.dispose();
  tf.dispose(Object.values(batch));
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
