// AutoTokenizer.fromPretrained: the tokenizer as transformers hands it out, an object you call —
// `tokenizer(examples.text, { truncation: true, padding: "max_length", maxLength: 128 })` — that also has the
// methods (decode, tokenize, savePretrained, ...). BERT checkpoints are what this library runs, so the tokenizer
// is always BertTokenizerFast; a repo whose tokenizer.json holds another model type is refused with its name.
import { BatchEncoding, BertTokenizerFast, LoadTokenizerOptions, TokenizerCallOptions } from "./bertTokenizerFast";

/** A BertTokenizerFast that can be called like a function (BertTokenizerFast.call). */
export type PreTrainedTokenizer = BertTokenizerFast & ((text: string | readonly string[], opts?: TokenizerCallOptions) => Promise<BatchEncoding>);

/** Makes `tokenizer` callable: calling it runs tokenizer.call; every property and method is the tokenizer's own. */
export function callableTokenizer(tokenizer: BertTokenizerFast): PreTrainedTokenizer {
  const call = (text: string | readonly string[], opts?: TokenizerCallOptions) => tokenizer.call(text, opts);
  return new Proxy(call, {
    get(_target, key) {
      const v = Reflect.get(tokenizer, key, tokenizer) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(tokenizer) : v;
    },
    has: (_target, key) => Reflect.has(tokenizer, key),
    getPrototypeOf: () => BertTokenizerFast.prototype,
  }) as unknown as PreTrainedTokenizer;
}

export class AutoTokenizer {
  /** Loads a tokenizer from a folder, the hub cache, the hub, or (bert-base-uncased) the copy this package ships. */
  static async fromPretrained(nameOrDir: string, opts: LoadTokenizerOptions = {}): Promise<PreTrainedTokenizer> {
    return callableTokenizer(await BertTokenizerFast.fromPretrained(nameOrDir, opts));
  }
}
