// Behaviour of BertTokenizerFast beyond the goldens, always against HF's Rust tokenizer run on whole texts:
// mixed lengths, empty and whitespace-only texts, reviews longer than 512 pieces ([SEP] stays last), the
// head-only shortcut (including texts that force it to retry or to fall back to the whole text), chunking
// and concurrency, decode, argument errors.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { before, describe, test } from "node:test";
import { BertTokenizerFast, canEncodeHeadOnly, embeddedTokenizerDir, headOfText, loadTokenizer } from "../src/tokenizers";
import { rustTokenizers } from "../src/tokenizers/rustTokenizers";
import { differingRows, rustReference } from "./tokenizeReference";

const REVIEW =
  "I rented I AM CURIOUS-YELLOW from my video store because of all the controversy that surrounded it when it was first released in 1967. " +
  "I also heard that at first it was seized by U.S. customs if it ever tried to enter this country, therefore being a fan of films considered " +
  '"controversial" I really had to see this for myself.<br /><br />The plot is centered around a young Swedish drama student named Lena who ' +
  "wants to learn everything she can about life. ";

/** Texts of every kind: empty, whitespace, short, accented, CJK, emoji, literal special tokens, long, very long. */
const MIXED = [
  "",
  " ",
  "\t\n  \r\n",
  "This movie was fantastic!",
  "Café naïve Ångström — ÉCOLE, déjà vu…",
  "漢字とカタカナ mixed with English, 한국어 too.",
  "Emoji 😀👍🏽 and zero\u200bwidth\u00a0spaces",
  "Literal [CLS] and [SEP] and [MASK] and [PAD] in text, and [unk].",
  "ΟΔΟΣ ΚΑΛΟΣ and a\u{20000}b",
  REVIEW,
  REVIEW.repeat(3),
  REVIEW.repeat(12),
  "x".repeat(150) + " short words after one over-long word",
];

/** Texts built to make the head-only shortcut retry (few pieces in the first characters) or give up (no space). */
const TRICKY_HEADS = [
  "a" + " ".repeat(3000) + REVIEW.repeat(4), // the head is mostly spaces: retries until the whole text
  "b".repeat(900) + " " + REVIEW.repeat(4), // no space before the budget: cut at the first space after it
  "漢".repeat(2000), // no ASCII space at all: whole text
  "e\u0301 ".repeat(400) + REVIEW.repeat(3), // combining accents next to the cut points
  "\u{1F600} ".repeat(700) + REVIEW, // astral characters (surrogate pairs) around the cut
  ". ".repeat(2000), // punctuation-only words, one piece each
  "supercalifragilisticexpialidocious ".repeat(200), // many pieces per word: the head is plenty
  "word\u00a0".repeat(1000) + " end", // no-break spaces are whitespace but not cut points
];

let tok: BertTokenizerFast;
before(async () => {
  tok = await loadTokenizer(embeddedTokenizerDir());
});

describe("encodeBatch", () => {
  for (const maxLength of [16, 128, 512]) {
    test(`mixed lengths at maxLength ${maxLength} equal the Rust tokenizer on whole texts`, async () => {
      const ours = await tok.encodeBatch(MIXED, { maxLength });
      const ref = await rustReference(MIXED, maxLength);
      assert.equal(ours.rows, MIXED.length);
      assert.deepEqual(differingRows(ours, ref, maxLength), []);
    });
  }

  test("empty and whitespace-only texts give [CLS] [SEP] then padding", async () => {
    const enc = await tok.encodeBatch(["", " ", "\t\n  \r\n"], { maxLength: 8 });
    for (let r = 0; r < 3; r++) {
      assert.deepEqual(Array.from(enc.inputIds.subarray(r * 8, r * 8 + 8)), [101, 102, 0, 0, 0, 0, 0, 0]);
      assert.deepEqual(Array.from(enc.attentionMask.subarray(r * 8, r * 8 + 8)), [1, 1, 0, 0, 0, 0, 0, 0]);
    }
    assert.ok(enc.tokenTypeIds.every((v) => v === 0));
  });

  test("a review longer than 512 pieces keeps [SEP] last at 512 and at 128", async () => {
    const long = REVIEW.repeat(12);
    const [untruncated] = await tok.tokenLengths([long]);
    assert.ok(untruncated > 600, `test text has only ${untruncated} tokens`);
    for (const maxLength of [512, 128]) {
      const enc = await tok.encodeBatch([long], { maxLength });
      assert.equal(enc.inputIds[0], tok.clsTokenId);
      assert.equal(enc.inputIds[maxLength - 1], tok.sepTokenId);
      assert.ok(enc.attentionMask.every((v) => v === 1));
      const ref = await rustReference([long], maxLength);
      assert.deepEqual(Array.from(enc.inputIds), Array.from(ref.inputIds));
    }
  });

  test("the head-only shortcut is exact where it must retry or fall back to the whole text", async () => {
    for (const maxLength of [16, 128, 512]) {
      const ours = await tok.encodeBatch(TRICKY_HEADS, { maxLength });
      const ref = await rustReference(TRICKY_HEADS, maxLength);
      assert.deepEqual(differingRows(ours, ref, maxLength), [], `maxLength ${maxLength}`);
    }
  });

  test("chunk size and concurrency do not change the result", async () => {
    const texts = [...MIXED, ...TRICKY_HEADS, ...MIXED];
    const base = await tok.encodeBatch(texts, { maxLength: 64 });
    for (const [chunkSize, concurrency] of [[1, 1], [3, 4], [7, 2], [1000, 1]]) {
      const other = await tok.encodeBatch(texts, { maxLength: 64, chunkSize, concurrency });
      assert.deepEqual(differingRows(base, other, 64), [], `chunkSize ${chunkSize}, concurrency ${concurrency}`);
    }
    const ref = await rustReference(texts, 64);
    assert.deepEqual(differingRows(base, ref, 64), []);
  });

  test("an empty batch gives empty arrays", async () => {
    const enc = await tok.encodeBatch([], { maxLength: 128 });
    assert.equal(enc.rows, 0);
    assert.equal(enc.inputIds.length, 0);
  });

  test("bad arguments fail with the cause and the fix", async () => {
    await assert.rejects(tok.encodeBatch(["a"], { maxLength: 1 }), /maxLength must be an integer >= 2/);
    await assert.rejects(tok.encodeBatch(["a"], { maxLength: 513 }), /exceeds this tokenizer's model_max_length 512.*Fix/);
    await assert.rejects(tok.encodeBatch(["a"], { maxLength: 12.5 }), /integer/);
    await assert.rejects(tok.encodeBatch(["a", null as unknown as string], { maxLength: 8 }), /texts\[1\] is null, expected a string/);
  });
});

describe("headOfText and canEncodeHeadOnly", () => {
  test("heads end just before an ASCII space, or are the whole text", () => {
    assert.equal(headOfText("short text", 100), "short text");
    assert.equal(headOfText("one two three four", 9), "one two");
    assert.equal(headOfText("abcdefghij klm", 4), "abcdefghij");
    assert.equal(headOfText("abcdefghijklm", 4), "abcdefghijklm");
  });

  test("accepts BERT's tokenizer.json and rejects pipelines the argument does not cover", () => {
    const json = JSON.parse(fs.readFileSync(`${embeddedTokenizerDir()}/tokenizer.json`, "utf8"));
    assert.equal(canEncodeHeadOnly(json), true);
    assert.equal(canEncodeHeadOnly({ ...json, pre_tokenizer: { type: "Metaspace", replacement: "▁" } }), false);
    assert.equal(canEncodeHeadOnly({ ...json, normalizer: { type: "Precompiled" } }), false);
    assert.equal(canEncodeHeadOnly({ ...json, model: { type: "BPE" } }), false);
    const withSpacedToken = { ...json, added_tokens: [...json.added_tokens, { id: 5, content: "new line", special: true }] };
    assert.equal(canEncodeHeadOnly(withSpacedToken), false);
    const stripping = { ...json, added_tokens: [{ ...json.added_tokens[4], lstrip: true }] };
    assert.equal(canEncodeHeadOnly(stripping), false);
  });
});

describe("encode, tokenize, decode", () => {
  test("encode adds [CLS]/[SEP], truncates only when asked, keeps [SEP] last", async () => {
    assert.deepEqual(await tok.encode("This movie was fantastic!"), [101, 2023, 3185, 2001, 10392, 999, 102]);
    assert.deepEqual(await tok.encode("This movie was fantastic!", { addSpecialTokens: false }), [2023, 3185, 2001, 10392, 999]);
    const long = REVIEW.repeat(3);
    const full = await tok.encode(long);
    assert.ok(full.length > 128);
    const cut = await tok.encode(long, { maxLength: 128 });
    assert.equal(cut.length, 128);
    assert.deepEqual(cut, [...full.slice(0, 127), 102]);
  });

  test("tokenize gives word pieces without special tokens", async () => {
    assert.deepEqual(await tok.tokenize("Unbelievable GOOD acting"), ["unbelievable", "good", "acting"]);
    assert.deepEqual(await tok.tokenize("tokenization"), ["token", "##ization"]);
  });

  test("decode (synchronous) equals the Rust tokenizer's decode, with and without special tokens", async () => {
    const engine = rustTokenizers().Tokenizer.fromFile(`${embeddedTokenizerDir()}/tokenizer.json`);
    const enc = await tok.encodeBatch(MIXED, { maxLength: 64 });
    for (let r = 0; r < MIXED.length; r++) {
      const ids = Array.from(enc.inputIds.subarray(r * 64, (r + 1) * 64));
      assert.equal(tok.decode(ids), await engine.decode(ids, false), `row ${r}`);
      assert.equal(tok.decode(ids, { skipSpecialTokens: true }), await engine.decode(ids, true), `row ${r}`);
    }
    assert.equal(tok.decode([101, 2023, 3185, 2001, 10392, 999, 102], { skipSpecialTokens: true }), "this movie was fantastic!");
    assert.deepEqual(tok.batchDecode(enc.inputIds.subarray(3 * 64, 4 * 64), 64, { skipSpecialTokens: true }), ["this movie was fantastic!"]);
    assert.deepEqual(tok.convertIdsToTokens([101, 2023, 102, 0, 10 ** 6]), ["[CLS]", "this", "[SEP]", "[PAD]", null]);
    assert.deepEqual(tok.convertTokensToIds(["[CLS]", "movie", "no-such-token"]), [101, 3185, 100]);
  });

  test("reports vocabulary and special tokens as transformers does", () => {
    assert.equal(tok.vocabSize, 30522);
    assert.equal(tok.padTokenId, 0);
    assert.equal(tok.unkTokenId, 100);
    assert.equal(tok.clsTokenId, 101);
    assert.equal(tok.sepTokenId, 102);
    assert.equal(tok.maskTokenId, 103);
    assert.equal(tok.modelMaxLength, 512);
    assert.equal(tok.doLowerCase, true);
  });
});
