// Locating ../shared (read-only reference data beside the checkout) for tests.
// Under CI=true a missing ../shared is an error; on a user's machine the test is skipped with a printed reason.
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { TestContext } from "node:test";

export const SHARED_DIR = path.resolve(process.env.BERT_IMDB_SHARED ?? path.join(__dirname, "..", "..", "shared"));

/** Absolute path inside ../shared. */
export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DIR, ...parts);
}

/**
 * Returns the absolute path of `rel` inside ../shared, or skips the test (printing why) when it is missing.
 * Under CI=true a missing file throws instead, so CI cannot pass by skipping.
 */
export function requireShared(t: TestContext, rel: string): string | undefined {
  const p = sharedPath(rel);
  if (existsSync(p)) return p;
  const reason = `${p} is missing (the read-only reference data expected beside the checkout as ../shared; set BERT_IMDB_SHARED to point elsewhere)`;
  if (process.env.CI === "true") throw new Error(`CI=true: ${reason}`);
  console.log(`# skipped: ${reason}`);
  t.skip(reason);
  return undefined;
}
