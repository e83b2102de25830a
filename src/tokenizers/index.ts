// Stage 3, tokenize: bert-base-uncased WordPiece → fixed-length inputIds / attentionMask / tokenTypeIds with the
// ids of HF's Rust tokenizer, token-length statistics, tokenizer resolution (folder, hub cache, hub, embedded
// copy), savePretrained, and compact binary storage of encoded splits.
export { BertTokenizerFast, loadTokenizer, tokenizerFingerprint } from "./bertTokenizerFast";
export { AutoTokenizer, callableTokenizer } from "./autoTokenizer";
export type { PreTrainedTokenizer } from "./autoTokenizer";
export type { BatchEncoding, TokenizerCallOptions, DecodeOptions, EncodeBatchOptions, EncodedBatch, EncodeOptions, LoadTokenizerOptions } from "./bertTokenizerFast";
export { encodedManifestPath, hasEncoded, loadEncoded, saveEncoded } from "./encodedStore";
export { canEncodeHeadOnly, headOfText } from "./encodeToLength";
export { EMBEDDED_TOKENIZERS, embeddedTokenizerDir, resolveTokenizerFiles } from "./resolveTokenizerFiles";
export type { ResolvedTokenizerFiles, ResolveTokenizerOptions, TokenizerSource } from "./resolveTokenizerFiles";
