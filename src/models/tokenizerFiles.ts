// Completes the tokenizer files of a saved folder so that every reader finds what it needs: Python
// transformers (tokenizer_config.json: tokenizer_class, model_max_length, special tokens), transformers.js
// (tokenizer.json + tokenizer_config.json, whose pad_token it pads with and whose model_max_length it
// truncates to) and the slow BertTokenizer (vocab.txt). Missing files are derived from tokenizer.json.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic";

import { BERT_SPECIAL_TOKENS } from "../tokenizers/bertTokenizerFast";

export { BERT_SPECIAL_TOKENS };

interface TokenizerJson {
  normalizer?: { type?: string; lowercase?: boolean; strip_accents?: boolean | null; handle_chinese_chars?: boolean } | null;
  model?: { type?: string; vocab?: Record<string, number>; unk_token?: string };
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (err) {
    throw new Error(`${file} is not readable JSON (${(err as Error).message})`);
  }
}

/** The WordPiece vocabulary of a tokenizer.json as tokens ordered by id (ids must be 0..n-1). */
export function vocabFromTokenizerJson(tok: TokenizerJson, where: string): string[] {
  const vocab = tok.model?.vocab;
  // Older tokenizer.json files (bert-base-uncased's) omit model.type; WordPiece is then recognised by its fields.
  const type = tok.model?.type ?? (tok.model && "continuing_subword_prefix" in tok.model ? "WordPiece" : undefined);
  if (type !== "WordPiece" || !vocab) {
    throw new Error(`${where}: expected a WordPiece model (BERT), got ${JSON.stringify(tok.model?.type)}`);
  }
  const tokens: string[] = new Array(Object.keys(vocab).length);
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || id < 0 || id >= tokens.length || tokens[id] !== undefined) {
      throw new Error(`${where}: vocabulary ids are not a permutation of 0..${tokens.length - 1} (token ${JSON.stringify(token)} has id ${id})`);
    }
    tokens[id] = token;
  }
  return tokens;
}

/**
 * Fills in / patches the tokenizer files in `dir` (which must already hold tokenizer.json):
 * tokenizer_config.json gets tokenizer_class "BertTokenizer", model_max_length (at most `maxPositions`),
 * do_lower_case and the special tokens; special_tokens_map.json and vocab.txt are written when missing.
 */
export function completeTokenizerFiles(dir: string, opts: { maxPositions: number }): void {
  const tokFile = path.join(dir, "tokenizer.json");
  if (!fs.existsSync(tokFile)) {
    throw new Error(`${tokFile} is missing: the tokenizer's savePretrained must write tokenizer.json (the fast-tokenizer file every reader uses)`);
  }
  const tok = readJson<TokenizerJson>(tokFile);
  const vocab = vocabFromTokenizerJson(tok, tokFile);
  const known = new Set(vocab);
  for (const t of Object.values(BERT_SPECIAL_TOKENS)) {
    if (!known.has(t)) throw new Error(`${tokFile}: special token ${t} is not in the vocabulary; is this a BERT tokenizer?`);
  }

  const cfgFile = path.join(dir, "tokenizer_config.json");
  const cfg: Record<string, unknown> = fs.existsSync(cfgFile) ? readJson<Record<string, unknown>>(cfgFile) : {};
  const ownMax = typeof cfg.model_max_length === "number" && cfg.model_max_length > 0 ? cfg.model_max_length : Infinity;
  const patched: Record<string, unknown> = {
    ...BERT_SPECIAL_TOKENS,
    do_lower_case: tok.normalizer?.lowercase ?? true,
    strip_accents: tok.normalizer?.strip_accents ?? null,
    tokenize_chinese_chars: tok.normalizer?.handle_chinese_chars ?? true,
    clean_up_tokenization_spaces: false,
    ...cfg,
    tokenizer_class: "BertTokenizer",
    model_max_length: Math.min(ownMax, opts.maxPositions),
  };
  writeJsonAtomic(cfgFile, Object.fromEntries(Object.keys(patched).sort().map((k) => [k, patched[k]])));

  const mapFile = path.join(dir, "special_tokens_map.json");
  if (!fs.existsSync(mapFile)) writeJsonAtomic(mapFile, { ...BERT_SPECIAL_TOKENS });

  const vocabFile = path.join(dir, "vocab.txt");
  if (!fs.existsSync(vocabFile)) writeFileAtomic(vocabFile, vocab.join("\n") + "\n");
}
