// Golden tests of BertForSequenceClassification against Python transformers (../shared/golden/tiny-bert):
// logits and hidden states of batch0, logits and last hidden state of real reviews, the pooled output after
// loading the legacy (bert-base-uncased style) checkpoint, the loss, and every parameter gradient.
// Runs on the backend initBackend picks (set BERT_IMDB_BACKEND=cpu|wasm to choose).
import assert from "node:assert/strict";
import * as path from "node:path";
import { before, test } from "node:test";
import { initBackend } from "../src/backends/initBackend";
import { tf } from "../src/backends/tf";
import { BertForSequenceClassification, computeLoss } from "../src/models";
import { LoadedTensor, readSafetensors } from "../src/safetensors";
import { referenceForwardBackward } from "./modelReference";
import { requireShared } from "./shared";
import { goldenToTensor, maxAbs, maxAbsDiff } from "./compare";
import { pytorchGoldenHere, TORCH_ATTENTION, transformersPython } from "./pythonHf";

const TOL = 1e-5;

let golden: Map<string, LoadedTensor> | undefined;
let goldenDir = "";

before(async () => {
  await initBackend(undefined, { quiet: true });
});

function loadGolden(t: import("node:test").TestContext): Map<string, LoadedTensor> | undefined {
  const p = requireShared(t, "golden/tiny-bert/golden.safetensors");
  if (!p) return undefined;
  goldenDir = path.dirname(p);
  golden ??= readSafetensors(p);
  return golden;
}

const g = (m: Map<string, LoadedTensor>, k: string) => {
  const v = m.get(k);
  assert.ok(v, `golden tensor ${k} missing`);
  return v;
};

test(`batch0: logits and every hidden state match transformers (≤ ${TOL})`, async (t) => {
  const G = loadGolden(t);
  if (!G) return;
  const model = await BertForSequenceClassification.fromPretrained(path.join(goldenDir, "model"), { quiet: true });
  try {
    assert.deepEqual(model.loadReport?.missingKeys, []);
    assert.deepEqual(model.loadReport?.unexpectedKeys, []);
    const before = tf.memory().numTensors;
    const diffs = tf.tidy(() => {
      const out = model.forward(
        { inputIds: goldenToTensor(g(G, "batch0.input_ids")), attentionMask: goldenToTensor(g(G, "batch0.attention_mask")) },
        { outputHiddenStates: true },
      );
      assert.deepEqual(out.logits.shape, [8, 2]);
      assert.equal(out.hiddenStates?.length, 3);
      return {
        logits: maxAbsDiff(out.logits.dataSync(), g(G, "batch0.logits").data),
        hidden: out.hiddenStates!.map((h, i) => {
          assert.deepEqual(h.shape, [8, 128, 32]);
          return maxAbsDiff(h.dataSync(), g(G, `batch0.hidden_states.${i}`).data);
        }),
      };
    });
    t.diagnostic(`max abs diff: logits ${diffs.logits.toExponential(2)}, hidden states ${diffs.hidden.map((d) => d.toExponential(2)).join(", ")}`);
    assert.ok(diffs.logits <= TOL, `logits differ by ${diffs.logits}`);
    diffs.hidden.forEach((d, i) => assert.ok(d <= TOL, `hidden_states.${i} differ by ${d}`));
    assert.equal(tf.memory().numTensors, before, "forward inside tf.tidy must not leak tensors");
  } finally {
    model.dispose();
  }
});

test(`real reviews: logits and last hidden state match transformers (≤ ${TOL})`, async (t) => {
  const p = requireShared(t, "golden/tiny-bert/golden_real_ids.safetensors");
  if (!p) return;
  const R = readSafetensors(p);
  const model = await BertForSequenceClassification.fromPretrained(path.join(path.dirname(p), "model"), { quiet: true });
  try {
    const [dl, dh] = tf.tidy(() => {
      const out = model.forward(
        { inputIds: goldenToTensor(g(R, "input_ids")), attentionMask: goldenToTensor(g(R, "attention_mask")) },
        { outputHiddenStates: true },
      );
      const last = out.hiddenStates![out.hiddenStates!.length - 1];
      return [maxAbsDiff(out.logits.dataSync(), g(R, "logits").data), maxAbsDiff(last.dataSync(), g(R, "last_hidden_state").data)];
    });
    t.diagnostic(`max abs diff: logits ${dl.toExponential(2)}, last hidden state ${dh.toExponential(2)}`);
    assert.ok(dl <= TOL && dh <= TOL, `logits ${dl}, last hidden state ${dh}`);
  } finally {
    model.dispose();
  }
});

test(`legacy checkpoint: names mapped, cls.* ignored, classifier initialised, pooled output ≤ ${TOL}`, async (t) => {
  const G = loadGolden(t);
  if (!G) return;
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => warnings.push(a.join(" "));
  let model: BertForSequenceClassification;
  try {
    model = await BertForSequenceClassification.fromPretrained(path.join(goldenDir, "legacy_checkpoint"));
  } finally {
    console.warn = warn;
  }
  try {
    const report = model.loadReport!;
    assert.deepEqual(report.missingKeys, ["classifier.weight", "classifier.bias"]);
    assert.deepEqual(report.unexpectedKeys, ["cls.predictions.bias", "cls.predictions.transform.dense.weight"]);
    assert.equal(report.renamedKeys.length, 10);
    assert.ok(report.renamedKeys.every(([from, to]) => /LayerNorm\.(gamma|beta)$/.test(from) && /LayerNorm\.(weight|bias)$/.test(to)));
    const text = warnings.join("\n");
    assert.match(text, /newly initialized: classifier\.weight, classifier\.bias/);
    assert.match(text, /You should probably TRAIN this model/);
    assert.match(text, /were not used when initializing BertForSequenceClassification: cls\.predictions\.bias/);
    assert.equal(model.config.numLabels, 2);
    // The fresh classifier follows HF's init: normal(0, 0.02) weights, zero bias.
    const [w, b] = model.namedParameters().slice(-2).map(([, v]) => v.dataSync() as Float32Array);
    assert.ok(b.every((x) => x === 0));
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    assert.ok(std > 0.01 && std < 0.03, `classifier weight std ${std}`);
    const d = tf.tidy(() => {
      const out = model.forward(
        { inputIds: goldenToTensor(g(G, "batch0.input_ids")), attentionMask: goldenToTensor(g(G, "batch0.attention_mask")) },
        { outputPooledOutput: true },
      );
      return maxAbsDiff(out.pooledOutput!.dataSync(), g(G, "legacy.pooler_output").data);
    });
    t.diagnostic(`pooled output max abs diff ${d.toExponential(2)}`);
    assert.ok(d <= TOL, `pooled output differs by ${d}`);
  } finally {
    model.dispose();
  }
});

/**
 * Gradients. The golden gradients are PyTorch float32 on CPU with SDPA attention, bit for bit (re-run with
 * transformers 5.17 / torch 2.11: that configuration gives max diff 0). They carry float32 rounding error that
 * this batch amplifies (near-uniform attention makes the query/key gradients ~1000× smaller than the others, out
 * of cancelling sums): against the exact gradient (float64) they are off by up to 3.0e-5 of a tensor's max abs,
 * and PyTorch itself in float32 with another attention kernel or on CUDA lands 3.3e-5 (CPU eager), 4.0e-5 (CUDA
 * eager) and 6.9e-5 (CUDA SDPA) from the golden. So "≤ 1e-5 of the golden" is not reachable by any float32
 * implementation, nor by exact arithmetic. This test therefore checks: the loss against golden.json (1e-6); the
 * float64 reference of ./modelReference.ts against the golden (forward to 1e-6; its gradients equal
 * transformers' float64 ones to < 1e-7); and every gradient of ours against the exact one within GRAD_TOL_EXACT
 * (the band PyTorch's own float32 runs fall in: 2.8e-5 to 4.3e-5 from exact) and against the golden within
 * GRAD_TOL_GOLDEN. The brief's figure (max abs diff / max abs of the golden tensor) is printed. Where Python
 * transformers is installed (npm run python:setup; CI has it), PyTorch re-runs the batch here and ours must be no
 * further from the golden than PyTorch's own sdpa / eager results are (6.9e-5 / 3.4e-5 with torch 2.13 CPU).
 */
const GRAD_TOL_EXACT = 5e-5;
const GRAD_TOL_GOLDEN = 1e-4;

test(`loss and every parameter gradient of batch0`, async (t) => {
  const G = loadGolden(t);
  if (!G) return;
  const p = requireShared(t, "golden/tiny-bert/golden.json");
  if (!p) return;
  const goldenJson = JSON.parse(require("node:fs").readFileSync(p, "utf8")) as { loss_batch0: number };
  const model = await BertForSequenceClassification.fromPretrained(path.join(goldenDir, "model"), { quiet: true });
  try {
    const ids = goldenToTensor(g(G, "batch0.input_ids"));
    const mask = goldenToTensor(g(G, "batch0.attention_mask"));
    const labels = goldenToTensor(g(G, "batch0.labels"));
    const named = model.namedParameters();
    const before = tf.memory().numTensors;
    const grads = new Map<string, Float32Array>();
    let loss = NaN;
    tf.tidy(() => {
      const r = tf.variableGrads(() => computeLoss(model.forward({ inputIds: ids, attentionMask: mask }).logits, labels), named.map(([, v]) => v));
      for (const [name, v] of named) grads.set(name, r.grads[v.name].dataSync() as Float32Array);
      loss = r.value.dataSync()[0];
    });
    assert.equal(tf.memory().numTensors, before, "forward + backward inside tf.tidy must not leak tensors");
    t.diagnostic(`loss ${loss} (golden ${goldenJson.loss_batch0})`);
    assert.ok(Math.abs(loss - goldenJson.loss_batch0) <= 1e-6, `loss ${loss} vs golden ${goldenJson.loss_batch0}`);

    const weights = new Map<string, Float32Array>();
    for (const [k, v] of readSafetensors(path.join(goldenDir, "model", "model.safetensors"))) weights.set(k, v.data as Float32Array);
    const ref = referenceForwardBackward(
      weights,
      { hidden: 32, layers: 2, heads: 4, intermediate: 64, eps: 1e-12 },
      g(G, "batch0.input_ids").data as Int32Array,
      g(G, "batch0.attention_mask").data as Int32Array,
      g(G, "batch0.labels").data as Int32Array,
      8,
      128,
    );
    assert.ok(maxAbsDiff(ref.logits, g(G, "batch0.logits").data) <= 1e-6, "float64 reference logits differ from the golden");
    ref.hiddenStates.forEach((h, i) => assert.ok(maxAbsDiff(h, g(G, `batch0.hidden_states.${i}`).data) <= 2e-6, `reference hidden_states.${i}`));
    assert.ok(Math.abs(ref.loss - goldenJson.loss_batch0) <= 1e-6, `reference loss ${ref.loss}`);

    const rows: string[] = [];
    let worstGolden = 0;
    let worstExact = 0;
    let worstGoldenVsExact = 0;
    assert.equal(grads.size, [...G.keys()].filter((k) => k.startsWith("grad.")).length, "one gradient per golden grad.* tensor");
    for (const [name, ours] of grads) {
      const gold = g(G, `grad.${name}`).data as Float32Array;
      const exact = ref.grads.get(name)!;
      assert.equal(ours.length, gold.length, `${name} shape`);
      if (/attention\.self\.key\.bias$/.test(name)) {
        // Softmax is shift-invariant, so the key bias gradient is exactly zero; both sides hold only rounding noise.
        assert.ok(maxAbs(exact) <= 1e-15, `${name}: reference ${maxAbs(exact)}`);
        assert.ok(maxAbs(ours) <= 1e-9, `${name} should be ≈ 0, got max ${maxAbs(ours)}`);
        assert.ok(maxAbs(gold) <= 1e-9, `${name}: golden ${maxAbs(gold)}`);
        rows.push(`${name}: exactly 0 in exact arithmetic; ours max ${maxAbs(ours).toExponential(1)}, golden max ${maxAbs(gold).toExponential(1)}`);
        continue;
      }
      const scale = maxAbs(gold);
      const vsGolden = maxAbsDiff(ours, gold) / scale;
      const vsExact = maxAbsDiff(ours, exact) / scale;
      const goldenVsExact = maxAbsDiff(gold, exact) / scale;
      worstGolden = Math.max(worstGolden, vsGolden);
      worstExact = Math.max(worstExact, vsExact);
      worstGoldenVsExact = Math.max(worstGoldenVsExact, goldenVsExact);
      rows.push(`${name}: ours−golden ${vsGolden.toExponential(1)}, ours−exact ${vsExact.toExponential(1)}, golden−exact ${goldenVsExact.toExponential(1)}`);
      assert.ok(vsExact <= GRAD_TOL_EXACT, `${name}: ours differs from the exact gradient by ${vsExact.toExponential(2)} of its max abs`);
      assert.ok(vsGolden <= GRAD_TOL_GOLDEN, `${name}: ours differs from the golden gradient by ${vsGolden.toExponential(2)} of its max abs`);
    }
    t.diagnostic(
      `gradients (max abs diff / max abs of the golden tensor): worst ours−golden ${worstGolden.toExponential(2)}, ` +
        `ours−exact ${worstExact.toExponential(2)}, PyTorch golden−exact ${worstGoldenVsExact.toExponential(2)}`,
    );
    if (process.env.BERT_IMDB_VERBOSE) for (const r of rows) t.diagnostic(r);
    // PyTorch itself on this machine (another version and CPU than the golden's) misses the golden by as much as
    // ours do, so ≤ 1e-5 against golden.json is below float32 noise for this batch. What decides is how close
    // each float32 implementation comes to exact arithmetic (the float64 reference): ours must stay within the
    // spread of PyTorch's (the golden and each attention implementation here). The original form, ours−golden
    // within PyTorch-here−golden, is checked as well; alone it tells how alike two roundings are rather than
    // either's error (on an earlier machine torch 2.13's errors ran with the golden's: ours−golden 3.02e-5
    // against sdpa's 3.00e-5, while ours were 2.04e-5 from exact and sdpa 3.57e-5).
    const python = transformersPython(t, { skip: false });
    if (python) {
      const torchHere = pytorchGoldenHere(python);
      const torchVsExact: Record<string, number> = { golden: worstGoldenVsExact };
      const torchVsGolden: Record<string, number> = {};
      for (const impl of TORCH_ATTENTION) {
        [torchVsExact[impl], torchVsGolden[impl]] = [0, 0];
        for (const name of grads.keys()) {
          if (/attention\.self\.key\.bias$/.test(name)) continue;
          const gold = g(G, `grad.${name}`).data as Float32Array;
          const here = torchHere.tensors.get(`${impl}.grad.${name}`)!.data as Float32Array;
          torchVsGolden[impl] = Math.max(torchVsGolden[impl], maxAbsDiff(here, gold) / maxAbs(gold));
          torchVsExact[impl] = Math.max(torchVsExact[impl], maxAbsDiff(here, ref.grads.get(name)!) / maxAbs(gold));
        }
      }
      const figures = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(", ");
      t.diagnostic(
        `PyTorch ${torchHere.versions.torch} / transformers ${torchHere.versions.transformers} on this machine: worst torch−exact ` +
          `${figures(torchVsExact)} (ours ${worstExact.toExponential(2)}); worst torch−golden ${figures(torchVsGolden)} (ours ${worstGolden.toExponential(2)})`,
      );
      const spread = Math.max(...Object.values(torchVsExact));
      assert.ok(worstExact <= spread, `ours−exact ${worstExact.toExponential(2)} exceeds the spread of PyTorch's float32 gradients (${figures(torchVsExact)})`);
      // and the check's original form: ours no further from the golden than PyTorch here is
      const goldenSpread = Math.max(...Object.values(torchVsGolden));
      assert.ok(worstGolden <= goldenSpread, `ours−golden ${worstGolden.toExponential(2)} exceeds PyTorch's own distance to the golden here (${figures(torchVsGolden)})`);
    }
    tf.dispose([ids, mask, labels]);
  } finally {
    model.dispose();
  }
});
