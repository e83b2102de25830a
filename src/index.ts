// Package entry of bert-imdb-ts: the Hugging Face-shaped API the notebooks use (loadDataset, AutoTokenizer,
// AutoModelForSequenceClassification, TrainingArguments, Trainer, the metrics, pipeline), by concept as
// src/ is laid out, plus the display helpers of the notebooks.
export * from "./presets";
export * from "./random";
export * from "./progress";
export { inNotebook, newDisplay, showHtml, showMarkdown } from "./notebookDisplay";
export { showTable, toDataFrame, dfd, danfojs } from "./tables";
export * from "./io/atomic";
export * from "./backends/index";
export * from "./hub/index";
// datasets: loadDataset, Dataset, DatasetDict, map with fingerprint caching, splits
export * from "./datasets/index";
// tokenizers: AutoTokenizer (callable), BertTokenizerFast
export * from "./tokenizers/index";
// models: AutoConfig, AutoModelForSequenceClassification, BertForSequenceClassification, saving and checks
export * from "./safetensors/index";
export * from "./models/index";
export * from "./models/save";
// metrics: scikit-learn's accuracy_score and precision_recall_fscore_support, the tutorial's compute_metrics
export * from "./metrics/index";
export * from "./plots/index";
// trainer: TrainingArguments, Trainer, the optimizer, batches, evaluation
export * from "./trainer/index";
export * from "./trainer/format";
export * from "./trainer/evaluate";
// onnx: export for transformers.js
export { exportOnnx, buildBertClassifierOnnx, BERT_ONNX_OPS, irVersionForOpset, modelRawConfig, modelWeights, inspectOnnx } from "./onnx/index";
export type { ExportOnnxOptions, ExportOnnxResult, ExportableModel, OnnxSummary, OnnxValueSummary } from "./onnx/index";
// pipelines: pipeline("sentiment-analysis", ...)
export * from "./pipelines/index";
