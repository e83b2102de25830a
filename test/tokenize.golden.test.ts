// Stage 3 against HF's Rust tokenizer: every row of golden/tokenizer_golden.jsonl (1,012 texts: the tutorial's
// sentences, an empty string, a space, 1,000 IMDb reviews) must give the same ids at 100 %, with the padded
// layout checked too (pad id 0, attention mask 1 exactly on the real tokens, token types all 0).
import assert from "node:assert/strict";
import { test } from "node:test";
import { embeddedTokenizerDir, loadTokenizer } from "../src/tokenizers";
import { requireShared } from "./shared";
import { readGolden } from "./tokenizeReference";

const MAX_LENGTH = 128;

test("encodeBatch reproduces every golden row of HF's Rust tokenizer (ids, length, padding)", async (t) => {
  const file = requireShared(t, "golden/tokenizer_golden.jsonl");
  if (!file) return;
  const golden = readGolden(file);
  assert.equal(golden.length, 1012);
  const tok = await loadTokenizer(embeddedTokenizerDir());
  const enc = await tok.encodeBatch(golden.map((g) => g.text), { maxLength: MAX_LENGTH });
  assert.equal(enc.rows, golden.length);
  assert.equal(enc.maxLength, MAX_LENGTH);
  for (const a of [enc.inputIds, enc.attentionMask, enc.tokenTypeIds]) {
    assert.ok(a instanceof Int32Array);
    assert.equal(a.length, golden.length * MAX_LENGTH);
  }

  const mismatches: string[] = [];
  let truncated = 0;
  golden.forEach((g, i) => {
    const row = Array.from(enc.inputIds.subarray(i * MAX_LENGTH, (i + 1) * MAX_LENGTH));
    const mask = Array.from(enc.attentionMask.subarray(i * MAX_LENGTH, (i + 1) * MAX_LENGTH));
    const types = Array.from(enc.tokenTypeIds.subarray(i * MAX_LENGTH, (i + 1) * MAX_LENGTH));
    const n = g.length;
    if (g.input_ids.length !== n) mismatches.push(`golden row ${i} is inconsistent`);
    if (n === MAX_LENGTH) truncated++;
    const problems: string[] = [];
    if (row.slice(0, n).join() !== g.input_ids.join()) problems.push("ids");
    if (row.slice(n).some((v) => v !== 0)) problems.push("pad ids not 0");
    if (mask.slice(0, n).some((v) => v !== 1) || mask.slice(n).some((v) => v !== 0)) problems.push("attention mask");
    if (types.some((v) => v !== 0)) problems.push("token types");
    if (row[0] !== tok.clsTokenId || row[n - 1] !== tok.sepTokenId) problems.push("[CLS]/[SEP] placement");
    if (problems.length) mismatches.push(`row ${i} (${JSON.stringify(g.text.slice(0, 40))}): ${problems.join(", ")}`);
  });
  assert.deepEqual(mismatches, [], `${mismatches.length} of ${golden.length} rows differ:\n${mismatches.slice(0, 10).join("\n")}`);
  assert.ok(truncated > 800, `expected most IMDb rows to be truncated to ${MAX_LENGTH} (with [SEP] kept), found ${truncated}`);
});

test("encode(text, { maxLength }) and tokenLengths agree with the golden rows", async (t) => {
  const file = requireShared(t, "golden/tokenizer_golden.jsonl");
  if (!file) return;
  const golden = readGolden(file);
  const tok = await loadTokenizer(embeddedTokenizerDir());
  for (const g of golden.slice(0, 40)) {
    assert.deepEqual(await tok.encode(g.text, { maxLength: MAX_LENGTH }), g.input_ids, g.text.slice(0, 60));
  }
  const lengths = await tok.tokenLengths(golden.map((g) => g.text));
  golden.forEach((g, i) => {
    if (g.length < MAX_LENGTH) assert.equal(lengths[i], g.length, `row ${i}`);
    else assert.ok(lengths[i] >= MAX_LENGTH, `row ${i}: untruncated length ${lengths[i]} < ${MAX_LENGTH}`);
  });
});
