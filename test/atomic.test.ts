// Crash-safe folder replacement (src/io/atomic.ts): a crash between writeDirAtomic's two renames leaves the old
// folder parked as `.name.old-*` and no folder at the target; the next write, read or clean-up puts it back.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cleanTempSiblings, restoreReplacedDir, writeDirAtomic } from "../src/io/atomic";

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "bert-imdb-atomic-"));
}

/** The state a crash between the renames leaves: `dir` parked under writeDirAtomic's name, no `dir`. */
function parkAsCrashed(dir: string, when = Date.now()): string {
  const parked = path.join(path.dirname(dir), `.${path.basename(dir)}.old-4242-${when}-1`);
  fs.renameSync(dir, parked);
  return parked;
}

test("writeDirAtomic replaces a folder and leaves nothing parked beside it", async () => {
  const base = tmp();
  const dir = path.join(base, "model");
  await writeDirAtomic(dir, (t) => fs.writeFileSync(path.join(t, "a.txt"), "v1"));
  await writeDirAtomic(dir, (t) => fs.writeFileSync(path.join(t, "a.txt"), "v2"));
  assert.equal(fs.readFileSync(path.join(dir, "a.txt"), "utf8"), "v2");
  assert.deepEqual(fs.readdirSync(base), ["model"]);
});

test("a replacement cut between its renames is repaired by the next write, even one that fails", async () => {
  const base = tmp();
  const dir = path.join(base, "model");
  await writeDirAtomic(dir, (t) => fs.writeFileSync(path.join(t, "a.txt"), "old"));
  parkAsCrashed(dir, 1000);
  fs.mkdirSync(dir);
  parkAsCrashed(dir, 500); // an older parked copy too
  assert.equal(fs.existsSync(dir), false);
  await assert.rejects(writeDirAtomic(dir, () => { throw new Error("disk full"); }), /disk full/);
  assert.equal(fs.readFileSync(path.join(dir, "a.txt"), "utf8"), "old", "the newest parked copy is back");
  assert.deepEqual(fs.readdirSync(base), ["model"], "older parked copies are removed");
});

test("restoreReplacedDir and cleanTempSiblings put a parked folder back", async () => {
  const base = tmp();
  const dir = path.join(base, "x");
  fs.mkdirSync(dir);
  assert.equal(restoreReplacedDir(dir), false, "nothing parked");
  parkAsCrashed(dir);
  assert.equal(restoreReplacedDir(dir), true);
  assert.ok(fs.existsSync(dir));

  parkAsCrashed(dir);
  cleanTempSiblings(base);
  assert.ok(fs.existsSync(dir), "cleanTempSiblings restores instead of deleting");
});
