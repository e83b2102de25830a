// savePretrained round trip (files, config fields, reload gives identical ids and fingerprint; transformers.js
// can read the saved folder and pad a batch), the tokenizer fingerprint, and encoded splits on disk.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  BertTokenizerFast,
  embeddedTokenizerDir,
  hasEncoded,
  loadEncoded,
  loadTokenizer,
  saveEncoded,
  tokenizerFingerprint,
} from "../src/tokenizers";

const TEXTS = ["This movie was fantastic!", "", "I hated every minute of this film.", "Café déjà vu, 漢字 and 😀. ".repeat(40)];

let tmp: string;
let tok: BertTokenizerFast;
before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tokenize-save-"));
  tok = await loadTokenizer(embeddedTokenizerDir());
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("savePretrained", () => {
  test("writes the four tokenizer files with the fields transformers needs, next to files already there", () => {
    const dir = path.join(tmp, "saved");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "model.safetensors"), "weights");
    const written = tok.savePretrained(dir);
    assert.deepEqual(written.map((f) => path.basename(f)).sort(), ["special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"]);
    assert.equal(fs.readFileSync(path.join(dir, "model.safetensors"), "utf8"), "weights");
    const src = embeddedTokenizerDir();
    assert.ok(fs.readFileSync(path.join(dir, "tokenizer.json")).equals(fs.readFileSync(path.join(src, "tokenizer.json"))));
    assert.ok(fs.readFileSync(path.join(dir, "vocab.txt")).equals(fs.readFileSync(path.join(src, "vocab.txt"))));
    const config = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
    assert.equal(config.tokenizer_class, "BertTokenizer");
    assert.equal(config.model_max_length, 512);
    assert.equal(config.do_lower_case, true);
    assert.equal(config.pad_token, "[PAD]");
    assert.equal(config.cls_token, "[CLS]");
    assert.equal(config.sep_token, "[SEP]");
    assert.equal(config.unk_token, "[UNK]");
    assert.equal(config.mask_token, "[MASK]");
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "special_tokens_map.json"), "utf8")), {
      unk_token: "[UNK]",
      sep_token: "[SEP]",
      pad_token: "[PAD]",
      cls_token: "[CLS]",
      mask_token: "[MASK]",
    });
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes(".tmp-")), [], "no temporary files left");
  });

  test("reloading the saved folder gives identical ids, settings and fingerprint", async () => {
    const dir = path.join(tmp, "roundtrip");
    tok.savePretrained(dir);
    const again = await loadTokenizer(dir);
    assert.equal(again.source, "local");
    assert.equal(again.modelMaxLength, 512);
    assert.equal(again.vocabSize, tok.vocabSize);
    for (const maxLength of [16, 128]) {
      const a = await tok.encodeBatch(TEXTS, { maxLength });
      const b = await again.encodeBatch(TEXTS, { maxLength });
      assert.deepEqual(Array.from(b.inputIds), Array.from(a.inputIds));
      assert.deepEqual(Array.from(b.attentionMask), Array.from(a.attentionMask));
      assert.equal(again.fingerprint({ maxLength }), tok.fingerprint({ maxLength }));
    }
    // saving the reloaded tokenizer again changes nothing
    const second = path.join(tmp, "roundtrip2");
    again.savePretrained(second);
    for (const f of ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"]) {
      assert.ok(fs.readFileSync(path.join(second, f)).equals(fs.readFileSync(path.join(dir, f))), f);
    }
  });

  test("transformers.js reads the saved folder and pads a batch (pad_token and model_max_length present)", async () => {
    const dir = path.join(tmp, "for-transformersjs");
    tok.savePretrained(dir);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { AutoTokenizer, env } = require("@huggingface/transformers") as typeof import("@huggingface/transformers");
    env.allowRemoteModels = false;
    const tjs = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    assert.equal(tjs.model_max_length, 512);
    const short = TEXTS.slice(0, 3);
    const out = tjs(short, { padding: "max_length", truncation: true, max_length: 16 }) as { input_ids: { tolist(): bigint[][] } };
    const ours = await tok.encodeBatch(short, { maxLength: 16 });
    assert.deepEqual(out.input_ids.tolist().flat().map(Number), Array.from(ours.inputIds));
  });

  test("refuses to overwrite the embedded copy", async () => {
    const embedded = await loadTokenizer("bert-base-uncased", { localFilesOnly: true, cacheDir: path.join(tmp, "empty-cache") });
    assert.equal(embedded.source, "embedded");
    assert.throws(() => embedded.savePretrained(embeddedTokenizerDir()), /Refusing to overwrite the embedded tokenizer files/);
  });
});

describe("tokenizerFingerprint", () => {
  test("is a SHA-256 that changes with maxLength and with tokenizer.json, not with the folder", async () => {
    const fp = tokenizerFingerprint(tok, { maxLength: 128 });
    assert.match(fp, /^[0-9a-f]{64}$/);
    assert.notEqual(tokenizerFingerprint(tok, { maxLength: 256 }), fp);
    const copy = path.join(tmp, "copy");
    tok.savePretrained(copy);
    assert.equal(tokenizerFingerprint(await loadTokenizer(copy), { maxLength: 128 }), fp);
    const changed = path.join(tmp, "changed");
    tok.savePretrained(changed);
    const json = JSON.parse(fs.readFileSync(path.join(changed, "tokenizer.json"), "utf8"));
    json.normalizer.lowercase = false;
    fs.writeFileSync(path.join(changed, "tokenizer.json"), JSON.stringify(json));
    const cased = await loadTokenizer(changed);
    assert.notEqual(tokenizerFingerprint(cased, { maxLength: 128 }), fp);
    assert.notDeepEqual(await cased.encode("HELLO"), await tok.encode("HELLO"));
  });
});

describe("saveEncoded / loadEncoded", () => {
  test("round-trips an encoded split in binary files", async () => {
    const dir = path.join(tmp, "encoded");
    const enc = await tok.encodeBatch(TEXTS, { maxLength: 32 });
    assert.equal(hasEncoded(dir, "train"), false);
    const manifest = saveEncoded(dir, "train", enc);
    assert.equal(path.basename(manifest), "train.encoded.json");
    assert.equal(hasEncoded(dir, "train"), true);
    const ids = fs.statSync(path.join(dir, "train.input_ids.bin")).size;
    assert.ok(ids < TEXTS.length * 32 * 4 + 64, "input ids stored as raw int32, not JSON");
    const back = loadEncoded(dir, "train");
    assert.equal(back.rows, enc.rows);
    assert.equal(back.maxLength, 32);
    for (const k of ["inputIds", "attentionMask", "tokenTypeIds"] as const) {
      assert.ok(back[k] instanceof Int32Array);
      assert.deepEqual(Array.from(back[k]), Array.from(enc[k]), k);
    }
    const empty = await tok.encodeBatch([], { maxLength: 32 });
    saveEncoded(dir, "empty", empty);
    assert.equal(loadEncoded(dir, "empty").rows, 0);
  });

  test("rejects a missing split, a changed array file and a bad name, naming the fix", async () => {
    const dir = path.join(tmp, "encoded-bad");
    assert.throws(() => loadEncoded(dir, "test"), /No encoded split "test".*saveEncoded/);
    const enc = await tok.encodeBatch(TEXTS, { maxLength: 16 });
    saveEncoded(dir, "test", enc);
    const file = path.join(dir, "test.attention_mask.bin");
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] ^= 1;
    fs.writeFileSync(file, bytes);
    assert.throws(() => loadEncoded(dir, "test"), /does not match the SHA-256.*tokenize the split again/);
    assert.throws(() => saveEncoded(dir, "../escape", enc), /Invalid encoded split name/);
    assert.throws(() => saveEncoded(dir, "short", { ...enc, rows: enc.rows + 1 }), /rows\*maxLength/);
  });
});
