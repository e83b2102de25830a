// ONNX export of the fine-tuned classifier for transformers.js / onnxruntime.
export { exportOnnx, finalSepFromTokenizer, type ExportOnnxOptions, type ExportOnnxResult } from "./exportOnnx";
export { buildBertClassifierOnnx, BERT_ONNX_OPS, FLOAT32_MIN, type FinalSepOptions } from "./bertOnnxGraph";
export { irVersionForOpset } from "./versions";
export { modelRawConfig, modelWeights, type ExportableModel } from "./modelWeights";
export { inspectOnnx, type OnnxSummary, type OnnxValueSummary } from "./inspectOnnx";
