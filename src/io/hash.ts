// SHA-256 of files and byte buffers, read in chunks so large files (model weights) never sit in memory whole.
// Used to verify hub downloads, to record data provenance and to fingerprint stage artifacts.
import { createHash } from "node:crypto";
import * as fs from "node:fs";

const CHUNK = 4 * 1024 * 1024;

/** Hex SHA-256 of a file's bytes. */
export function sha256File(file: string): string {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(n === CHUNK ? buf : buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

/** Hex SHA-256 of bytes. */
export function sha256Bytes(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}
