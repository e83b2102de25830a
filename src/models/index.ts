// BertForSequenceClassification for TensorFlow.js: config, model, loss and checkpoint helpers.
export { BertForSequenceClassification, FLOAT32_MIN } from "./bert";
export { AutoConfig, AutoModelForSequenceClassification } from "./auto";
export type { AutoConfigOverrides } from "./auto";
export type { BertInputs, BertOutput, ForwardOptions, FromConfigOptions, FromPretrainedOptions } from "./bert";
export { BertConfig, BERT_CONFIG_DEFAULTS, SUPPORTED_ACTIVATIONS } from "./config";
export type { BertConfigJson, HiddenAct, LabelOptions } from "./config";
export { computeLoss, IGNORE_INDEX } from "./loss";
export { formatLoadReport } from "./checkpoint";
export type { LoadReport, ShapeMismatch } from "./checkpoint";
export { bertParamSpecs, isNoDecayParam } from "./params";
export type { ParamSpec } from "./params";
export { summarizeParams } from "./summary";
export type { SummaryRow } from "./summary";
export type { HubFileOptions } from "./resolve";
