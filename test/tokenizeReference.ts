// Helpers for the tokenize tests: HF's Rust tokenizer used directly (truncation + padding set on the engine,
// whole texts, one encodeBatch call) as the reference our BertTokenizerFast must reproduce, and the golden rows.
import * as fs from "node:fs";
import * as path from "node:path";
import { embeddedTokenizerDir } from "../src/tokenizers";
import { rustTokenizers } from "../src/tokenizers/rustTokenizers";

export interface ReferenceArrays {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
}

/** What `tokenizers` gives with setTruncation(maxLength) + setPadding({ maxLength }) on whole texts. */
export async function rustReference(texts: string[], maxLength: number, dir = embeddedTokenizerDir()): Promise<ReferenceArrays> {
  const engine = rustTokenizers().Tokenizer.fromFile(path.join(dir, "tokenizer.json"));
  engine.setTruncation(maxLength);
  engine.setPadding({ maxLength });
  const encodings = await engine.encodeBatch(texts);
  const n = texts.length * maxLength;
  const out = { inputIds: new Int32Array(n), attentionMask: new Int32Array(n), tokenTypeIds: new Int32Array(n) };
  encodings.forEach((e, i) => {
    out.inputIds.set(e.getIds(), i * maxLength);
    out.attentionMask.set(e.getAttentionMask(), i * maxLength);
    out.tokenTypeIds.set(e.getTypeIds(), i * maxLength);
  });
  return out;
}

/** Row indices where `a` and `b` differ in ids, mask or token types. */
export function differingRows(a: ReferenceArrays, b: ReferenceArrays, maxLength: number): number[] {
  const bad: number[] = [];
  const rows = a.inputIds.length / maxLength;
  for (let r = 0; r < rows; r++) {
    for (let j = r * maxLength; j < (r + 1) * maxLength; j++) {
      if (a.inputIds[j] !== b.inputIds[j] || a.attentionMask[j] !== b.attentionMask[j] || a.tokenTypeIds[j] !== b.tokenTypeIds[j]) {
        bad.push(r);
        break;
      }
    }
  }
  return bad;
}

export interface GoldenRow {
  text: string;
  input_ids: number[];
  length: number;
}

export function readGolden(file: string): GoldenRow[] {
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as GoldenRow);
}
