// Loading labelled reviews: the IMDb loader (local folder, hub cache, hub, synthetic fallback), the Dataset
// class, balanced subsampling and the parquet reader.
export { Dataset, IMDB_LABEL_NAMES, sampleBalanced } from "./dataset";
export type { DatasetColumns, DatasetOptions, DatasetRow } from "./dataset";
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
