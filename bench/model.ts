// Times BertForSequenceClassification on the current backend: forward and forward+backward (mean cross-entropy,
// gradients of every parameter) for bert-base (random init, batch 2 × 128, extrapolated to 16 × 128), the quick
// preset's small model (batch 16 × 128) and the golden tiny model (batch 8 × 128).
// Usage: npm run bench:model [-- --backend wasm|cpu] [--only base|quick|tiny] [--reps N]
import { initBackend, BackendName } from "../src/backends/initBackend";
import { tf } from "../src/backends/tf";
import { BertForSequenceClassification, computeLoss } from "../src/models";
import { BertConfigJson } from "../src/models/config";
import { PRESETS } from "../src/presets";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const BASE: BertConfigJson = { hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072 };
const CASES: Record<string, { config: BertConfigJson; batch: number; seq: number; extrapolateTo?: number }> = {
  base: { config: BASE, batch: 2, seq: 128, extrapolateTo: 16 },
  quick: { config: { ...BASE, ...PRESETS.quick.modelShape }, batch: 16, seq: 128 },
  tiny: { config: { ...BASE, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64 }, batch: 8, seq: 128 },
};

async function main(): Promise<void> {
  const info = await initBackend((arg("backend") as BackendName | undefined) ?? undefined);
  const reps = Number(arg("reps") ?? 3);
  const only = arg("only");
  for (const [name, c] of Object.entries(CASES)) {
    if (only && only !== name) continue;
    const model = BertForSequenceClassification.fromConfig({ ...c.config, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 }, { seed: 1 });
    const ids = tf.tensor2d(Int32Array.from({ length: c.batch * c.seq }, (_, i) => (i * 7919) % 30000 + 100), [c.batch, c.seq], "int32");
    const mask = tf.ones([c.batch, c.seq], "int32");
    const labels = tf.tensor1d(Int32Array.from({ length: c.batch }, (_, i) => i % 2), "int32");
    const vars = model.namedParameters().map(([, v]) => v);
    const fwd = () => tf.tidy(() => model.forward({ inputIds: ids, attentionMask: mask }).logits.dataSync());
    const step = (seed: number) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => computeLoss(model.forward({ inputIds: ids, attentionMask: mask }, { training: true, dropoutSeed: seed }).logits, labels), vars);
        value.dataSync();
        for (const g of Object.values(grads)) g.dataSync();
      });
    fwd();
    step(0);
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fwd();
    const fwdMs = (performance.now() - t0) / reps;
    const t1 = performance.now();
    for (let r = 0; r < reps; r++) step(r + 1);
    const stepMs = (performance.now() - t1) / reps;
    const extra = c.extrapolateTo ? `; ×${c.extrapolateTo / c.batch} → batch ${c.extrapolateTo}: forward ≈ ${((fwdMs * c.extrapolateTo) / c.batch / 1000).toFixed(1)} s, train step ≈ ${((stepMs * c.extrapolateTo) / c.batch / 1000).toFixed(1)} s` : "";
    console.log(
      `${info.backend} ${name} (${(model.numParameters() / 1e6).toFixed(1)} M params) batch ${c.batch}×${c.seq}: forward ${fwdMs.toFixed(0)} ms, forward+backward ${stepMs.toFixed(0)} ms${extra}; tensors alive ${tf.memory().numTensors}`,
    );
    tf.dispose([ids, mask, labels]);
    model.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
