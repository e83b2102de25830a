// Fingerprints and the compact binary array / string files that Dataset.map's cache entries are made of.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { fileFingerprint, fingerprint } from "../src/datasets/fingerprint";
import { decodeArray, encodeArray, loadArray, loadFloat32Array, loadInt32Array, loadStrings, saveArray, saveStrings } from "../src/io/binary";
import { sha256File } from "../src/io/hash";

const made: string[] = [];
const tmp = (p: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), p));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("fingerprint", () => {
  test("stable over key order, sensitive to content and to how parts are cut", () => {
    const f = fingerprint("02-split", { seed: 42, testSize: 0.1 });
    assert.match(f, /^[0-9a-f]{16}$/);
    assert.equal(f, fingerprint("02-split", { testSize: 0.1, seed: 42 }));
    assert.notEqual(f, fingerprint("02-split", { testSize: 0.1, seed: 7 }));
    assert.notEqual(fingerprint("ab"), fingerprint("a", "b"));
    assert.notEqual(fingerprint("ab"), fingerprint(new TextEncoder().encode("ab")), "strings and bytes are typed");
    assert.equal(fingerprint(Int32Array.from([1, 2])), fingerprint(new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0])), "bytes are bytes");
    assert.equal(fingerprint({ a: undefined, b: 1 }), fingerprint({ b: 1 }));
  });

  test("fileFingerprint is the SHA-256 prefix of the content", () => {
    const file = path.join(tmp("fp-"), "x.txt");
    fs.writeFileSync(file, "hello");
    assert.equal(sha256File(file), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert.equal(fileFingerprint(file), "2cf24dba5fb0a30e");
  });
});

describe("binary arrays and string columns", () => {
  test("round-trip int32 / float32 / uint8 with shapes, small header, exact size", () => {
    const dir = tmp("bin-");
    const ids = Int32Array.from({ length: 12 }, (_, i) => (i * 7919) - 40);
    saveArray(path.join(dir, "ids.bin"), ids, [3, 4]);
    const back = loadInt32Array(path.join(dir, "ids.bin"));
    assert.deepEqual(back.shape, [3, 4]);
    assert.deepEqual(Array.from(back.data), Array.from(ids));
    assert.equal(fs.statSync(path.join(dir, "ids.bin")).size, 16 + 48, "8 bytes + 2 dims = 16-byte header, then the raw values");
    saveArray(path.join(dir, "ids3.bin"), ids, [1, 3, 4]);
    assert.equal(fs.statSync(path.join(dir, "ids3.bin")).size, 24 + 48, "header padded to a multiple of 8");
    assert.deepEqual(loadInt32Array(path.join(dir, "ids3.bin")).shape, [1, 3, 4]);
    const f = Float32Array.from([0.5, -1e-8, Math.PI, Infinity]);
    saveArray(path.join(dir, "f.bin"), f);
    assert.deepEqual(Array.from(loadFloat32Array(path.join(dir, "f.bin")).data), Array.from(f));
    const u = Uint8Array.from([0, 255, 7]);
    const enc = encodeArray(u);
    assert.deepEqual(Array.from(decodeArray(enc).data), [0, 255, 7]);
    // a view at an odd offset still decodes (aligned copy)
    const shifted = new Uint8Array(enc.byteLength + 1);
    shifted.set(enc, 1);
    assert.deepEqual(Array.from(decodeArray(shifted.subarray(1)).data), [0, 255, 7]);
    assert.throws(() => loadFloat32Array(path.join(dir, "ids.bin")), /holds int32 values, expected float32/);
    assert.throws(() => saveArray(path.join(dir, "bad.bin"), ids, [5, 5]), /holds 25 values but the array has 12/);
  });

  test("truncated or foreign files are rejected with the reason", () => {
    const dir = tmp("bin-bad-");
    const file = path.join(dir, "a.bin");
    saveArray(file, Int32Array.from([1, 2, 3, 4]));
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.byteLength - 3));
    assert.throws(() => loadArray(file), /expected 32 bytes .* found 29 \(truncated\?\)/);
    fs.writeFileSync(file, "{\"json\": true}");
    assert.throws(() => loadArray(file), /bad magic/);
  });

  test("strings round-trip (unicode, empty, many) and truncation is detected", () => {
    const dir = tmp("str-");
    const file = path.join(dir, "text.bin");
    const strings = ["", "plain", "ünïcödé — 日本語 🎬", "<br /><br />", ...Array.from({ length: 5000 }, (_, i) => `review number ${i}`)];
    saveStrings(file, strings);
    assert.deepEqual(loadStrings(file), strings);
    const b = fs.readFileSync(file);
    fs.writeFileSync(file, b.subarray(0, b.byteLength - 1));
    assert.throws(() => loadStrings(file), /truncated/);
  });
});

