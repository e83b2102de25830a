// The safetensors reader/writer: format details, dtype conversions and corrupt-file errors.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import {
  encodeSafetensors,
  floatToHalf,
  halfToFloat,
  readSafetensors,
  readSafetensorsHeader,
  SafetensorsFile,
  writeSafetensors,
} from "../src/safetensors";
import { requireShared } from "./shared";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "st-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("writes the documented layout: u64 header length, space-padded JSON, aligned data", () => {
  const bytes = encodeSafetensors(
    [
      ["b", { dtype: "F16", shape: [3], data: new Float32Array([1, -2, 0.5]) }],
      ["a", { dtype: "F32", shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }],
      ["i", { dtype: "I64", shape: [2], data: new Int32Array([7, -9]) }],
    ],
    { format: "pt" },
  );
  const view = Buffer.from(bytes);
  const n = Number(view.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const header = JSON.parse(view.subarray(8, 8 + n).toString("utf8"));
  assert.deepEqual(header.__metadata__, { format: "pt" });
  assert.deepEqual(header.i, { dtype: "I64", shape: [2], data_offsets: [0, 16] }); // 8-byte types first
  assert.deepEqual(header.a, { dtype: "F32", shape: [2, 2], data_offsets: [16, 32] });
  assert.deepEqual(header.b, { dtype: "F16", shape: [3], data_offsets: [32, 38] });
  assert.equal(view.length, 8 + n + 38);
  const file = path.join(tmp, "x.safetensors");
  fs.writeFileSync(file, bytes);
  const back = readSafetensors(file);
  assert.deepEqual(Array.from(back.get("a")!.data), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(back.get("b")!.data), [1, -2, 0.5]);
  assert.deepEqual(Array.from(back.get("i")!.data), [7, -9]);
  assert.equal(back.get("i")!.dtype, "I64");
});

test("half and bfloat16 conversions are exact where representable and round to nearest even", () => {
  for (const [h, f] of [[0x3c00, 1], [0xc000, -2], [0x7bff, 65504], [0x0001, 2 ** -24], [0x0400, 2 ** -14], [0x8000, -0]] as const) {
    assert.equal(halfToFloat(h), f);
    assert.equal(floatToHalf(f), h);
  }
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.equal(floatToHalf(1e6), 0x7c00);
  assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00); // tie → even
  assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02);
  const file = path.join(tmp, "bf16.safetensors");
  writeSafetensors(file, [["w", { dtype: "BF16", shape: [4], data: new Float32Array([1, -3.5, 1 + 2 ** -8, 1e-3]) }]]);
  const w = readSafetensors(file).get("w")!;
  assert.equal(w.dtype, "BF16");
  assert.deepEqual(Array.from(w.data).slice(0, 3), [1, -3.5, 1]); // 1 + 2^-8 ties to even
  assert.ok(Math.abs(w.data[3] - 1e-3) < 1e-5);
});

test("reads transformers' own file (header only or tensor by tensor)", (t) => {
  const p = requireShared(t, "golden/tiny-bert/model/model.safetensors");
  if (!p) return;
  const h = readSafetensorsHeader(p);
  assert.equal(h.tensors.size, 41); // 2 + 3 embedding tensors, 16 per layer × 2, pooler 2, classifier 2
  assert.deepEqual(h.tensors.get("bert.embeddings.word_embeddings.weight")?.shape, [30522, 32]);
  const f = SafetensorsFile.open(p);
  try {
    const ln = f.read("bert.embeddings.LayerNorm.weight");
    assert.equal(ln.data.length, 32);
    assert.ok(ln.data instanceof Float32Array);
  } finally {
    f.close();
  }
  // Rewriting it gives a file with the same tensors.
  const copy = path.join(tmp, "copy.safetensors");
  const all = readSafetensors(p);
  writeSafetensors(copy, [...all].map(([k, v]) => [k, { dtype: "F32" as const, shape: v.shape, data: v.data as Float32Array }]));
  const again = readSafetensors(copy);
  for (const [k, v] of all) assert.deepEqual(Buffer.from(again.get(k)!.data.buffer), Buffer.from(v.data.buffer.slice(v.data.byteOffset, v.data.byteOffset + v.data.byteLength)), k);
});

test("corrupt or truncated files are refused with the reason", () => {
  const good = encodeSafetensors([["a", { dtype: "F32", shape: [4], data: new Float32Array(4) }]]);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["short", good.subarray(0, 4), /only 4 bytes/],
    ["truncated", good.subarray(0, good.length - 4), /past the data section/],
    ["bad-len", (() => { const b = Buffer.from(good); b.writeBigUInt64LE(10n ** 12n, 0); return b; })(), /header length/],
    ["not-json", (() => { const b = Buffer.from(good); b[8] = 0x7a; return b; })(), /not JSON/],
  ];
  for (const [name, bytes, re] of cases) {
    const file = path.join(tmp, `${name}.safetensors`);
    fs.writeFileSync(file, bytes);
    assert.throws(() => readSafetensors(file), re, name);
  }
  assert.throws(() => encodeSafetensors([["a", { dtype: "F32", shape: [3], data: new Float32Array(4) }]]), /4 values for shape \[3\]/);
  assert.throws(() => SafetensorsFile.open(path.join(tmp, "missing.safetensors")), /not found/);
});
