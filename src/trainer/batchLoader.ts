// Turns tokenized rows (row-major [rows, maxLength] int32 arrays from the tokenizer's encodeBatch, right-padded
// with 0) and their labels into batches of TensorFlow.js int32 tensors, like a PyTorch DataLoader with HF's
// DataCollatorWithPadding. Per-epoch shuffling is seeded with `seed + epoch`, so epoch e's order can be
// reproduced on resume (and `batches(epoch, startBatch)` skips the batches already done). The last partial
// batch is kept unless dropLast. With dynamic padding each batch is cut to its longest row, rounded up to a
// multiple of 8 (at most maxLength): fewer tokens to compute on, same results since padding is masked.
//
// Tensors belong to the caller: dispose each batch after use (disposeBatch) or run the step inside tf.tidy.
import { tf } from "../backends/tf";
import { Rng } from "../random";
import { dynamicSeqLength, lengthGroupedOrder, paddingStats, PaddingStats } from "./padding";

/** What the tokenizer's encodeBatch returns: row-major [rows, maxLength], padded with 0. */
export interface EncodedRows {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  rows: number;
  maxLength: number;
}

export interface BatchLoaderOptions {
  batchSize: number;
  /** Shuffle rows each epoch (default false). */
  shuffle?: boolean;
  /** Base seed; epoch e uses new Rng(seed + e) (default 0). */
  seed?: number;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Pad each batch to its longest row, rounded up to padToMultipleOf (default false: every batch is maxLength wide). */
  dynamicPadding?: boolean;
  /** Rounding of the dynamic length (default 8). */
  padToMultipleOf?: number;
  /**
   * With shuffle: order rows like HF's Trainer `group_by_length` (shuffled megabatches of 50 batches, each sorted
   * by length) so batches hold similar lengths and dynamic padding saves more (default false).
   */
  groupByLength?: boolean;
}

/** Plain arrays of one batch (no tensors): row-major [size, seqLength]. */
export interface BatchArrays {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  labels: Int32Array;
  /** Row numbers of the batch in the encoded input. */
  rows: Int32Array;
  size: number;
  seqLength: number;
}

/** One batch as tensors: [b, seq] int32 ids/masks and [b] int32 labels. The caller disposes them. */
export interface Batch {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  tokenTypeIds: tf.Tensor2D;
  labels: tf.Tensor1D;
}

/** Disposes the tensors of a batch. */
export function disposeBatch(batch: Batch): void {
  tf.dispose([batch.inputIds, batch.attentionMask, batch.tokenTypeIds, batch.labels]);
}

/** Number of real tokens of each row: position of its last non-zero attention mask entry + 1. */
export function rowLengths(encoded: Pick<EncodedRows, "attentionMask" | "rows" | "maxLength">): Int32Array {
  const { attentionMask, rows, maxLength } = encoded;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * maxLength;
    let len = maxLength;
    while (len > 0 && attentionMask[base + len - 1] === 0) len--;
    out[r] = len;
  }
  return out;
}

export class BatchLoader {
  readonly numRows: number;
  readonly maxLength: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly dynamicPadding: boolean;
  readonly padToMultipleOf: number;
  readonly groupByLength: boolean;
  /** Real tokens per row. */
  readonly lengths: Int32Array;

  constructor(
    private readonly encoded: EncodedRows,
    private readonly labels: Int32Array,
    opts: BatchLoaderOptions,
  ) {
    const { rows, maxLength } = encoded;
    if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(maxLength) || maxLength <= 0) {
      throw new Error(`BatchLoader: rows (${rows}) and maxLength (${maxLength}) must be non-negative / positive integers.`);
    }
    for (const key of ["inputIds", "attentionMask", "tokenTypeIds"] as const) {
      if (encoded[key].length !== rows * maxLength) {
        throw new Error(`BatchLoader: ${key} has ${encoded[key].length} values, expected rows × maxLength = ${rows} × ${maxLength} = ${rows * maxLength}.`);
      }
    }
    if (labels.length !== rows) throw new Error(`BatchLoader: ${labels.length} labels for ${rows} rows.`);
    if (!Number.isInteger(opts.batchSize) || opts.batchSize <= 0) throw new Error(`BatchLoader: batchSize must be a positive integer, got ${opts.batchSize}.`);
    const mult = opts.padToMultipleOf ?? 8;
    if (!Number.isInteger(mult) || mult <= 0) throw new Error(`BatchLoader: padToMultipleOf must be a positive integer, got ${mult}.`);
    this.numRows = rows;
    this.maxLength = maxLength;
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.seed = opts.seed ?? 0;
    this.dropLast = opts.dropLast ?? false;
    this.dynamicPadding = opts.dynamicPadding ?? false;
    this.padToMultipleOf = mult;
    this.groupByLength = opts.groupByLength ?? false;
    if (this.groupByLength && !this.shuffle) throw new Error("BatchLoader: groupByLength needs shuffle: true (it groups a shuffled order).");
    this.lengths = rowLengths(encoded);
  }

  /** Batches per epoch. */
  get numBatches(): number {
    return this.dropLast ? Math.floor(this.numRows / this.batchSize) : Math.ceil(this.numRows / this.batchSize);
  }

  /** Row order of an epoch: identity, or a permutation from new Rng(seed + epoch) (length-grouped if asked). */
  order(epoch = 0): Int32Array {
    if (!this.shuffle) return Int32Array.from({ length: this.numRows }, (_, i) => i);
    const perm = new Rng(this.seed + epoch).permutation(this.numRows);
    return this.groupByLength ? lengthGroupedOrder(this.lengths, this.batchSize, perm) : perm;
  }

  /** Width of a batch made of `rows`: maxLength, or the longest row rounded up to padToMultipleOf. */
  seqLengthOf(rows: ArrayLike<number>): number {
    if (!this.dynamicPadding) return this.maxLength;
    let longest = 0;
    for (let i = 0; i < rows.length; i++) longest = Math.max(longest, this.lengths[rows[i]]);
    return dynamicSeqLength(longest, this.maxLength, this.padToMultipleOf);
  }

  /** The plain arrays of batch `index` of `epoch` (what batches() turns into tensors). */
  batchArrays(epoch: number, index: number, order: Int32Array = this.order(epoch)): BatchArrays {
    if (!Number.isInteger(index) || index < 0 || index >= this.numBatches) throw new Error(`Batch ${index} does not exist: this loader has ${this.numBatches} per epoch.`);
    const rows = order.subarray(index * this.batchSize, Math.min(this.numRows, (index + 1) * this.batchSize));
    const size = rows.length;
    const seq = this.seqLengthOf(rows);
    const L = this.maxLength;
    const inputIds = new Int32Array(size * seq);
    const attentionMask = new Int32Array(size * seq);
    const tokenTypeIds = new Int32Array(size * seq);
    const labels = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const r = rows[i];
      const from = r * L;
      inputIds.set(this.encoded.inputIds.subarray(from, from + seq), i * seq);
      attentionMask.set(this.encoded.attentionMask.subarray(from, from + seq), i * seq);
      tokenTypeIds.set(this.encoded.tokenTypeIds.subarray(from, from + seq), i * seq);
      labels[i] = this.labels[r];
    }
    return { inputIds, attentionMask, tokenTypeIds, labels, rows: Int32Array.from(rows), size, seqLength: seq };
  }

  /**
   * The batches of `epoch` as tensors, starting at batch `startBatch` (to resume mid-epoch). Each yielded batch
   * must be disposed by the caller (disposeBatch) once used.
   */
  *batches(epoch = 0, startBatch = 0): Generator<Batch, void, undefined> {
    const order = this.order(epoch);
    for (let b = startBatch; b < this.numBatches; b++) {
      const a = this.batchArrays(epoch, b, order);
      yield {
        inputIds: tf.tensor2d(a.inputIds, [a.size, a.seqLength], "int32"),
        attentionMask: tf.tensor2d(a.attentionMask, [a.size, a.seqLength], "int32"),
        tokenTypeIds: tf.tensor2d(a.tokenTypeIds, [a.size, a.seqLength], "int32"),
        labels: tf.tensor1d(a.labels, "int32"),
      };
    }
  }

  /** Tokens of an epoch: real, with dynamic padding, and with fixed maxLength padding. */
  paddingStats(epoch = 0): PaddingStats {
    return paddingStats(this.lengths, {
      batchSize: this.batchSize,
      maxLength: this.maxLength,
      padToMultipleOf: this.padToMultipleOf,
      order: this.order(epoch),
      dropLast: this.dropLast,
    });
  }
}
