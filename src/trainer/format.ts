// Batching tokenized rows into TensorFlow.js tensors (seeded per-epoch shuffling, optional dynamic padding).
export { BatchLoader, disposeBatch, rowLengths } from "./batchLoader";
export type { Batch, BatchArrays, BatchLoaderOptions, EncodedRows } from "./batchLoader";
export { dynamicSeqLength, lengthGroupedOrder, paddingStats } from "./padding";
export type { PaddingStats } from "./padding";
