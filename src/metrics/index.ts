// Metrics of stage 6 (evaluation): accuracy/precision/recall/F1 and the confusion matrix.
export { computeMetrics, argmaxRows, binaryCounts } from "./classification";
export type { ClassificationMetrics, MetricsInput, LabelArray, LogitsInput, BinaryCounts } from "./classification";
export { confusionMatrix } from "./confusionMatrix";
