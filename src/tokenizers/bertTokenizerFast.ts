// BertTokenizerFast: bert-base-uncased's WordPiece tokenizer (truncation + padding to a fixed length →
// inputIds, attentionMask, tokenTypeIds), with ids identical to Hugging Face's Rust tokenizer.
//
// Engine: HF's own Rust tokenizer through its Node binding (npm `tokenizers` 0.23.2, the engine behind Python's
// fast tokenizers), not transformers.js 4.3.1's AutoTokenizer. Decided by measuring (bench/tokenize.ts, 50,000
// IMDb reviews, 2 cores shared with other jobs, so wall times varied with the load):
//  - exactness: transformers.js (its truncation fixed by cutting to 126 pieces and adding [CLS]/[SEP] ourselves)
//    matches the 1,012 goldens and all 50,000 reviews, but it is a separate implementation and differs on inputs
//    the reviews happen not to contain: Greek capital sigma ("ΟΔΟΣ": JS toLowerCase applies the final-sigma rule,
//    Rust lowercases per character, so the ids differ) and CJK characters outside the BMP ("a𠀀b": Rust splits
//    them off, transformers.js tests UTF-16 units and returns one [UNK]). The Rust binding is the reference
//    itself, so its ids are identical by construction.
//  - speed: per core the two are alike (~1 µs per word piece): transformers.js 17–26 s on one thread for the
//    untruncated 50k; the Rust encodeBatch 15.5–16.9 s of CPU spread over both cores by its own thread pool
//    (9–22 s wall). Truncating to 128 only needs the head of each review, so we tokenize only that
//    (./encodeToLength.ts, exact by construction and checked against the whole-text encodeBatch on all 50k):
//    10–12 s CPU, 0.63–0.83 of the Rust tokenizer's wall time in the same run. Worker threads were measured and
//    dropped: the Rust engine already keeps both cores busy (2 workers 6.9 s, 4 workers 7.1 s, in-process 6.3 s).
// transformers.js' other gaps (batched padding crashing on `BigInt(undefined)` because bert-base-uncased's
// tokenizer_config.json names no pad_token; no model_max_length) matter to readers of our saved folders:
// savePretrained writes tokenizer_class, model_max_length and the special tokens, and the tests load the result
// with transformers.js (which has a CommonJS build, so plain require works) and pad a batch.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { stableStringify } from "../datasets/fingerprint";
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic";
import { progressBar } from "../progress";
import { assertTexts, canEncodeHeadOnly, countTokens, encodeToLength, FixedLengthEncoding, singleTypeIdsAllZero } from "./encodeToLength";
import {
  embeddedTokenizerDir,
  resolveTokenizerFiles,
  ResolveTokenizerOptions,
  TokenizerSource,
} from "./resolveTokenizerFiles";
import { RustTokenizer, rustTokenizers, rustTokenizersVersion } from "./rustTokenizers";
import { noteFingerprintInput } from "../datasets/fingerprintScope";

/** Row-major [rows, maxLength] int32 arrays, right-padded with 0 (pad id, mask 0, type 0). */
export type EncodedBatch = FixedLengthEncoding;

export interface EncodeBatchOptions {
  /** Every row is truncated (keeping [SEP] last) or padded to this many tokens. */
  maxLength: number;
  /** Show a progress bar (default: for 10,000 texts or more). */
  progress?: boolean;
  /** Texts per engine call (default 1024). */
  chunkSize?: number;
  /** Engine calls in flight (default 2). */
  concurrency?: number;
}

export interface EncodeOptions {
  /** Truncate to this many tokens (keeping [SEP] last); no padding. Default: no truncation. */
  maxLength?: number;
  /** Add [CLS] ... [SEP] (default true). */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop [CLS], [SEP], [PAD] and the other special tokens (default false, as in transformers). */
  skipSpecialTokens?: boolean;
}

export type LoadTokenizerOptions = ResolveTokenizerOptions;

/** Options of the tokenizer's call, transformers' names in camelCase. */
export interface TokenizerCallOptions {
  truncation?: boolean | "longest_first" | "only_first";
  padding?: boolean | "max_length" | "longest" | "do_not_pad";
  maxLength?: number;
  addSpecialTokens?: boolean;
  /** Not supported: map() stores ids; setFormat({ type: "tfjs" }) makes tensors. */
  returnTensors?: never;
}

/** What the call returns: HF's key names, one Int32Array of ids per text. */
export interface BatchEncoding {
  input_ids: Int32Array[];
  attention_mask: Int32Array[];
  token_type_ids: Int32Array[];
}

type Json = Record<string, unknown>;

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
}

/** BERT's special tokens, as special_tokens_map.json names them. */
export const BERT_SPECIAL_TOKENS = {
  unk_token: "[UNK]",
  sep_token: "[SEP]",
  pad_token: "[PAD]",
  cls_token: "[CLS]",
  mask_token: "[MASK]",
} as const;
type SpecialTokenKey = keyof typeof BERT_SPECIAL_TOKENS;

/** HF writes model_max_length = 1e30 ("VERY_LARGE_INTEGER") when a tokenizer declares none. */
const UNSET_MAX_LENGTH = 1e12;

function readJsonFile(file: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as Error).message}.`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not a JSON object");
    return v as Json;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}). Fix: restore the file (e.g. download the tokenizer again).`);
  }
}

function readOptionalJson(file: string): Json | null {
  return fs.existsSync(file) ? readJsonFile(file) : null;
}

/** A special token named in tokenizer_config.json: a plain string or an AddedToken object. */
function tokenName(config: Json, key: SpecialTokenKey): string {
  const v = config[key];
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as Json).content === "string") return (v as Json).content as string;
  return BERT_SPECIAL_TOKENS[key];
}

function checkMaxLength(maxLength: unknown, modelMaxLength: number, what: string): number {
  if (typeof maxLength !== "number" || !Number.isInteger(maxLength) || maxLength < 2) {
    throw new RangeError(`${what}: maxLength must be an integer >= 2 (room for [CLS] and [SEP]), got ${String(maxLength)}.`);
  }
  if (maxLength > modelMaxLength) {
    throw new RangeError(`${what}: maxLength ${maxLength} exceeds this tokenizer's model_max_length ${modelMaxLength} (BERT has 512 positions). Fix: use maxLength <= ${modelMaxLength}.`);
  }
  return maxLength;
}

export class BertTokenizerFast {
  /** What loadTokenizer was given. */
  readonly nameOrPath: string;
  /** Folder the files were read from, and how it was found. */
  readonly dir: string;
  readonly source: TokenizerSource;
  readonly vocabSize: number;
  readonly modelMaxLength: number;
  readonly doLowerCase: boolean;
  readonly padToken: string;
  readonly clsToken: string;
  readonly sepToken: string;
  readonly unkToken: string;
  readonly maskToken: string;
  readonly padTokenId: number;
  readonly clsTokenId: number;
  readonly sepTokenId: number;
  readonly unkTokenId: number;
  readonly maskTokenId: number;
  /** SHA-256 of tokenizer.json's bytes. */
  readonly tokenizerJsonSha256: string;

  private readonly tokenizerJsonText: string;
  private readonly tokenizerJson: Json;
  private readonly config: Json;
  private readonly vocabTxt: Buffer | null;
  private readonly headOnly: boolean;
  private readonly typeIdsAllZero: boolean;
  private readonly specialTokens: Set<string>;
  private readonly engines = new Map<string, RustTokenizer>();

  private constructor(nameOrPath: string, dir: string, source: TokenizerSource) {
    this.nameOrPath = nameOrPath;
    this.dir = dir;
    this.source = source;
    const tokFile = path.join(dir, "tokenizer.json");
    this.tokenizerJsonText = fs.readFileSync(tokFile, "utf8");
    this.tokenizerJsonSha256 = createHash("sha256").update(this.tokenizerJsonText, "utf8").digest("hex");
    this.tokenizerJson = readJsonFile(tokFile);
    this.config = readOptionalJson(path.join(dir, "tokenizer_config.json")) ?? {};
    const modelConfig = readOptionalJson(path.join(dir, "config.json"));
    const vocabFile = path.join(dir, "vocab.txt");
    this.vocabTxt = fs.existsSync(vocabFile) ? fs.readFileSync(vocabFile) : null;

    const model = this.tokenizerJson.model as Json | undefined;
    const modelType = model?.type ?? (model && "continuing_subword_prefix" in model ? "WordPiece" : undefined);
    if (modelType !== "WordPiece") {
      throw new Error(`${tokFile} holds a ${String(modelType)} model, not BERT's WordPiece: BertTokenizerFast handles BERT tokenizers only.`);
    }
    const engine = this.engine("plain");
    this.vocabSize = engine.getVocabSize(false);
    const idOf = (key: SpecialTokenKey): [string, number] => {
      const name = tokenName(this.config, key);
      const id = engine.tokenToId(name);
      if (id === null || id === undefined) {
        throw new Error(`${tokFile}: the ${key} ${JSON.stringify(name)} is not in the vocabulary. Fix: check tokenizer_config.json's ${key}.`);
      }
      return [name, id];
    };
    [this.padToken, this.padTokenId] = idOf("pad_token");
    [this.clsToken, this.clsTokenId] = idOf("cls_token");
    [this.sepToken, this.sepTokenId] = idOf("sep_token");
    [this.unkToken, this.unkTokenId] = idOf("unk_token");
    [this.maskToken, this.maskTokenId] = idOf("mask_token");

    const normalizer = this.tokenizerJson.normalizer as Json | null | undefined;
    this.doLowerCase = typeof normalizer?.lowercase === "boolean" ? normalizer.lowercase : this.config.do_lower_case !== false;
    const ownMax = this.config.model_max_length;
    const positions = modelConfig?.max_position_embeddings;
    this.modelMaxLength =
      typeof ownMax === "number" && ownMax > 0 && ownMax < UNSET_MAX_LENGTH
        ? ownMax
        : typeof positions === "number" && positions > 0
          ? positions
          : Infinity;
    const added = (Array.isArray(this.tokenizerJson.added_tokens) ? this.tokenizerJson.added_tokens : []) as AddedTokenJson[];
    this.specialTokens = new Set(added.filter((t) => t.special).map((t) => t.content));
    this.headOnly = canEncodeHeadOnly(this.tokenizerJson);
    this.typeIdsAllZero = singleTypeIdsAllZero(this.tokenizerJson);
  }

  /** Loads a tokenizer from a folder, the hub cache, the hub, or (bert-base-uncased) the embedded copy. */
  static async fromPretrained(nameOrDir: string, opts: LoadTokenizerOptions = {}): Promise<BertTokenizerFast> {
    const resolved = await resolveTokenizerFiles(nameOrDir, opts);
    return new BertTokenizerFast(nameOrDir, resolved.dir, resolved.source);
  }

  /** A Rust tokenizer configured for one job; each configuration has its own instance (settings are per instance). */
  private engine(kind: "plain" | "truncate", maxLength = 0): RustTokenizer {
    const key = `${kind}:${maxLength}`;
    let engine = this.engines.get(key);
    if (engine) return engine;
    try {
      engine = rustTokenizers().Tokenizer.fromString(this.tokenizerJsonText);
    } catch (err) {
      throw new Error(`HF's Rust tokenizer rejected ${path.join(this.dir, "tokenizer.json")}: ${(err as Error).message}. Fix: restore the file.`);
    }
    engine.disableTruncation();
    engine.disablePadding();
    if (kind === "truncate") engine.setTruncation(maxLength, { stride: 0, direction: "right" });
    this.engines.set(key, engine);
    return engine;
  }

  /**
   * Tokenizes `texts` into row-major [rows, maxLength] arrays: [CLS] pieces [SEP], truncated so that [SEP]
   * stays last, right-padded with [PAD] (0), attention mask 1 on real tokens, token types 0.
   */
  async encodeBatch(texts: readonly string[], opts: EncodeBatchOptions): Promise<EncodedBatch> {
    const maxLength = checkMaxLength(opts?.maxLength, this.modelMaxLength, "encodeBatch");
    assertTexts(texts);
    const showProgress = opts.progress ?? texts.length >= 10_000;
    const bar = showProgress ? progressBar({ total: texts.length, description: `Tokenizing to ${maxLength}`, unit: "texts" }) : null;
    try {
      return await encodeToLength(this.engine("truncate", maxLength), texts, {
        maxLength,
        padId: this.padTokenId,
        typeIdsAllZero: this.typeIdsAllZero,
        headOnly: this.headOnly,
        chunkSize: opts.chunkSize,
        concurrency: opts.concurrency,
        onProgress: bar ? (done) => bar.update(done) : undefined,
      });
    } finally {
      bar?.close();
    }
  }

  /**
   * The tokenizer's call, as `tokenizer(texts, { truncation, padding, maxLength })` in transformers: input_ids,
   * attention_mask and token_type_ids, one Int32Array per text (views into one buffer). padding "max_length"
   * pads every row to maxLength, true/"longest" to the batch's longest row, false not at all; truncation cuts
   * rows to maxLength keeping [SEP] last. maxLength defaults to model_max_length. Inside Dataset.map the call
   * reports the vocabulary hash and these options to map's fingerprint (src/datasets/fingerprintScope.ts).
   */
  async call(text: string | readonly string[], opts: TokenizerCallOptions = {}): Promise<BatchEncoding> {
    const texts = typeof text === "string" ? [text] : text;
    if (!Array.isArray(texts)) throw new TypeError(`tokenizer(): pass a string or an array of strings, got ${typeof text}`);
    assertTexts(texts);
    const known = ["truncation", "padding", "maxLength", "addSpecialTokens", "returnTensors"];
    for (const k of Object.keys(opts)) if (!known.includes(k)) throw new Error(`tokenizer(): unknown option "${k}" (known: ${known.join(", ")}; Python's max_length is maxLength here)`);
    const padding = opts.padding === true ? "longest" : opts.padding === false || opts.padding === undefined ? "do_not_pad" : opts.padding;
    if (!["max_length", "longest", "do_not_pad"].includes(padding)) throw new Error(`tokenizer(): padding must be true, false, "longest", "max_length" or "do_not_pad", got ${JSON.stringify(opts.padding)}`);
    const truncation = opts.truncation === true || opts.truncation === "longest_first" || opts.truncation === "only_first";
    if (opts.truncation !== undefined && typeof opts.truncation !== "boolean" && !truncation) throw new Error(`tokenizer(): truncation must be true, false, "longest_first" or "only_first", got ${JSON.stringify(opts.truncation)}`);
    if (opts.returnTensors !== undefined) throw new Error('tokenizer(): returnTensors is not supported; map() stores plain ids, and setFormat({ type: "tfjs" }) turns them into tensors');
    const needsLength = truncation || padding === "max_length";
    const maxLength = opts.maxLength ?? (needsLength ? this.modelMaxLength : undefined);
    if (needsLength) checkMaxLength(maxLength, this.modelMaxLength, "tokenizer()");
    const addSpecialTokens = opts.addSpecialTokens ?? true;
    noteFingerprintInput({ tokenizer: this.tokenizerJsonSha256, engine: `tokenizers@${rustTokenizersVersion()}`, truncation, padding, maxLength: maxLength ?? null, addSpecialTokens });
    if (truncation && padding === "max_length" && addSpecialTokens) {
      // The fast path: the head-only fixed-length encoder (identical ids, see ./encodeToLength.ts).
      const enc = await this.encodeBatch(texts, { maxLength: maxLength as number, progress: false });
      const L = enc.maxLength;
      const view = (a: Int32Array) => Array.from({ length: enc.rows }, (_, r) => a.subarray(r * L, (r + 1) * L));
      return { input_ids: view(enc.inputIds), attention_mask: view(enc.attentionMask), token_type_ids: view(enc.tokenTypeIds) };
    }
    const engine = truncation ? this.engine("truncate", maxLength as number) : this.engine("plain");
    const rows: Int32Array[] = [];
    for (const t of texts) rows.push(Int32Array.from((await engine.encode(t, null, { addSpecialTokens })).getIds()));
    const width = padding === "max_length" ? (maxLength as number) : padding === "longest" ? Math.max(0, ...rows.map((r) => r.length)) : -1;
    const pad = (r: Int32Array, fill: (i: number) => number) => {
      const out = new Int32Array(width < 0 ? r.length : Math.max(width, r.length));
      for (let i = 0; i < out.length; i++) out[i] = fill(i);
      return out;
    };
    return {
      input_ids: rows.map((r) => pad(r, (i) => (i < r.length ? r[i] : this.padTokenId))),
      attention_mask: rows.map((r) => pad(r, (i) => (i < r.length ? 1 : 0))),
      token_type_ids: rows.map((r) => pad(r, () => 0)),
    };
  }

  /** Ids of one text ([CLS] ... [SEP]), truncated to `maxLength` when given, not padded (transformers' encode). */
  async encode(text: string, opts: EncodeOptions = {}): Promise<number[]> {
    assertTexts([text]);
    const engine = opts.maxLength === undefined ? this.engine("plain") : this.engine("truncate", checkMaxLength(opts.maxLength, this.modelMaxLength, "encode"));
    const enc = await engine.encode(text, null, { addSpecialTokens: opts.addSpecialTokens ?? true });
    return enc.getIds();
  }

  /** The word pieces of a text, without special tokens (transformers' tokenize). */
  async tokenize(text: string): Promise<string[]> {
    assertTexts([text]);
    const enc = await this.engine("plain").encode(text, null, { addSpecialTokens: false });
    return enc.getTokens();
  }

  /** Number of tokens of each text without truncation, [CLS] and [SEP] included (for length histograms). */
  async tokenLengths(texts: readonly string[], opts: { progress?: boolean } = {}): Promise<Int32Array> {
    assertTexts(texts);
    const bar = opts.progress ?? texts.length >= 10_000 ? progressBar({ total: texts.length, description: "Counting tokens", unit: "texts" }) : null;
    try {
      return await countTokens(this.engine("plain"), texts, { onProgress: bar ? (done) => bar.update(done) : undefined });
    } finally {
      bar?.close();
    }
  }

  /** Tokens of ids (null for ids outside the vocabulary). */
  convertIdsToTokens(ids: ArrayLike<number>): Array<string | null> {
    const engine = this.engine("plain");
    return Array.from(ids, (id) => engine.idToToken(id));
  }

  /** Ids of tokens (the [UNK] id for tokens outside the vocabulary). */
  convertTokensToIds(tokens: readonly string[]): number[] {
    const engine = this.engine("plain");
    return tokens.map((t) => engine.tokenToId(t) ?? this.unkTokenId);
  }

  /**
   * Text of ids, as HF's Rust decode gives it: ids outside the vocabulary are dropped, pieces joined by the
   * WordPiece decoder ("##" merged, spaces before punctuation cleaned up).
   */
  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    const engine = this.engine("plain");
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const t = engine.idToToken(ids[i]);
      if (t === null || t === undefined) continue;
      if (opts.skipSpecialTokens && this.specialTokens.has(t)) continue;
      tokens.push(t);
    }
    const decoder = engine.getDecoder();
    return decoder ? decoder.decode(tokens) : tokens.join(" ");
  }

  /** decode() of each row of a row-major [rows, maxLength] array (e.g. EncodedBatch.inputIds). */
  batchDecode(ids: Int32Array, maxLength: number, opts: DecodeOptions = {}): string[] {
    if (!Number.isInteger(maxLength) || maxLength <= 0 || ids.length % maxLength !== 0) {
      throw new RangeError(`batchDecode: ${ids.length} ids are not whole rows of ${maxLength}.`);
    }
    const out: string[] = [];
    for (let r = 0; r < ids.length / maxLength; r++) out.push(this.decode(ids.subarray(r * maxLength, (r + 1) * maxLength), opts));
    return out;
  }

  /**
   * SHA-256 (hex) of what decides the ids: tokenizer.json's bytes, the engine and its version, maxLength and the
   * truncation/padding rules. Equal fingerprints mean an encoded split can be reused.
   */
  fingerprint(opts: { maxLength: number }): string {
    const maxLength = checkMaxLength(opts?.maxLength, this.modelMaxLength, "fingerprint");
    const parts = {
      format: "bert-imdb-ts/tokenize/1",
      engine: `tokenizers@${rustTokenizersVersion()}`,
      tokenizerJsonSha256: this.tokenizerJsonSha256,
      maxLength,
      truncation: { side: "right", strategy: "longest_first", stride: 0 },
      padding: { side: "right", strategy: "max_length", padTokenId: this.padTokenId, padTypeId: 0 },
    };
    return createHash("sha256").update(stableStringify(parts)).digest("hex");
  }

  /**
   * Writes tokenizer.json (the bytes it was loaded from), vocab.txt, special_tokens_map.json and
   * tokenizer_config.json (tokenizer_class "BertTokenizer", model_max_length, do_lower_case, special tokens) into
   * `dir`, each file atomically; other files in `dir` (model weights) are left alone. Returns the paths written.
   */
  savePretrained(dir: string): string[] {
    const target = path.resolve(dir);
    if (this.source === "embedded" && target === path.resolve(embeddedTokenizerDir())) {
      throw new Error(`Refusing to overwrite the embedded tokenizer files in ${target}: save to another folder.`);
    }
    fs.mkdirSync(target, { recursive: true });
    const specials: Record<SpecialTokenKey, string> = {
      unk_token: this.unkToken,
      sep_token: this.sepToken,
      pad_token: this.padToken,
      cls_token: this.clsToken,
      mask_token: this.maskToken,
    };
    const normalizer = (this.tokenizerJson.normalizer ?? {}) as Json;
    const decoder = (this.tokenizerJson.decoder ?? {}) as Json;
    const config: Json = {
      ...this.config,
      ...specials,
      do_lower_case: this.doLowerCase,
      strip_accents: normalizer.strip_accents ?? this.config.strip_accents ?? null,
      tokenize_chinese_chars: normalizer.handle_chinese_chars ?? this.config.tokenize_chinese_chars ?? true,
      clean_up_tokenization_spaces: typeof decoder.cleanup === "boolean" ? decoder.cleanup : true,
      tokenizer_class: "BertTokenizer",
    };
    if (Number.isFinite(this.modelMaxLength)) config.model_max_length = this.modelMaxLength;
    else delete config.model_max_length;
    const sorted = Object.fromEntries(Object.keys(config).sort().map((k) => [k, config[k]]));

    const files = {
      tokenizer: path.join(target, "tokenizer.json"),
      vocab: path.join(target, "vocab.txt"),
      specialTokensMap: path.join(target, "special_tokens_map.json"),
      config: path.join(target, "tokenizer_config.json"),
    };
    writeFileAtomic(files.tokenizer, this.tokenizerJsonText);
    writeFileAtomic(files.vocab, this.vocabTxt ?? this.vocabByIdText());
    writeJsonAtomic(files.specialTokensMap, specials);
    writeJsonAtomic(files.config, sorted);
    return [files.tokenizer, files.vocab, files.specialTokensMap, files.config];
  }

  /** vocab.txt content derived from the vocabulary (one token per line, in id order). */
  private vocabByIdText(): string {
    const vocab = this.engine("plain").getVocab(false);
    const tokens = new Array<string>(Object.keys(vocab).length);
    for (const [token, id] of Object.entries(vocab)) tokens[id] = token;
    if (tokens.some((t) => t === undefined)) throw new Error(`${this.dir}: vocabulary ids are not 0..${tokens.length - 1}; cannot write vocab.txt.`);
    return tokens.join("\n") + "\n";
  }
}

/** Loads a BERT tokenizer: a folder with tokenizer.json, the hub cache, the hub, or the embedded bert-base-uncased. */
export function loadTokenizer(nameOrDir: string, opts: LoadTokenizerOptions = {}): Promise<BertTokenizerFast> {
  return BertTokenizerFast.fromPretrained(nameOrDir, opts);
}

/** SHA-256 of the tokenizer files and options that decide the ids of an encoded split (see BertTokenizerFast.fingerprint). */
export function tokenizerFingerprint(tokenizer: BertTokenizerFast, opts: { maxLength: number }): string {
  return tokenizer.fingerprint(opts);
}
