// Short content fingerprints (SHA-256, first 16 hex digits) for stage artifacts: over strings, bytes and JSON
// values (object keys sorted, so {a, b} and {b, a} agree), and over files.
import { createHash } from "node:crypto";
import { sha256File } from "../io/hash";

export const FINGERPRINT_LENGTH = 16;

/** JSON with object keys sorted at every level; typed arrays become plain arrays; undefined properties are dropped. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(normalize(value));
}

function normalize(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = normalize(v);
    }
    return out;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** Fingerprint of a sequence of parts (strings, bytes, or JSON-able values); each part is typed and length-delimited. */
export function fingerprint(...parts: unknown[]): string {
  const h = createHash("sha256");
  for (const p of parts) {
    let tag: string;
    let bytes: Uint8Array;
    if (typeof p === "string") {
      tag = "s";
      bytes = Buffer.from(p, "utf8");
    } else if (ArrayBuffer.isView(p)) {
      tag = "b";
      bytes = new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
    } else if (p instanceof ArrayBuffer) {
      tag = "b";
      bytes = new Uint8Array(p);
    } else {
      tag = "j";
      bytes = Buffer.from(stableStringify(p) ?? "undefined", "utf8");
    }
    h.update(`${tag}${bytes.byteLength}:`);
    h.update(bytes);
  }
  return h.digest("hex").slice(0, FINGERPRINT_LENGTH);
}

/** Fingerprint of a file's content (first 16 hex digits of its SHA-256). */
export function fileFingerprint(file: string): string {
  return sha256File(file).slice(0, FINGERPRINT_LENGTH);
}
