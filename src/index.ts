// Package entry of bert-imdb-ts: everything the notebooks and other programs use, stage by stage.
export * from "./config";
export * from "./random";
export * from "./progress";
export { inNotebook, newDisplay, showHtml, showMarkdown } from "./notebookDisplay";
export { showTable, toDataFrame, dfd } from "./tables";
export * from "./io/atomic";
export * from "./backend/index";
export * from "./hub/index";
export * from "./artifacts/index";
// 01 load
export * from "./load/index";
export { runLoadStage, loadStageResult } from "./load/stage";
// 02 split
export * from "./split/index";
export { runSplitStage, loadSplitStage } from "./split/stage";
// 03 tokenize
export * from "./tokenize/index";
export { runTokenizeStage, loadTokenizeStage, TOKENIZED_PARTS } from "./tokenize/stage";
export type { TokenizedPart, TokenizedSplit, TokenizeStageResult } from "./tokenize/stage";
// 04 format
export * from "./format/index";
export { runFormatStage, loadFormatStage, makeLoaders, formatParams } from "./format/stage";
// 05 model
export * from "./safetensors/index";
export * from "./model/index";
export { runModelStage, loadModelStage, SENTIMENT_ID2LABEL } from "./model/stage";
// 06 metrics
export * from "./metrics/index";
export * from "./plots/index";
// 07 train
export * from "./train/index";
export { createTrainer, saveTrainStage, loadTrainedModel, trainedModelDir, trainerOutputDir, trainingArgumentsFor, resumeCheckpointFor, labeled } from "./train/stage";
// 08 evaluate
export * from "./evaluate/index";
export { runEvaluateStage } from "./evaluate/stage";
// 09 save
export * from "./save/index";
export { exportOnnx, buildBertClassifierOnnx, BERT_ONNX_OPS, irVersionForOpset, modelRawConfig, modelWeights, inspectOnnx } from "./onnx/index";
export type { ExportOnnxOptions, ExportOnnxResult, ExportableModel, OnnxSummary, OnnxValueSummary } from "./onnx/index";
export { runSaveStage, savedModelDir } from "./save/stage";
// 10 pipeline
export * from "./pipeline/index";
export { runPipelineStage } from "./pipeline/stage";
