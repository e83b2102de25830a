// Python transformers for the tests that compare with the library this project ports: the interpreter
// (npm run python:setup → .python-hf/, or BERT_IMDB_HF_PYTHON), and PyTorch's own run of the tiny-bert golden
// computations on this machine (python/golden_torch.py), which tells how far PyTorch itself lands from the
// golden files made elsewhere. Required when BERT_IMDB_REQUIRE_PYTHON_HF=1 (.ci/run sets it); otherwise a
// missing Python skips, saying why.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestContext } from "node:test";
import { readSafetensors, type LoadedTensor } from "../src/safetensors";
import { findTransformersPython, runPythonScriptJson } from "../src/models/pythonTransformers";
import { sharedPath } from "./shared";

/** The Python with transformers + torch, or undefined (after t.skip or a printed note) when there is none. */
export function transformersPython(t: TestContext, opts: { skip?: boolean } = { skip: true }): string | undefined {
  const found = findTransformersPython();
  if (found.python) return found.python;
  if (process.env.BERT_IMDB_REQUIRE_PYTHON_HF === "1") throw new Error(`BERT_IMDB_REQUIRE_PYTHON_HF=1: ${found.reason}`);
  console.log(`# skipped${opts.skip ? "" : " (PyTorch comparison)"}: ${found.reason}`);
  if (opts.skip) t.skip(found.reason);
  return undefined;
}

export interface PytorchGolden {
  versions: { transformers: string; torch: string };
  /** `<impl>.grad.<param>` and `<impl>.after.<param>` for impl sdpa and eager. */
  tensors: Map<string, LoadedTensor>;
}

let cached: PytorchGolden | undefined;

/** PyTorch's gradients and five-step parameters for golden/tiny-bert, computed here (once per process). */
export function pytorchGoldenHere(python: string): PytorchGolden {
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bert-imdb-torch-golden-"));
  try {
    const file = path.join(dir, "torch.safetensors");
    const versions = runPythonScriptJson<PytorchGolden["versions"]>(python, "golden_torch.py", [sharedPath("golden", "tiny-bert"), file]);
    cached = { versions, tensors: readSafetensors(file) };
    return cached;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** PyTorch's attention implementations that golden_torch.py runs (sdpa is transformers' default). */
export const TORCH_ATTENTION = ["sdpa", "eager"] as const;
