// Executed notebooks as they are committed (docs/notebooks/): small, readable anywhere, free of this
// machine's paths. From an executed copy of the headless runner (which already carries a static PNG of every
// plot, see staticImages.ts) this keeps every output except:
//   - plotly.js itself (≈4.8 MB of script in its own output): replaced by a one-line note;
//   - each plot's text/html: without the library it can never draw, so the bundle keeps the PNG, the figure
//     (application/vnd.plotly.v1+json, interactive in front ends that render it natively) and the text summary;
//     a plot without its PNG is an error (a committed copy must show every plot);
//   - the per-cell execution timestamps (cell metadata "execution"), which only churn on every refresh.
// Paths of this machine in outputs are rewritten (the repository to repo-relative, the IMDb folder to
// $IMDB_DATA_DIR, the home folder to ~, the temp folder to $TMPDIR); any absolute path left is an error that
// lists each one with its cell.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PLOTLY_LIBRARY_CLASS } from "../../src/plots/figureHtml";
import { joinText, Notebook, Output, outputsOf, plotlyFigureOf, splitLines } from "./ipynb";

/** The note that stands where the plotly.js library output was. */
export const LIBRARY_NOTE = "(plots in this saved copy are static images; run the notebook for interactive ones)";

/** A path prefix and what it becomes in a committed notebook. */
export interface PathRule {
  from: string;
  to: string;
}

/**
 * The rewrites for this machine, most specific first: the repository root (→ relative to it; also the real
 * path of its node_modules when that is a link), IMDB_DATA_DIR,
 * HF_HOME / HF_HUB_CACHE / HF_DATASETS_CACHE when set, the temp folder, the home folder (→ ~); `extra` rules
 * (absolute or repo-relative prefixes) join them.
 */
export function machinePathRules(root: string, env: NodeJS.ProcessEnv = process.env, extra: PathRule[] = []): PathRule[] {
  const rules: PathRule[] = [...extra];
  const add = (from: string | undefined, to: string) => {
    if (!from || !path.isAbsolute(from)) return;
    const p = path.resolve(from);
    if (p === "/") return;
    rules.push({ from: p + "/", to: to === "" ? "" : to + "/" }, { from: p, to: to === "" ? "." : to });
  };
  add(root, "");
  // A checkout whose node_modules (or itself) is a link elsewhere prints the real paths.
  for (const [p, to] of [[root, ""], [path.join(root, "node_modules"), "node_modules"]] as const) {
    try {
      const real = fs.realpathSync(p);
      if (real !== path.resolve(p)) add(real, to);
    } catch {
      // not there: nothing to rewrite
    }
  }
  add(env.IMDB_DATA_DIR, "$IMDB_DATA_DIR");
  add(env.HF_HUB_CACHE, "$HF_HUB_CACHE");
  add(env.HF_DATASETS_CACHE, "$HF_DATASETS_CACHE");
  add(env.HF_HOME, "$HF_HOME");
  add(env.BERT_IMDB_RUN_DIR, "$BERT_IMDB_RUN_DIR");
  add(os.tmpdir(), "$TMPDIR");
  add(env.HOME ?? os.homedir(), "~");
  // Longest first, so that a folder inside another (the repo inside home) wins.
  return rules.sort((a, b) => b.from.length - a.from.length);
}

export function rewritePaths(text: string, rules: PathRule[]): string {
  if (!text.includes("/")) return text;
  let out = text;
  for (const r of rules) {
    // Only at a path's start: not preceded by a character that would make it the middle of a longer path.
    const re = new RegExp(`(?<![\\w.~$/-])${escapeRegExp(r.from)}${r.from.endsWith("/") ? "" : "(?![\\w.-])"}`, "g");
    out = out.replace(re, () => r.to);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Absolute paths of the usual top-level folders (and the given extra prefixes) in `text`. */
export function findAbsolutePaths(text: string, extraPrefixes: string[] = []): string[] {
  const tops = ["root", "tmp", "home", "work", "Users", "var", "opt", "mnt", "srv", "usr", "private", "media", "run", "data", "scratch"];
  const extra = extraPrefixes.filter((p) => p.length > 1).map((p) => escapeRegExp(path.resolve(p)));
  const re = new RegExp(`(?<![\\w.~$/:-])(?:/(?:${tops.join("|")})|${extra.length ? extra.join("|") : "(?!)"})(?=[/\\s"'<>),;:\\]}]|$)[^\\s"'<>),;\\]}]*`, "g");
  return [...new Set(text.match(re) ?? [])];
}

/** The text of an output a reader sees (and a scan must cover): stream text, text mime types, errors, JSON. */
function outputTexts(o: Output): Array<{ where: string; text: string }> {
  const parts: Array<{ where: string; text: string }> = [];
  if (o.text !== undefined) parts.push({ where: `stream ${o.name ?? ""}`.trim(), text: joinText(o.text) });
  if (o.evalue !== undefined) parts.push({ where: "error", text: `${o.ename ?? ""}: ${o.evalue}\n${(o.traceback ?? []).join("\n")}` });
  for (const [mime, v] of Object.entries(o.data ?? {})) {
    if (mime.startsWith("image/") && mime !== "image/svg+xml") continue; // base64
    parts.push({ where: mime, text: typeof v === "string" || Array.isArray(v) ? joinText(v) : JSON.stringify(v) });
  }
  return parts;
}

/** Applies `fn` to every string a reader sees in an output (in place), leaving base64 images alone. */
function mapOutputStrings(o: Output, fn: (s: string) => string): void {
  const mapValue = (v: unknown): unknown => {
    if (typeof v === "string") return fn(v);
    if (Array.isArray(v)) return v.map(mapValue);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, mapValue(x)]));
    return v;
  };
  if (o.text !== undefined) o.text = splitLines(fn(joinText(o.text)));
  if (o.evalue !== undefined) o.evalue = fn(o.evalue);
  if (o.traceback) o.traceback = o.traceback.map(fn);
  if (o.data) {
    for (const [mime, v] of Object.entries(o.data)) {
      if (mime.startsWith("image/") && mime !== "image/svg+xml") continue;
      if (typeof v === "string" || Array.isArray(v)) o.data[mime] = mime.startsWith("text/") ? splitLines(fn(joinText(v))) : mapValue(v);
      else o.data[mime] = mapValue(v);
    }
  }
}

export interface PathHit {
  cellIndex: number;
  where: string;
  path: string;
  /** The line it is on. */
  line: string;
}

/** Every absolute path left in the outputs of `nb`. */
export function scanOutputsForPaths(nb: Notebook, extraPrefixes: string[] = []): PathHit[] {
  const hits: PathHit[] = [];
  for (const { output, cellIndex } of outputsOf(nb)) {
    for (const { where, text } of outputTexts(output)) {
      for (const p of findAbsolutePaths(text, extraPrefixes)) {
        const line = text.split("\n").find((l) => l.includes(p)) ?? "";
        hits.push({ cellIndex, where, path: p, line: line.trim().slice(0, 200) });
      }
    }
  }
  return hits;
}

export function isPlotlyLibraryOutput(o: Output): boolean {
  return joinText(o.data?.["text/html"]).includes(PLOTLY_LIBRARY_CLASS);
}

export class PublishError extends Error {}

export interface CleanResult {
  notebook: Notebook;
  plots: number;
  /** Absolute paths still in outputs after the rewrites (must be empty to publish). */
  leftoverPaths: PathHit[];
  /** Cells whose plots have no static image (must be empty to publish). */
  plotsWithoutImage: number[];
}

/** The committed form of an executed notebook (a new object; `nb` is not changed). */
export function cleanForDocs(nb: Notebook, rules: PathRule[], extraPrefixes: string[] = []): CleanResult {
  const out = JSON.parse(JSON.stringify(nb)) as Notebook;
  let plots = 0;
  const plotsWithoutImage: number[] = [];
  for (let c = 0; c < out.cells.length; c++) {
    const cell = out.cells[c];
    if (cell.metadata && "execution" in cell.metadata) delete cell.metadata.execution;
    if (!cell.outputs) continue;
    cell.outputs = cell.outputs.map((o) => {
      if (isPlotlyLibraryOutput(o)) return { output_type: "display_data", data: { "text/plain": splitLines(LIBRARY_NOTE) }, metadata: {} };
      if (plotlyFigureOf(o) && o.data) {
        plots++;
        if (typeof o.data["image/png"] !== "string" && typeof o.data["image/svg+xml"] === "undefined") plotsWithoutImage.push(c);
        else delete o.data["text/html"];
      }
      return o;
    });
    for (const o of cell.outputs) mapOutputStrings(o, (s) => rewritePaths(s, rules));
  }
  return { notebook: out, plots, leftoverPaths: scanOutputsForPaths(out, extraPrefixes), plotsWithoutImage };
}

/** cleanForDocs, throwing a PublishError that lists every problem. */
export function cleanForDocsOrThrow(nb: Notebook, name: string, rules: PathRule[], extraPrefixes: string[] = []): CleanResult {
  const r = cleanForDocs(nb, rules, extraPrefixes);
  const problems: string[] = [];
  if (r.plotsWithoutImage.length)
    problems.push(`${name}: plots without a static image in cell(s) ${r.plotsWithoutImage.join(", ")} (Chromium is needed: apt-get install chromium fonts-liberation, or CHROMIUM_PATH)`);
  for (const h of r.leftoverPaths) problems.push(`${name}: cell ${h.cellIndex} (${h.where}): machine path ${h.path}   in: ${h.line}`);
  if (problems.length) throw new PublishError(problems.join("\n"));
  return r;
}
