// Stage 8 (evaluate): the prediction loop behind Trainer.evaluate/predict, HF's metric keys, the tutorial's
// reference results and a score histogram.
export { predictionLoop } from "./predictionLoop";
export type { PredictionLoopResult, PredictionLoopOptions } from "./predictionLoop";
export { metricsDict } from "./metricKeys";
export type { EvalPrediction, ComputeMetricsFn } from "./metricKeys";
export { TUTORIAL_REFERENCE, compareWithReference, showComparisonWithReference } from "../metrics/reference";
export type { ComparisonRow } from "../metrics/reference";
export { positiveScores, plotScoreHistogram } from "../metrics/scoreHistogram";
export { labelsOf, makeLoader } from "./labeledDataset";
export type { LabeledDataset } from "./labeledDataset";
