// Metrics of stage 6 (evaluation): accuracy/precision/recall/F1 and the confusion matrix.
export { accuracyScore, argmaxRows, binaryCounts, computeMetrics, precisionRecallFscoreSupport } from "./classification";
export type { ClassIds, PrecisionRecallFscoreOptions, ClassificationMetrics, MetricsInput, LabelArray, LogitsInput, BinaryCounts } from "./classification";
export { confusionMatrix } from "./confusionMatrix";
export { TUTORIAL_REFERENCE, compareWithReference, showComparisonWithReference } from "./reference";
export type { ComparisonRow } from "./reference";
export { positiveScores, plotScoreHistogram } from "./scoreHistogram";
