// Encodes many texts to a fixed length (truncate + pad) with HF's Rust tokenizer, tokenizing only the head
// of each text that the length needs. A review of 3,000 word pieces truncated to 128 only needs its first
// ~126 pieces, and the WordPiece pipeline of BERT makes that exact: every step before truncation works
// inside spans that an ASCII space ends (the normalizer maps characters one by one and NFD never reorders
// across a space; the pre-tokenizer splits on whitespace; WordPiece splits each word on its own; the special
// tokens hold no space), so the pieces of text.slice(0, i), where text[i] is " ", are the first pieces of
// text. A head that yields a full row (no padding) is therefore the exact answer; a head that runs short is
// retried with a longer one, up to the whole text. `canEncodeHeadOnly` checks a tokenizer.json for exactly
// the components this argument covers; any other tokenizer is encoded whole.
import type { RustTokenizer } from "./rustTokenizers";

/** Characters of text tried first per word piece of the target length (IMDb averages ~4.2). */
const CHARS_PER_PIECE = 5;
/** Factor by which the head grows when it gave too few pieces. */
const GROWTH = 4;

export interface FixedLengthEncoding {
  /** Row-major [rows, maxLength]. */
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  rows: number;
  maxLength: number;
}

export interface EncodeToLengthOptions {
  /** Row length; `engine` must truncate (keeping its special tokens) to this length and must not pad. */
  maxLength: number;
  /** Id written into padding positions (their attention mask and token type are 0). */
  padId: number;
  /** The engine gives token type 0 to every token of a single text (see `singleTypeIdsAllZero`). */
  typeIdsAllZero: boolean;
  /** Tokenize only the needed head of each text (only where `canEncodeHeadOnly` said yes). */
  headOnly: boolean;
  /** Texts per engine call (default 1024). */
  chunkSize?: number;
  /** Engine calls in flight at once, so JavaScript copies one chunk while Rust encodes the next (default 2). */
  concurrency?: number;
  /** Called with the number of texts finished after each chunk. */
  onProgress?: (textsDone: number) => void;
}

/**
 * The first `budget` characters of `text`, cut back to just before an ASCII space; the whole text when it is
 * not longer than `budget` or has no space to cut at.
 */
export function headOfText(text: string, budget: number): string {
  if (text.length <= budget) return text;
  let cut = text.lastIndexOf(" ", budget);
  if (cut <= 0) cut = text.indexOf(" ", budget);
  return cut > 0 ? text.slice(0, cut) : text;
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function componentTypes(component: unknown): string[] | null {
  if (component === null || component === undefined) return [];
  if (!isObject(component) || typeof component.type !== "string") return null;
  if (component.type !== "Sequence") return [component.type];
  const parts = component.normalizers ?? component.pretokenizers;
  if (!Array.isArray(parts)) return null;
  const out: string[] = [];
  for (const p of parts) {
    const t = componentTypes(p);
    if (!t) return null;
    out.push(...t);
  }
  return out;
}

const HEAD_SAFE_NORMALIZERS = new Set(["BertNormalizer", "Lowercase", "StripAccents", "NFD"]);
const HEAD_SAFE_PRE_TOKENIZERS = new Set(["BertPreTokenizer", "Whitespace", "WhitespaceSplit"]);

/**
 * True when tokenizing a head of a text (cut before an ASCII space) is guaranteed to give the first pieces
 * of the whole text: a WordPiece model behind the BERT normalizer/pre-tokenizer (or their simple equivalents),
 * and added tokens that neither contain whitespace nor strip it.
 */
export function canEncodeHeadOnly(tokenizerJson: unknown): boolean {
  if (!isObject(tokenizerJson)) return false;
  const model = tokenizerJson.model;
  if (!isObject(model)) return false;
  const modelType = model.type ?? ("continuing_subword_prefix" in model ? "WordPiece" : undefined);
  if (modelType !== "WordPiece") return false;
  const norm = componentTypes(tokenizerJson.normalizer);
  const pre = componentTypes(tokenizerJson.pre_tokenizer);
  if (!norm || !norm.every((t) => HEAD_SAFE_NORMALIZERS.has(t))) return false;
  if (!pre || pre.length === 0 || !pre.every((t) => HEAD_SAFE_PRE_TOKENIZERS.has(t))) return false;
  const added = tokenizerJson.added_tokens ?? [];
  if (!Array.isArray(added)) return false;
  return added.every(
    (t) => isObject(t) && typeof t.content === "string" && !/\s/.test(t.content) && !t.lstrip && !t.rstrip && !t.single_word,
  );
}

/**
 * True when the post-processor gives every token of a single text token type 0 (BERT's [CLS] A [SEP]
 * template), so the type ids need not be read back from the engine.
 */
export function singleTypeIdsAllZero(tokenizerJson: unknown): boolean {
  if (!isObject(tokenizerJson)) return false;
  const pp = tokenizerJson.post_processor;
  if (pp === null || pp === undefined) return true;
  if (!isObject(pp)) return false;
  if (pp.type === "BertProcessing") return true;
  if (pp.type !== "TemplateProcessing" || !Array.isArray(pp.single)) return false;
  return pp.single.every((piece) => {
    if (!isObject(piece)) return false;
    const inner = (piece.SpecialToken ?? piece.Sequence) as unknown;
    return isObject(inner) && inner.type_id === 0;
  });
}

/** Checks that every entry is a string; names the first offender. */
export function assertTexts(texts: readonly unknown[]): asserts texts is readonly string[] {
  if (!Array.isArray(texts)) throw new TypeError(`texts must be an array of strings, got ${typeof texts}.`);
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== "string") {
      throw new TypeError(`texts[${i}] is ${texts[i] === null ? "null" : typeof texts[i]}, expected a string: drop or fill missing texts before tokenizing.`);
    }
  }
}

/**
 * Encodes `texts` with `engine` (configured to truncate to `maxLength`, no padding) into row-major int32
 * arrays, right-padded as HF pads: `padId`, attention mask 0, token type 0. With `headOnly`, each text is first
 * tokenized from a head of ~5 characters per piece of the row; rows whose head gave fewer than `maxLength`
 * tokens are redone with a 4x longer head, until the head is the whole text.
 */
export async function encodeToLength(engine: RustTokenizer, texts: readonly string[], opts: EncodeToLengthOptions): Promise<FixedLengthEncoding> {
  assertTexts(texts);
  const L = opts.maxLength;
  const rows = texts.length;
  const inputIds = new Int32Array(rows * L);
  const attentionMask = new Int32Array(rows * L);
  const tokenTypeIds = new Int32Array(rows * L);
  const chunkSize = Math.max(1, opts.chunkSize ?? 1024);
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const chunks = Math.ceil(rows / chunkSize);
  let nextChunk = 0;
  let done = 0;

  const encodeChunk = async (start: number, end: number): Promise<void> => {
    let pending: number[] = [];
    for (let i = start; i < end; i++) pending.push(i);
    let budget = L * CHARS_PER_PIECE;
    while (pending.length > 0) {
      const inputs = pending.map((i) => (opts.headOnly ? headOfText(texts[i], budget) : texts[i]));
      const encodings = await engine.encodeBatch(inputs);
      const retry: number[] = [];
      for (let j = 0; j < pending.length; j++) {
        const row = pending[j];
        const enc = encodings[j];
        const ids = enc.getIds();
        const n = ids.length;
        if (n > L) throw new Error(`Internal error: the Rust tokenizer returned ${n} tokens for row ${row}, more than maxLength ${L} (truncation not configured).`);
        if (n < L && inputs[j].length < texts[row].length) {
          retry.push(row); // the head ran short of a full row: tokenize a longer head
          continue;
        }
        const at = row * L;
        inputIds.set(ids, at);
        if (opts.padId !== 0) inputIds.fill(opts.padId, at + n, at + L);
        attentionMask.fill(1, at, at + n);
        if (!opts.typeIdsAllZero) tokenTypeIds.set(enc.getTypeIds(), at);
      }
      pending = retry;
      budget *= GROWTH;
    }
  };

  const runner = async (): Promise<void> => {
    while (nextChunk < chunks) {
      const c = nextChunk++;
      const start = c * chunkSize;
      const end = Math.min(rows, start + chunkSize);
      await encodeChunk(start, end);
      done += end - start;
      opts.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, chunks)) }, runner));
  return { inputIds, attentionMask, tokenTypeIds, rows, maxLength: L };
}

/** Untruncated token counts (special tokens included) of `texts`, from an engine without truncation/padding. */
export async function countTokens(
  engine: RustTokenizer,
  texts: readonly string[],
  opts: { chunkSize?: number; onProgress?: (textsDone: number) => void } = {},
): Promise<Int32Array> {
  assertTexts(texts);
  const out = new Int32Array(texts.length);
  const chunkSize = Math.max(1, opts.chunkSize ?? 512);
  for (let start = 0; start < texts.length; start += chunkSize) {
    const end = Math.min(texts.length, start + chunkSize);
    const encodings = await engine.encodeBatch(texts.slice(start, end));
    for (let j = 0; j < encodings.length; j++) out[start + j] = encodings[j].getLength();
    opts.onProgress?.(end);
  }
  return out;
}
