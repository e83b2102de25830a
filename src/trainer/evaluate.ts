// Evaluation: the prediction loop behind Trainer.evaluate/predict, HF's metric keys, the datasets it reads.
export { predictionLoop } from "./predictionLoop";
export type { PredictionLoopResult, PredictionLoopOptions } from "./predictionLoop";
export { metricsDict } from "./metricKeys";
export type { EvalPrediction, ComputeMetricsFn } from "./metricKeys";
export { labelsOf, makeLoader, toLabeledDataset } from "./labeledDataset";
export type { LabeledDataset, TrainerDataset } from "./labeledDataset";
