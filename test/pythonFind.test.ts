// findTransformersPython: a Python whose finder does not see transformers, torch and safetensors is passed
// over (BERT_IMDB_HF_PYTHON first, then .python-hf/), and the reason names how to get one.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { findTransformersPython, HF_PYTHON_VENV } from "../src/models/pythonTransformers";

test("a Python without torch is passed over; .python-hf is found when it is set up", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bert-imdb-python-"));
  // a "python" whose packages are only the standard library's (isolated mode, no site-packages)
  const fake = path.join(dir, "python");
  fs.writeFileSync(fake, `#!/bin/sh\nexec ${process.env.BERT_IMDB_PYTHON ?? "/usr/bin/python3"} -I -S "$@"\n`, { mode: 0o755 });
  const before = process.env.BERT_IMDB_HF_PYTHON;
  process.env.BERT_IMDB_HF_PYTHON = fake;
  try {
    const found = findTransformersPython();
    assert.notEqual(found.python, fake);
    const venv = path.join(__dirname, "..", HF_PYTHON_VENV, "bin", "python");
    if (found.python) assert.equal(found.python, venv);
    else assert.match(found.reason ?? "", /npm run python:setup/);
    if (process.env.BERT_IMDB_REQUIRE_PYTHON_HF === "1") assert.equal(found.python, venv);
  } finally {
    if (before === undefined) delete process.env.BERT_IMDB_HF_PYTHON;
    else process.env.BERT_IMDB_HF_PYTHON = before;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
