// Run-directory artifacts: fingerprints, stage manifests with staleness checks, compact binary columns, and the
// save/load helpers of the data stages (01-load, 02-split).
export { sha256Bytes, sha256File } from "../io/hash";
export { FINGERPRINT_LENGTH, fileFingerprint, fingerprint, stableStringify } from "../datasets/fingerprint";
export {
  decodeArray,
  decodeStrings,
  dtypeOf,
  encodeArray,
  encodeStrings,
  loadArray,
  loadFloat32Array,
  loadInt32Array,
  loadStrings,
  loadUint8Array,
  saveArray,
  saveStrings,
} from "../io/binary";
export type { DType, LoadedArray, NumericArray } from "../io/binary";
export { describeParamChanges, MANIFEST_FILE, readStage, requireStage, stageDir, stageStatus, STAGES, writeStage } from "./stage";
export type { StageFileInfo, StageInput, StageManifest, StageManifestPart, StageName, StageParams, StageStatus } from "./stage";
export { loadLoadStage, loadSplit, loadSplitDatasets, saveLoadStage, saveSplit, sourceFingerprint } from "./datasetStages";
export type { LoadedSplits, SplitArtifact } from "./datasetStages";
