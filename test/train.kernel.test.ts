// Training inside the real tslab kernel (Jupyter protocol, through jupyter_client): Jupyter's interrupt
// (SIGINT to the kernel) during trainer.train() must finish the step, write a checkpoint and end the cell
// normally with the kernel alive; the run then resumes in the next cell. Also checks the notebook outputs:
// plotly.js sent once, the live loss plot and the progress bar updated in place.
// Skips when no Python with jupyter_client is found (set BERT_IMDB_PYTHON).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

function findPython(): string | null {
  for (const py of [process.env.BERT_IMDB_PYTHON, "python3", "/usr/bin/python3"]) {
    if (py && spawnSync(py, ["-c", "import jupyter_client"], { stdio: "ignore" }).status === 0) return py;
  }
  return null;
}

interface CellReport {
  status?: string;
  stdout: string;
  stderr: string;
  displays: Array<{ type: string; id: string | null; mimes: string[]; html_len: number }>;
  interrupted: boolean;
  alive: boolean;
  timeout?: boolean;
}

test("Jupyter interrupt during trainer.train(): checkpoint, clean return, kernel alive, resume to the end", (t) => {
  const python = findPython();
  if (!python) {
    t.skip("no Python with jupyter_client (set BERT_IMDB_PYTHON)");
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bert-imdb-kernel-"));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { writeKernelSpec } = require("../kernel/kernelspec") as { writeKernelSpec(dir: string, o: object): string };
  writeKernelSpec(path.join(tmp, "jupyter", "kernels"), { heapMb: 2048, env: { BERT_IMDB_BACKEND: "cpu" } });
  const out = path.join(tmp, "run").replace(/\\/g, "/");
  // Note `model: model`: tslab 1.0.22 does not rewrite shorthand properties that name earlier cells' variables.
  const cells = [
    { code: `import { tf } from "./src/backends/tf";\nawait tf.setBackend("cpu");` },
    {
      code:
        `import { BertForSequenceClassification } from "./src/models/index";\nimport { Trainer } from "./src/trainer/index";\n` +
        `import { computeMetrics } from "./src/metrics/index";\nimport { syntheticDataset, TINY_CONFIG } from "./test/trainHelpers";\n` +
        `const model = BertForSequenceClassification.fromConfig(TINY_CONFIG, { seed: 1, numLabels: 2 });\n` +
        `const marks = { onStepEnd: async (s: { globalStep: number }) => { console.log("STEP " + s.globalStep); await new Promise<void>((r) => setTimeout(r, 30)); } };\n` +
        `const trainer = new Trainer({ model: model, args: { outputDir: ${JSON.stringify(out)}, numTrainEpochs: 3, perDeviceTrainBatchSize: 8, learningRate: 1e-3, loggingSteps: 2, seed: 1 },\n` +
        `  trainDataset: syntheticDataset(48, 16, 1), evalDataset: syntheticDataset(16, 16, 2), computeMetrics: computeMetrics, callbacks: [marks] });`,
    },
    { code: `const first = await trainer.train();\nconsole.log("RESULT " + JSON.stringify({ interrupted: first.interrupted, step: first.globalStep }));`, interrupt_at_step: 4 },
    { code: `const second = await trainer.train({ resumeFromCheckpoint: true });\nconsole.log("RESULT " + JSON.stringify({ interrupted: second.interrupted, step: second.globalStep }));` },
  ];
  const cellsFile = path.join(tmp, "cells.json");
  fs.writeFileSync(cellsFile, JSON.stringify(cells));
  const r = spawnSync(python, [path.join(__dirname, "trainKernelDriver.py"), cellsFile], {
    cwd: ROOT,
    env: { ...process.env, JUPYTER_PATH: path.join(tmp, "jupyter"), PYTHONUNBUFFERED: "1" },
    encoding: "utf8",
    timeout: 600_000,
  });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("REPORT "));
  assert.ok(line, `driver gave no report (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(line.slice("REPORT ".length)) as CellReport[];
  const describe = (c: CellReport) => `status ${c.status}, alive ${c.alive}\nstdout: ${c.stdout.slice(-1500)}\nstderr: ${c.stderr.slice(-1500)}`;
  assert.equal(report.length, 4, `a cell failed or the kernel died:\n${report.map(describe).join("\n---\n")}`);
  const [, , first, second] = report;
  assert.ok(first.interrupted, "the driver sent the interrupt");
  assert.equal(first.status, "ok", describe(first));
  assert.ok(first.alive);
  assert.match(first.stderr, /Interrupt received/);
  assert.match(first.stderr, /Training interrupted at step (\d+)\/18 .*checkpoint saved to .*checkpoint-\1\./);
  const stopped = JSON.parse(/RESULT (.*)/.exec(first.stdout)?.[1] ?? "{}");
  assert.equal(stopped.interrupted, true);
  assert.ok(stopped.step >= 4 && stopped.step < 18, `stopped at step ${stopped.step}`);
  assert.equal(second.status, "ok", describe(second));
  assert.match(second.stdout, new RegExp(`Resuming from .*checkpoint-${stopped.step}: step ${stopped.step}`));
  assert.deepEqual(JSON.parse(/RESULT (.*)/.exec(second.stdout)?.[1] ?? "{}"), { interrupted: false, step: 18 });
  // Notebook outputs: plotly.js once in the session; the loss plot is one display updated in place.
  const all = report.flatMap((c) => c.displays);
  assert.equal(all.filter((d) => d.html_len > 1_000_000).length, 1, "plotly.js is sent once per kernel");
  const plotIds = new Set(first.displays.filter((d) => d.mimes.includes("application/vnd.plotly.v1+json")).map((d) => d.id));
  assert.equal(plotIds.size, 1, "one live loss plot during training");
  assert.ok(first.displays.some((d) => d.type === "update_display_data"), "progress and plot are updated in place");
});
