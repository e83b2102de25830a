// Loads the labelled IMDb reviews (dataset stanfordnlp/imdb, plain_text train/test parquet) as `{ train, test }`
// Datasets, recording where they came from. Sources, in order:
//   1. an explicit local folder in the hub layout (`dataDir` option or IMDB_DATA_DIR, e.g. ../shared/imdb);
//   2. the local Hugging Face hub cache (no network);
//   3. the hub itself (download into the cache; skipped offline).
// A cached file that fails validation (bad footer, unreadable metadata, row-count mismatch, SHA-256 different
// from its blob name) is deleted and downloaded again, never used. A bad file in an explicit folder is an error.
// When nothing is reachable, `synthetic: "fallback"` (quick preset) substitutes syntheticImdb() with a loud
// warning and `source.kind = "synthetic"`; `synthetic: "never"` (default; paper preset) throws instead.
import * as fs from "node:fs";
import * as path from "node:path";
import { sha256File } from "../io/hash";
import { blobOf, DEFAULT_REVISION, hubCacheDir, HubError, hubDownload, isOfflineEnv, removeCachedFile, tryLoadFromCache } from "../hub/index";
import { loadCacheEntry, saveCacheEntry } from "./cacheEntry";
import type { Column } from "./columns";
import { Dataset, IMDB_LABEL_NAMES } from "./dataset";
import { ParquetFileError, readLabelledTextParquet } from "./parquet";
import { syntheticImdb, SyntheticImdbOptions } from "./synthetic";

export const IMDB_REPO_ID = "stanfordnlp/imdb";
export type ImdbSplit = "train" | "test";
export const IMDB_SPLITS: readonly ImdbSplit[] = ["train", "test"];
export const IMDB_FILES: Readonly<Record<ImdbSplit, string>> = {
  train: "plain_text/train-00000-of-00001.parquet",
  test: "plain_text/test-00000-of-00001.parquet",
};
/** Rows of each labelled split of stanfordnlp/imdb. */
export const IMDB_ROWS: Readonly<Record<ImdbSplit, number>> = { train: 25_000, test: 25_000 };
const LOCAL_HINT = "set IMDB_DATA_DIR=../shared/imdb (or pass dataDir), a folder holding plain_text/train-00000-of-00001.parquet and plain_text/test-00000-of-00001.parquet";

export interface LoadImdbOptions {
  /** Local folder in the hub layout (holding plain_text/...parquet, or the parquet files themselves); default $IMDB_DATA_DIR. */
  dataDir?: string;
  /** Hub cache folder (default hubCacheDir()). */
  cacheDir?: string;
  /** Hub endpoint (default $HF_ENDPOINT or https://huggingface.co). */
  endpoint?: string;
  /** Dataset revision (default "main"). */
  revision?: string;
  /** Never use the network (default: HF_HUB_OFFLINE). */
  offline?: boolean;
  token?: string | false;
  /** "fallback": use syntheticImdb() when no source is reachable (with a warning); "never" (default): throw. */
  synthetic?: "fallback" | "never";
  /** Sizes and seed of the synthetic fallback (default 2,000 train / 1,000 test, seed 42). */
  syntheticOptions?: Partial<SyntheticImdbOptions>;
  /** Rows each file must have (default 25,000 each); null accepts any count (e.g. a small mirror). */
  expectedRows?: Partial<Record<ImdbSplit, number>> | null;
  /**
   * Where to keep each split's decoded columns, keyed by the parquet file's SHA-256, so that a later load reads
   * them instead of decompressing and decoding the file again (HF datasets' Arrow cache; loadDataset passes its
   * datasets cache). Default: no such cache.
   */
  generatedCacheDir?: string;
  /** Byte progress bars while downloading (default true). */
  progress?: boolean;
}

export interface ImdbSourceFile {
  split: ImdbSplit;
  path: string;
  sha256?: string;
  bytes: number;
  codecs?: string[];
}

export interface ImdbSource {
  kind: "local" | "cache" | "hub" | "synthetic";
  /** The local folder (local), repo cache folder (cache/hub); absent for synthetic data. */
  path?: string;
  files: ImdbSourceFile[];
  repoId?: string;
  revision?: string;
  /** Synthetic fallback: its parameters and why the real data could not be used. */
  synthetic?: SyntheticImdbOptions;
  reason?: string;
}

export interface ImdbDatasetDict {
  train: Dataset;
  test: Dataset;
  source: ImdbSource;
}

/** Problem with an explicitly given local folder (missing or corrupt file). */
export class ImdbLocalDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImdbLocalDataError";
  }
}

/** No source could provide IMDb and the synthetic fallback was not allowed. */
export class ImdbUnavailableError extends Error {
  readonly attempts: string[];
  constructor(attempts: string[]) {
    super(
      `The IMDb dataset (${IMDB_REPO_ID}) could not be loaded:\n${attempts.map((a) => `  - ${a}`).join("\n")}\n` +
        `Fix: ${LOCAL_HINT}; or go online (unset HF_HUB_OFFLINE) so it is downloaded into the hub cache once; ` +
        `or, for a smoke test only, allow synthetic data (synthetic: "fallback", as the quick preset does).`,
    );
    this.name = "ImdbUnavailableError";
    this.attempts = attempts;
  }
}

interface ReadOptions {
  expectedRows: LoadImdbOptions["expectedRows"];
  generatedCacheDir?: string;
}

interface LoadedFile {
  split: ImdbSplit;
  text: string[];
  label: Int32Array;
  file: ImdbSourceFile;
}

function checkRows(split: ImdbSplit, file: string, numRows: number, expected: LoadImdbOptions["expectedRows"]): void {
  const want = expected === null ? undefined : (expected ?? IMDB_ROWS)[split];
  if (want !== undefined && numRows !== want) {
    throw new ParquetFileError(file, `it has ${numRows} rows where the ${split} split of ${IMDB_REPO_ID} has ${want} (pass expectedRows: null to accept other sizes)`);
  }
}

async function readSplitFile(split: ImdbSplit, file: string, opts: ReadOptions, blobSha?: string): Promise<LoadedFile> {
  const sha256 = sha256File(file);
  if (blobSha && sha256 !== blobSha) {
    throw new ParquetFileError(file, `its SHA-256 is ${sha256} but the hub cache names its content ${blobSha} (the cached copy was altered)`);
  }
  const entry = opts.generatedCacheDir ? path.join(opts.generatedCacheDir, `generated-${split}-${sha256.slice(0, 16)}`) : null;
  const cached = entry ? loadCacheEntry(entry, { instead: "decoding the parquet file again" }) : null;
  if (cached && cached.info.sha256 === sha256) {
    checkRows(split, file, cached.info.numRows, opts.expectedRows);
    const codecs = Array.isArray(cached.info.codecs) ? (cached.info.codecs as string[]) : undefined;
    const bytes = typeof cached.info.bytes === "number" ? cached.info.bytes : fs.statSync(file).size;
    return { split, text: cached.cols.get("text") as string[], label: cached.cols.get("label") as Int32Array, file: { split, path: file, sha256, bytes, codecs } };
  }
  const started = Date.now();
  const cols = await readLabelledTextParquet(file, { numLabels: IMDB_LABEL_NAMES.length });
  checkRows(split, file, cols.numRows, opts.expectedRows);
  if (entry) {
    const columns = new Map<string, Column>([["text", cols.text], ["label", cols.label]]);
    await saveCacheEntry(entry, columns, { numRows: cols.numRows, split, sha256, bytes: cols.bytes, codecs: cols.codecs, source: file });
    console.log(`Generating ${split} split: ${cols.numRows.toLocaleString("en-US")} examples from ${path.basename(file)} in ${((Date.now() - started) / 1000).toFixed(1)} s (kept in ${entry})`);
  }
  return { split, text: cols.text, label: cols.label, file: { split, path: file, sha256, bytes: cols.bytes, codecs: cols.codecs } };
}

/** The parquet file of `split` inside a local folder, accepting the dataset root or its plain_text/ folder. */
export function localImdbFile(dir: string, split: ImdbSplit): string {
  const inLayout = path.join(dir, ...IMDB_FILES[split].split("/"));
  const flat = path.join(dir, path.basename(IMDB_FILES[split]));
  return fs.existsSync(inLayout) || !fs.existsSync(flat) ? inLayout : flat;
}

async function loadLocal(dir: string, viaEnv: boolean, opts: ReadOptions): Promise<LoadedFile[]> {
  const root = path.resolve(dir);
  const named = viaEnv ? `IMDB_DATA_DIR=${dir}` : `dataDir ${dir}`;
  const out: LoadedFile[] = [];
  for (const split of IMDB_SPLITS) {
    const file = localImdbFile(root, split);
    if (!fs.existsSync(file)) {
      throw new ImdbLocalDataError(
        `${named}: ${file} does not exist. The folder must hold the stanfordnlp/imdb files in the hub layout (${IMDB_FILES.train}, ${IMDB_FILES.test}). ` +
          `Fix the path, or ${viaEnv ? "unset IMDB_DATA_DIR" : "drop dataDir"} to use the hub cache / download.`,
      );
    }
    try {
      out.push(await readSplitFile(split, file, opts));
    } catch (err) {
      if (!(err instanceof ParquetFileError)) throw err;
      throw new ImdbLocalDataError(
        `${named}: ${err.message} This folder was given explicitly, so it is not replaced: restore the file (e.g. copy it again from ../shared/imdb or the hub), or ${viaEnv ? "unset IMDB_DATA_DIR" : "drop dataDir"} to use the hub cache.`,
      );
    }
  }
  return out;
}

function toDict(files: LoadedFile[], source: ImdbSource): ImdbDatasetDict {
  const get = (s: ImdbSplit) => files.find((f) => f.split === s) as LoadedFile;
  const make = (s: ImdbSplit) => new Dataset({ text: get(s).text, label: get(s).label }, { labelNames: IMDB_LABEL_NAMES, split: s });
  return { train: make("train"), test: make("test"), source };
}

/** Loads IMDb train/test from the first reachable source (see the top of this file). */
export async function loadImdb(options: LoadImdbOptions = {}): Promise<ImdbDatasetDict> {
  const read: ReadOptions = { expectedRows: options.expectedRows, generatedCacheDir: options.generatedCacheDir };
  const envDir = process.env.IMDB_DATA_DIR;
  const dir = options.dataDir ?? (envDir ? envDir : undefined);
  if (dir !== undefined) {
    const files = await loadLocal(dir, options.dataDir === undefined, read);
    return toDict(files, { kind: "local", path: path.resolve(dir), files: files.map((f) => f.file) });
  }

  const revision = options.revision ?? DEFAULT_REVISION;
  const cacheDir = options.cacheDir ?? hubCacheDir();
  const ref = (split: ImdbSplit) => ({ repoId: IMDB_REPO_ID, repoType: "dataset" as const, filename: IMDB_FILES[split], revision, cacheDir });
  const repoPath = path.join(cacheDir, "datasets--stanfordnlp--imdb");
  const attempts: string[] = [];
  const loaded = new Map<ImdbSplit, LoadedFile>();
  const blobSha = (p: string) => {
    const name = path.basename(blobOf(p));
    return /^[0-9a-f]{64}$/.test(name) ? name : undefined;
  };

  // 2. the local hub cache, without network
  for (const split of IMDB_SPLITS) {
    const cached = tryLoadFromCache(ref(split));
    if (!cached) continue;
    try {
      loaded.set(split, await readSplitFile(split, cached, read, blobSha(cached)));
    } catch (err) {
      if (!(err instanceof ParquetFileError)) throw err;
      removeCachedFile(ref(split));
      const msg = `cached ${IMDB_FILES[split]} was corrupt and has been deleted: ${err.message}`;
      console.warn(`${msg} It will be downloaded again.`);
      attempts.push(msg);
    }
  }
  if (loaded.size === IMDB_SPLITS.length) {
    const files = IMDB_SPLITS.map((s) => loaded.get(s) as LoadedFile);
    return toDict(files, { kind: "cache", path: repoPath, repoId: IMDB_REPO_ID, revision, files: files.map((f) => f.file) });
  }

  // 3. the hub
  const offline = options.offline ?? isOfflineEnv();
  let hubFailed = false;
  if (offline) {
    attempts.push(`offline (${options.offline ? "offline: true" : "HF_HUB_OFFLINE is set"}) and ${IMDB_SPLITS.filter((s) => !loaded.has(s)).map((s) => IMDB_FILES[s]).join(", ")} not in the hub cache ${repoPath}`);
    hubFailed = true;
  } else {
    for (const split of IMDB_SPLITS) {
      if (loaded.has(split)) continue;
      let file: string;
      try {
        file = await hubDownload({ ...ref(split), endpoint: options.endpoint, token: options.token, progress: options.progress, missingHint: LOCAL_HINT });
      } catch (err) {
        if (!(err instanceof HubError)) throw err;
        attempts.push(`hub: ${err.message}`);
        hubFailed = true;
        break;
      }
      try {
        loaded.set(split, await readSplitFile(split, file, read, blobSha(file)));
      } catch (err) {
        if (!(err instanceof ParquetFileError)) throw err;
        removeCachedFile(ref(split));
        throw new Error(`The freshly downloaded ${IMDB_FILES[split]} is not valid (it has been deleted): ${err.message} Retry; if it persists, check HF_ENDPOINT or use ${LOCAL_HINT}.`);
      }
    }
  }
  if (!hubFailed) {
    const files = IMDB_SPLITS.map((s) => loaded.get(s) as LoadedFile);
    return toDict(files, { kind: "hub", path: repoPath, repoId: IMDB_REPO_ID, revision, files: files.map((f) => f.file) });
  }

  // 4. nothing reachable
  if (options.synthetic !== "fallback") throw new ImdbUnavailableError(attempts);
  const syn: SyntheticImdbOptions = { trainSize: 2000, testSize: 1000, seed: 42, ...options.syntheticOptions };
  const reason = attempts.join(" | ");
  console.warn(
    `\n*** WARNING: the real IMDb data is not available, so a SYNTHETIC review set is used instead ` +
      `(${syn.trainSize} train / ${syn.testSize} test, seed ${syn.seed}). Results are NOT IMDb results.\n` +
      `*** Why: ${reason}\n*** Fix: ${LOCAL_HINT}, or go online.\n`,
  );
  const data = syntheticImdb(syn);
  return { train: data.train, test: data.test, source: { kind: "synthetic", files: [], synthetic: syn, reason } };
}
