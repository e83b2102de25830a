// Checks a saved folder with Python transformers itself: loads it with AutoModelForSequenceClassification /
// AutoTokenizer / pipeline("sentiment-analysis") in a Python that has transformers and torch (made by
// `npm run python:setup` in .python-hf/, or named by BERT_IMDB_HF_PYTHON) and returns what Python saw.
// The Python side is python/check_saved.py; nothing here needs Python unless these functions are called.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const PROJECT_ROOT = path.join(__dirname, "..", "..");

/** Where `npm run python:setup` puts the virtual environment (relative to the project root). */
export const HF_PYTHON_VENV = ".python-hf";

export interface PythonCheckResult {
  versions: { transformers: string; torch: string };
  config: { model_type: string; architectures: string[]; id2label: Record<string, string>; label2id: Record<string, number>; problem_type: string };
  model_class: string;
  loading_info: { missing_keys: string[]; unexpected_keys: string[]; mismatched_keys: string[]; error_msgs: string[] };
  tokenizer_class: string;
  model_max_length: number;
  /** Ids per text as Python's tokenizer builds them (truncation on, padding removed). */
  input_ids: number[][];
  logits: number[][];
  pipeline: Array<{ label: string; score: number }>;
}

/** Absolute path of a script in the project's python/ folder. */
export function pythonScript(name: string): string {
  return path.join(PROJECT_ROOT, "python", name);
}

// Whether a Python has the three packages installed, asked through importlib's finder: 0.02 s here, where
// importing them took 2.2–2.4 s (4.4 s the first time), once per check. A package that is installed but cannot import shows up
// when the check runs, as the error of python/check_saved.py with its traceback.
const PROBE = "import importlib.util as u, sys; sys.exit(0 if all(u.find_spec(m) for m in ('transformers', 'torch', 'safetensors')) else 1)";

/**
 * A Python interpreter with transformers, torch and safetensors installed: BERT_IMDB_HF_PYTHON, else
 * .python-hf/bin/python. Returns `{ python }`, or `{ reason }` saying why there is none and how to get one.
 */
export function findTransformersPython(): { python: string; reason?: undefined } | { python?: undefined; reason: string } {
  const candidates = [process.env.BERT_IMDB_HF_PYTHON, path.join(PROJECT_ROOT, HF_PYTHON_VENV, "bin", "python")].filter((x): x is string => !!x);
  for (const py of candidates) {
    if (!fs.existsSync(py) && py.includes(path.sep)) continue;
    if (spawnSync(py, ["-c", PROBE], { encoding: "utf8" }).status === 0) return { python: py };
  }
  return {
    reason: `no Python with transformers + torch (tried ${candidates.join(", ")}): run \`npm run python:setup\` (creates ${HF_PYTHON_VENV}/) or set BERT_IMDB_HF_PYTHON`,
  };
}

const MAX_OUTPUT = 256 * 1024 * 1024;

function scriptFailed(script: string, err: { message: string }, stderr: string | undefined): Error {
  return new Error(`python/${script} failed: ${err.message}\n${(stderr ?? "").split("\n").slice(-20).join("\n")}`);
}

/** The JSON report on the last line of a script's output. */
function lastLineJson<T>(script: string, out: string): T {
  const last = out.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`python/${script} did not end its output with a JSON line; its last line was: ${last.slice(0, 300)}`);
  }
}

/** Runs a python/ script and returns its standard output (stderr is shown only when it fails). */
export function runPythonScript(python: string, script: string, args: string[]): string {
  try {
    return execFileSync(python, [pythonScript(script), ...args], { encoding: "utf8", maxBuffer: MAX_OUTPUT, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    throw scriptFailed(script, err as Error, (err as { stderr?: string }).stderr);
  }
}

/** runPythonScript without blocking the event loop: several scripts can run side by side. */
export function runPythonScriptAsync(python: string, script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(python, [pythonScript(script), ...args], { encoding: "utf8", maxBuffer: MAX_OUTPUT }, (err, stdout, stderr) =>
      err ? reject(scriptFailed(script, err, stderr)) : resolve(stdout),
    );
  });
}

/** Runs a python/ script whose last output line is a JSON report, and returns that report. */
export function runPythonScriptJson<T>(python: string, script: string, args: string[]): T {
  return lastLineJson<T>(script, runPythonScript(python, script, args));
}

export interface PythonOnnxCheck {
  versions: { onnx: string; transformers: string; torch: string };
  /** "ok", or the error onnx.checker.check_model(full_check=True) raised. */
  checker: string;
  ir_version: number;
  opsets: Record<string, number>;
  operators: string[];
  logits_shape: number[];
  /** ONNX's reference evaluator against PyTorch on the same ids. */
  max_abs_diff_vs_torch: number;
  max_abs_logit: number;
}

/** Writes `value` as JSON to a temporary file, runs `script` with (dir, that file), parses its last output line. */
async function runWithJsonInput<T>(python: string, script: string, dir: string, value: unknown): Promise<T> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bert-imdb-pycheck-"));
  try {
    const file = path.join(tmp, "input.json");
    fs.writeFileSync(file, JSON.stringify(value));
    return lastLineJson<T>(script, await runPythonScriptAsync(python, script, [path.resolve(dir), file]));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function pythonOrThrow(python?: string): string {
  if (python) return python;
  const found = findTransformersPython();
  if (!found.python) throw new Error(found.reason);
  return found.python;
}

// The two checks below each start a Python that imports torch and transformers (9 s here): they return promises,
// so that a caller can run them side by side.

/**
 * Checks `dir/onnx/model.onnx` with the onnx package (checker with strict shape inference, and the reference
 * evaluator's logits against PyTorch's on the same rows). Needs `onnx` in that Python (python:setup has it).
 */
export function checkOnnxWithPython(dir: string, batch: { inputIds: number[][]; attentionMask: number[][] }, opts: { python?: string } = {}): Promise<PythonOnnxCheck> {
  return runWithJsonInput<PythonOnnxCheck>(pythonOrThrow(opts.python), "check_onnx.py", dir, { input_ids: batch.inputIds, attention_mask: batch.attentionMask });
}

/** Loads `dir` (written by saveFineTuned) with Python transformers and runs `texts` through it. */
export function checkWithPythonTransformers(dir: string, texts: string[], opts: { python?: string } = {}): Promise<PythonCheckResult> {
  return runWithJsonInput<PythonCheckResult>(pythonOrThrow(opts.python), "check_saved.py", dir, texts);
}
