// Lists the files of a saved model folder with their sizes (for the notebook's "what was written" table).
import * as fs from "node:fs";
import * as path from "node:path";

export interface SavedFileInfo {
  /** Path relative to the folder, with "/" separators (e.g. "onnx/model.onnx"). */
  file: string;
  bytes: number;
  /** Human-readable size ("4.05 MB"). */
  size: string;
}

/** Formats a byte count with decimal units, as the Hugging Face hub shows file sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = bytes;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`;
}

/** Every file under `dir` (recursively, sorted, leftovers of interrupted atomic writes excluded). */
export function listSaved(dir: string): SavedFileInfo[] {
  const root = path.resolve(dir);
  if (!fs.existsSync(root)) throw new Error(`${root} does not exist; save the model first (saveFineTuned)`);
  const out: SavedFileInfo[] = [];
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      if (/\.tmp-\d+-\d+-\d+$/.test(entry.name)) continue;
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(r);
      else if (entry.isFile()) {
        const bytes = fs.statSync(path.join(root, r)).size;
        out.push({ file: r, bytes, size: formatBytes(bytes) });
      }
    }
  };
  walk("");
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
