// Datasets, shaped like Hugging Face datasets: loadDataset ("imdb": local folder, hub cache, hub), Dataset and
// DatasetDict with select / shuffle / trainTestSplit / map (cached by fingerprint) / setFormat, the parquet
// reader, seeded splits, overlap counting and the Python tutorial's leaky split for comparison.
export { Dataset, DatasetDict, IMDB_LABEL_NAMES, range, sampleBalanced } from "./dataset";
export type { DatasetFormat, DatasetOptions, Example, Feature, Features } from "./dataset";
export { IntSequences } from "./columns";
export type { Column, ColumnType } from "./columns";
export type { MapFunction, MapOptions } from "./map";
export { noteFingerprintInput, recordFingerprintInputs } from "./fingerprintScope";
export { datasetsCacheDir, datasetSource, loadDataset } from "./loadDataset";
export type { LoadDatasetOptions } from "./loadDataset";
export { FINGERPRINT_LENGTH, fileFingerprint, fingerprint, stableStringify } from "./fingerprint";
export {
  IMDB_FILES,
  IMDB_REPO_ID,
  IMDB_ROWS,
  IMDB_SPLITS,
  ImdbLocalDataError,
  ImdbUnavailableError,
  loadImdb,
  localImdbFile,
} from "./imdb";
export type { ImdbDatasetDict, ImdbSource, ImdbSourceFile, ImdbSplit, LoadImdbOptions } from "./imdb";
export { ParquetFileError, readLabelledTextParquet } from "./parquet";
export type { LabelledTextColumns, ReadLabelledTextOptions } from "./parquet";
export { syntheticImdb, syntheticReview } from "./synthetic";
export type { SyntheticImdbOptions } from "./synthetic";
export { splitSizes, trainTestSplitIndices } from "./splitIndices";
export type { SplitIndices, TrainTestSplitOptions } from "./splitIndices";
export { overlap } from "./overlap";
export type { Overlap, OverlapSource } from "./overlap";
export { pythonTutorialSplit } from "./pythonTutorialSplit";
export type { PythonTutorialSplitResult } from "./pythonTutorialSplit";
