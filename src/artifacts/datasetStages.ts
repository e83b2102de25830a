// Stage artifacts of the data stages. 01-load stores the loaded reviews (text as a string column, labels and
// source row numbers as binary int32) with the data source and counts in its manifest, so later notebooks
// restart from it without re-reading parquet. 02-split stores the train/validation row positions (binary) and
// the split params, fingerprinted against 01-load, so notebook 02 can be re-run alone after a kernel restart.
import * as path from "node:path";
import { Dataset, IMDB_LABEL_NAMES } from "../datasets/dataset";
import type { ImdbSource } from "../datasets/imdb";
import { loadInt32Array, loadStrings, saveArray, saveStrings } from "../io/binary";
import { fingerprint } from "../datasets/fingerprint";
import { requireStage, stageDir, StageManifest, StageParams, stageStatus, STAGES, writeStage } from "./stage";

export interface LoadedSplits {
  train: Dataset;
  test: Dataset;
  source: ImdbSource;
}

const PARTS = ["train", "test"] as const;

/** Fingerprint of where data came from: file hashes, or the synthetic generator's parameters. */
export function sourceFingerprint(source: ImdbSource): string {
  return fingerprint(source.kind, source.synthetic ?? null, source.files.map((f) => f.sha256 ?? `${f.path}:${f.bytes}`));
}

/** Writes runDir/01-load from the loaded (possibly subsampled) train/test datasets. */
export async function saveLoadStage(runDir: string, data: LoadedSplits, params: StageParams): Promise<StageManifest> {
  return writeStage(
    runDir,
    STAGES.load,
    {
      params,
      inputs: { source: sourceFingerprint(data.source) },
      rows: { train: data.train.numRows, test: data.test.numRows },
      info: { source: data.source, labelNames: data.train.labelNames, labelCounts: { train: data.train.labelCounts(), test: data.test.labelCounts() } },
    },
    (dir) => {
      for (const part of PARTS) {
        const ds = data[part];
        saveStrings(path.join(dir, `${part}.text.bin`), ds.text);
        saveArray(path.join(dir, `${part}.label.bin`), ds.label);
        saveArray(path.join(dir, `${part}.source-index.bin`), ds.sourceIndices);
      }
    },
  );
}

/** Reads runDir/01-load back as datasets (with their source rows) plus the recorded source. */
export function loadLoadStage(runDir: string): LoadedSplits & { manifest: StageManifest } {
  const manifest = requireStage(runDir, STAGES.load);
  const dir = stageDir(runDir, STAGES.load);
  const labelNames = (manifest.info?.labelNames as string[] | undefined) ?? IMDB_LABEL_NAMES;
  const read = (part: (typeof PARTS)[number]) => {
    const text = loadStrings(path.join(dir, `${part}.text.bin`));
    const label = loadInt32Array(path.join(dir, `${part}.label.bin`)).data;
    const sourceIndices = loadInt32Array(path.join(dir, `${part}.source-index.bin`)).data;
    if (text.length !== manifest.rows[part] || label.length !== text.length || sourceIndices.length !== text.length) {
      throw new Error(`${dir}: ${part} files disagree with the manifest (${text.length} texts, ${label.length} labels, ${manifest.rows[part]} rows recorded): re-run ${STAGES.load}.`);
    }
    return new Dataset({ text, label, sourceIndices }, { labelNames, split: part });
  };
  return { train: read("train"), test: read("test"), source: manifest.info?.source as ImdbSource, manifest };
}

export interface SplitArtifact {
  /** Positions in 01-load's train rows. */
  train: Int32Array;
  validation: Int32Array;
}

/** Writes runDir/02-split: train/validation positions within 01-load's train rows, and the split params. */
export async function saveSplit(runDir: string, split: SplitArtifact, params: StageParams): Promise<StageManifest> {
  const load = requireStage(runDir, STAGES.load, STAGES.split);
  const n = load.rows.train;
  const seen = new Uint8Array(n);
  for (const [name, idx] of [["train", split.train], ["validation", split.validation]] as const) {
    for (let i = 0; i < idx.length; i++) {
      const r = idx[i];
      if (!(r >= 0 && r < n)) throw new Error(`saveSplit: ${name} index ${r} is outside 01-load's ${n} train rows.`);
      if (seen[r]) throw new Error(`saveSplit: row ${r} appears twice (train and validation must be disjoint).`);
      seen[r] = 1;
    }
  }
  return writeStage(
    runDir,
    STAGES.split,
    { params, inputs: { [STAGES.load]: load }, rows: { train: split.train.length, validation: split.validation.length, test: load.rows.test } },
    (dir) => {
      saveArray(path.join(dir, "train.indices.bin"), split.train);
      saveArray(path.join(dir, "validation.indices.bin"), split.validation);
    },
  );
}

/** Reads runDir/02-split's positions and params. */
export function loadSplit(runDir: string): SplitArtifact & { params: StageParams; manifest: StageManifest } {
  const manifest = requireStage(runDir, STAGES.split);
  const dir = stageDir(runDir, STAGES.split);
  return {
    train: loadInt32Array(path.join(dir, "train.indices.bin")).data,
    validation: loadInt32Array(path.join(dir, "validation.indices.bin")).data,
    params: manifest.params,
    manifest,
  };
}

/** The train/validation/test datasets of a run, from 01-load and 02-split; throws (saying what to re-run) when 02 is stale. */
export function loadSplitDatasets(runDir: string): { train: Dataset; validation: Dataset; test: Dataset; source: ImdbSource; manifest: StageManifest } {
  const st = stageStatus(runDir, STAGES.split);
  if (!st.fresh) throw new Error(`Cannot use ${STAGES.split} of ${runDir}: ${st.reason}.`);
  const loaded = loadLoadStage(runDir);
  const split = loadSplit(runDir);
  return {
    train: loaded.train.select(split.train),
    validation: loaded.train.select(split.validation),
    test: loaded.test,
    source: loaded.source,
    manifest: split.manifest,
  };
}
