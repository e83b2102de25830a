// Resume tests with real processes: a deterministic training run (tiny BERT with dropout, synthetic data,
// checkpoint every 5 steps, 6 steps per epoch) is (a) SIGKILLed mid-epoch after checkpoint-10 exists, (b)
// SIGKILLed while writing checkpoint-15, (c) stopped with SIGINT; each is resumed with
// resumeFromCheckpoint: true and must end with exactly the metrics, log history and parameters (bit for bit)
// of an uninterrupted run.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { latestCheckpoint, listCheckpoints } from "../src/trainer/checkpoint";

const WORKER = path.join(__dirname, "trainResumeWorker.ts");

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the worker; `onStep(n, child)` sees each "STEP n" line as it arrives. */
function runWorker(args: string[], onStep?: (step: number, child: ReturnType<typeof spawn>) => void): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], { cwd: path.join(__dirname, ".."), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const m = /^STEP (\d+)$/.exec(line);
        if (m && onStep) onStep(Number(m[1]), child);
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function resultOf(r: RunResult): { globalStep: number; metrics: Record<string, number>; params: Record<string, string>; history: unknown[] } {
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`worker gave no RESULT (code ${r.code}, signal ${r.signal}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-4000)}`);
  return JSON.parse(line.slice("RESULT ".length));
}

function tmpDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bert-imdb-resume-${name}-`));
}

let reference: Promise<ReturnType<typeof resultOf>> | null = null;
function uninterrupted(): Promise<ReturnType<typeof resultOf>> {
  reference ??= runWorker([tmpDir("full")]).then(resultOf);
  return reference;
}

function assertSameRun(got: ReturnType<typeof resultOf>, ref: ReturnType<typeof resultOf>): void {
  assert.equal(got.globalStep, 18);
  assert.deepEqual(got.metrics, ref.metrics, "final evaluation metrics");
  assert.deepEqual(got.history, ref.history, "log history (losses, grad norms, lrs, eval metrics, train_loss)");
  const differing = Object.keys(ref.params).filter((k) => got.params[k] !== ref.params[k]);
  assert.deepEqual(differing, [], "parameters that differ from the uninterrupted run");
}

test("SIGKILL mid-epoch, then resume from the latest checkpoint: identical to an uninterrupted run", async () => {
  const ref = uninterrupted();
  const dir = tmpDir("kill");
  let killedAt = -1;
  const killed = await runWorker([dir, "--step-delay-ms", "150"], (step, child) => {
    if (step === 11 && killedAt < 0) {
      killedAt = step;
      child.kill("SIGKILL");
    }
  });
  assert.equal(killed.signal, "SIGKILL", `the worker should have been killed (stderr: ${killed.stderr.slice(-1000)})`);
  assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [5, 10], "checkpoints before the kill");
  assert.equal(path.basename(latestCheckpoint(dir) as string), "checkpoint-10");
  const resumed = await runWorker([dir, "resume"]);
  assert.match(resumed.stdout + resumed.stderr, /Resuming from .*checkpoint-10: step 10, epoch 1, skipping the first 4 batches/);
  assertSameRun(resultOf(resumed), await ref);
});

test("SIGKILL while a checkpoint is being written leaves no half checkpoint; resume is still exact", async () => {
  const ref = uninterrupted();
  const dir = tmpDir("killsave");
  const killed = await runWorker([dir, "--kill-during-save", "15"]);
  assert.equal(killed.signal, "SIGKILL");
  assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [5, 10]);
  assert.ok(!fs.existsSync(path.join(dir, "checkpoint-15")), "no checkpoint-15 folder after a kill during its write");
  assert.ok(fs.readdirSync(dir).some((n) => n.startsWith(".checkpoint-15.tmp-")), "the partial write stays under a temporary name");
  const resumed = await runWorker([dir, "resume"]);
  assertSameRun(resultOf(resumed), await ref);
  assert.ok(!fs.readdirSync(dir).some((n) => n.includes(".tmp-")), "leftovers are cleaned up by the next checkpoint write");
});

test("SIGINT finishes the step, writes a checkpoint and returns; resume is exact", async () => {
  const ref = uninterrupted();
  const dir = tmpDir("sigint");
  let sent = false;
  const stopped = await runWorker([dir, "--step-delay-ms", "150"], (step, child) => {
    if (step === 8 && !sent) {
      sent = true;
      child.kill("SIGINT");
    }
  });
  assert.equal(stopped.code, 0, `the worker should exit normally after SIGINT (stderr: ${stopped.stderr.slice(-2000)})`);
  assert.match(stopped.stdout, /INTERRUPTED 8/);
  assert.match(stopped.stderr, /Interrupt received/);
  assert.match(stopped.stderr, /Training interrupted at step 8\/18 .*checkpoint saved to .*checkpoint-8/);
  assert.deepEqual(listCheckpoints(dir).map((c) => c.step), [5, 8]);
  const resumed = await runWorker([dir, "resume"]);
  assertSameRun(resultOf(resumed), await ref);
});

test("SIGINT on an epoch's last step: that epoch is still evaluated and checkpointed; resume is exact", async () => {
  const ref = uninterrupted();
  const dir = tmpDir("sigint-epoch-end");
  let sent = false;
  // 6 batches per epoch: step 12 ends epoch 2.
  const stopped = await runWorker([dir, "--step-delay-ms", "150"], (step, child) => {
    if (step === 12 && !sent) {
      sent = true;
      child.kill("SIGINT");
    }
  });
  assert.equal(stopped.code, 0, `the worker should exit normally after SIGINT (stderr: ${stopped.stderr.slice(-2000)})`);
  assert.match(stopped.stdout, /INTERRUPTED 12/);
  assert.match(stopped.stderr, /Training interrupted at step 12\/18 .*checkpoint saved to .*checkpoint-12/);
  const state = JSON.parse(fs.readFileSync(path.join(dir, "checkpoint-12", "trainer_state.json"), "utf8")) as { log_history: Array<Record<string, number>> };
  assert.deepEqual(state.log_history.filter((e) => "eval_loss" in e).map((e) => e.step), [6, 12], "both finished epochs are evaluated before the stop");
  const resumed = await runWorker([dir, "resume"]);
  assert.match(resumed.stdout + resumed.stderr, /Resuming from .*checkpoint-12: step 12, epoch 2 \(from its first batch\)/);
  assertSameRun(resultOf(resumed), await ref);
});
