// Package entry of bert-imdb-ts: everything the notebooks and other programs use, stage by stage.
export * from "./config";
export * from "./random";
export * from "./progress";
export { inNotebook, newDisplay, showHtml, showMarkdown } from "./notebookDisplay";
export { showTable, toDataFrame, dfd } from "./tables";
export * from "./io/atomic";
export * from "./backends/index";
export * from "./hub/index";
export * from "./artifacts/index";
// 01 load
export * from "./datasets/index";
export { runLoadStage, loadStageResult } from "./datasets/stage";
// 02 split
export * from "./datasets/split";
export { runSplitStage, loadSplitStage } from "./datasets/splitStage";
// 03 tokenize
export * from "./tokenizers/index";
export { runTokenizeStage, loadTokenizeStage, TOKENIZED_PARTS } from "./tokenizers/stage";
export type { TokenizedPart, TokenizedSplit, TokenizeStageResult } from "./tokenizers/stage";
// 04 format
export * from "./trainer/format";
export { runFormatStage, loadFormatStage, makeLoaders, formatParams } from "./trainer/formatStage";
// 05 model
export * from "./safetensors/index";
export * from "./models/index";
export { runModelStage, loadModelStage, SENTIMENT_ID2LABEL } from "./models/stage";
// 06 metrics
export * from "./metrics/index";
export * from "./plots/index";
// 07 train
export * from "./trainer/index";
export { createTrainer, saveTrainStage, loadTrainedModel, trainedModelDir, trainerOutputDir, trainingArgumentsFor, resumeCheckpointFor, labeled } from "./trainer/stage";
// 08 evaluate
export * from "./trainer/evaluate";
export { runEvaluateStage } from "./trainer/evaluateStage";
// 09 save
export * from "./models/save";
export { exportOnnx, buildBertClassifierOnnx, BERT_ONNX_OPS, irVersionForOpset, modelRawConfig, modelWeights, inspectOnnx } from "./onnx/index";
export type { ExportOnnxOptions, ExportOnnxResult, ExportableModel, OnnxSummary, OnnxValueSummary } from "./onnx/index";
export { runSaveStage, savedModelDir } from "./models/saveStage";
// 10 pipeline
export * from "./pipelines/index";
export { runPipelineStage } from "./pipelines/stage";
