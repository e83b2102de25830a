// Train/validation splitting: seeded sklearn-sized splits, overlap counting, and a simulation of the Python
// tutorial's leaky double split for comparison.
export { splitSizes, trainTestSplitIndices } from "./splitIndices";
export type { SplitIndices, TrainTestSplitOptions } from "./splitIndices";
export { trainTestSplit } from "./trainTestSplit";
export type { TrainTestSplitResult } from "./trainTestSplit";
export { overlap } from "./overlap";
export type { Overlap, OverlapSource } from "./overlap";
export { pythonTutorialSplit } from "./pythonTutorialSplit";
export type { PythonTutorialSplitResult } from "./pythonTutorialSplit";
