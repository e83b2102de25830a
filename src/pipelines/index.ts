// Inference pipelines: this project's sentiment-analysis pipeline and the transformers.js one on the export.
export { pipeline, PIPELINE_TASKS, type PipelineTask, type PipelineOptions, type PipelineModelOptions, type LoadedTextClassifier } from "./pipeline";
export {
  createTextClassifier,
  type TextClassifier,
  type TextClassifierOptions,
  type ClassifyCallOptions,
  type PipelineModel,
  type PipelineTokenizer,
} from "./textClassifier";
export { scoreRow, scoreFunctionFor, labelName, type ClassificationResult, type ScoreFunction } from "./scoreLogits";
export { checkTexts } from "./checkTexts";
export { transformersJsPipeline, type TransformersJsClassifier } from "./transformersJs";
