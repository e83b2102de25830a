// loadDataset, as datasets.load_dataset: "imdb" (or "stanfordnlp/imdb") from a local folder in the hub layout
// (IMDB_DATA_DIR, e.g. ../shared/imdb), the hub cache, or the hub (parquet, downloaded once, verified), or a
// local folder given as the path. Returns a DatasetDict { train, test } whose datasets carry a fingerprint made
// from the parquet files' SHA-256 and a cache folder for map() results:
//   <cacheDir>/<org>___<name>/plain_text/bert-imdb-ts/cache-<fingerprint>/
// Each split decoded from parquet is kept there too, as generated-<split>-<file hash>/ (HF datasets' Arrow files:
// the first load decodes, later ones read the columns: 0.1 s against 0.6 s per IMDb split, measured here), with cacheDir = the `cacheDir` option, else HF_DATASETS_CACHE, else <HF_HOME>/datasets (Python's rule).
// IMDb's third split, "unsupervised" (50,000 unlabelled reviews), is not loaded: nothing here uses it.
import * as fs from "node:fs";
import * as path from "node:path";
import { hfHome } from "../hub/cache";
import { Dataset, DatasetDict, IMDB_LABEL_NAMES } from "./dataset";
import { fingerprint } from "./fingerprint";
import { IMDB_REPO_ID, IMDB_SPLITS, loadImdb, LoadImdbOptions } from "./imdb";

export interface LoadDatasetOptions extends Omit<LoadImdbOptions, "dataDir" | "synthetic" | "syntheticOptions" | "cacheDir" | "generatedCacheDir"> {
  /** Root of the datasets cache (HF: cache_dir): default HF_DATASETS_CACHE, else <HF_HOME>/datasets. */
  cacheDir?: string;
  /** The hub cache that downloads go to (default HF_HUB_CACHE, else <HF_HOME>/hub). */
  hubCacheDir?: string;
}

const IMDB_NAMES = new Set(["imdb", IMDB_REPO_ID]);

/** The datasets cache root: HF_DATASETS_CACHE, else <HF_HOME>/datasets. */
export function datasetsCacheDir(): string {
  return process.env.HF_DATASETS_CACHE ? path.resolve(process.env.HF_DATASETS_CACHE) : path.join(hfHome(), "datasets");
}

function isLocalFolder(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isDirectory();
}

/**
 * Loads a labelled text dataset: `loadDataset("imdb")` → DatasetDict { train: 25,000 rows, test: 25,000 rows },
 * columns text and label (ClassLabel neg/pos). A local folder in the hub layout (plain_text/train-….parquet,
 * plain_text/test-….parquet) may be given instead of the name; then any row count is accepted.
 */
export async function loadDataset(nameOrPath: string, opts: LoadDatasetOptions = {}): Promise<DatasetDict> {
  const local = !IMDB_NAMES.has(nameOrPath);
  if (local && !isLocalFolder(nameOrPath)) {
    throw new Error(
      `loadDataset: "${nameOrPath}" is neither a dataset this library knows ("imdb", "${IMDB_REPO_ID}") nor a local folder. ` +
        `Pass "imdb", or the path of a folder holding plain_text/train-00000-of-00001.parquet and plain_text/test-00000-of-00001.parquet.`,
    );
  }
  const { cacheDir, hubCacheDir, ...rest } = opts;
  const builder = local ? `local___${path.basename(path.resolve(nameOrPath))}` : IMDB_REPO_ID.replace("/", "___");
  const mapCache = path.join(cacheDir ? path.resolve(cacheDir) : datasetsCacheDir(), builder, "plain_text", "bert-imdb-ts");
  const loaded = await loadImdb({
    ...rest,
    cacheDir: hubCacheDir,
    generatedCacheDir: mapCache,
    ...(local ? { dataDir: nameOrPath, expectedRows: rest.expectedRows ?? null } : {}),
  });
  const splits: Record<string, Dataset> = {};
  for (const split of IMDB_SPLITS) {
    const part = loaded[split];
    const file = loaded.source.files.find((f) => f.split === split);
    splits[split] = new Dataset(
      { text: part.text, label: part.label },
      { split, labelNames: IMDB_LABEL_NAMES, fingerprint: fingerprint("parquet", file?.sha256 ?? part.text.length, split), cacheDir: mapCache },
    );
  }
  const dict = new DatasetDict(splits);
  Object.defineProperty(dict, "source", { value: loaded.source, enumerable: false });
  return dict;
}

/** Where loadDataset read the files from (kind local | cache | hub, paths, SHA-256s). */
export function datasetSource(dict: DatasetDict): import("./imdb").ImdbSource | undefined {
  return (dict as unknown as { source?: import("./imdb").ImdbSource }).source;
}
