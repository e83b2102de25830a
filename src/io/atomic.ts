// Crash-safe file and folder writes: data goes to a temporary sibling first and is renamed into place,
// so a reader sees either the old content or the complete new content, never a half-written file.
import * as fs from "node:fs";
import * as path from "node:path";

let counter = 0;
function tempSibling(target: string): string {
  counter += 1;
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}-${counter}`);
}

/** Where writeDirAtomic parks the folder it replaces until the new one is in place. */
function oldSibling(target: string): string {
  counter += 1;
  return path.join(path.dirname(target), `.${path.basename(target)}.old-${process.pid}-${Date.now()}-${counter}`);
}

/** A parked folder's name (oldSibling): [1] the folder it stands for, [2] its time, [3] its counter. */
const PARKED = /^\.(.+)\.old-\d+-(\d+)-(\d+)$/;

/**
 * Repairs a folder replacement that a crash cut between its two renames (`dir` moved aside, the new folder
 * not yet moved in): the newest parked copy `.name.old-*` goes back to `dir`. Parked copies left beside an
 * existing `dir` (a crash after the second rename) are deleted. Returns true when `dir` was restored.
 */
export function restoreReplacedDir(dir: string): boolean {
  const parent = path.dirname(dir);
  if (!fs.existsSync(parent)) return false;
  const parked = fs.readdirSync(parent)
    .map((name) => ({ name, m: PARKED.exec(name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null && e.m[1] === path.basename(dir))
    .sort((a, b) => Number(b.m[2]) - Number(a.m[2]) || Number(b.m[3]) - Number(a.m[3]));
  if (!parked.length) return false;
  let restored = false;
  if (!fs.existsSync(dir)) {
    fs.renameSync(path.join(parent, parked[0].name), dir);
    parked.shift();
    restored = true;
  }
  for (const p of parked) fs.rmSync(path.join(parent, p.name), { recursive: true, force: true });
  return restored;
}

/** Writes `data` to `file` atomically (temp file in the same folder, fsync, rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempSibling(file);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Writes JSON (2-space indented, trailing newline) atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Builds a folder atomically: `fill` writes into a temporary sibling folder, which then replaces `dir`.
 * If `fill` throws (or the process dies), `dir` keeps its previous content and the temporary folder is
 * removed (or left with a `.tmp-` name that no loader looks at).
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void> | void): Promise<void> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  restoreReplacedDir(dir);
  const tmp = tempSibling(dir);
  fs.mkdirSync(tmp, { recursive: true });
  try {
    await fill(tmp);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (fs.existsSync(dir)) {
    // Between these two renames `dir` does not exist; a crash there is repaired by restoreReplacedDir.
    const old = oldSibling(dir);
    fs.renameSync(dir, old);
    fs.renameSync(tmp, dir);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(tmp, dir);
  }
}

/** Removes a folder crash-safely: renamed to a temporary sibling first, so a kill mid-delete leaves no half folder. */
export function removeDirAtomic(dir: string): void {
  if (!fs.existsSync(dir)) return;
  const doomed = tempSibling(dir);
  fs.renameSync(dir, doomed);
  fs.rmSync(doomed, { recursive: true, force: true });
}

/** Removes leftovers of interrupted atomic writes (`.name.tmp-*`) inside `dir`, and repairs cut replacements. */
export function cleanTempSiblings(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    if (/^\..+\.tmp-\d+-\d+-\d+$/.test(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    const parked = PARKED.exec(name);
    if (parked && fs.existsSync(path.join(dir, name))) restoreReplacedDir(path.join(dir, parked[1]));
  }
}
