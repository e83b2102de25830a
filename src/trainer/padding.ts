// Padding arithmetic shared by BatchLoader and the padding benchmark: the width of a dynamically padded batch
// and the token counts of an epoch under fixed vs dynamic padding, from row lengths alone.

/** Width of a batch whose longest row has `longest` tokens: rounded up to `multiple`, at most maxLength. */
export function dynamicSeqLength(longest: number, maxLength: number, multiple = 8): number {
  return Math.min(maxLength, Math.max(multiple, Math.ceil(longest / multiple) * multiple));
}

export interface PaddingStats {
  /** Real (non-pad) tokens, after truncation to maxLength. */
  realTokens: number;
  /** Tokens computed on with dynamic padding (rows × batch width, summed over batches). */
  dynamicTokens: number;
  /** Tokens computed on when every batch is maxLength wide. */
  fixedTokens: number;
  /** Mean batch width with dynamic padding. */
  meanSeqLength: number;
  batches: number;
}

/**
 * Token counts of one epoch: `lengths` are real row lengths (longer rows count as maxLength, i.e. truncated),
 * batched in `order` (default: row order) by `batchSize`, last partial batch kept unless dropLast.
 */
export function paddingStats(
  lengths: ArrayLike<number>,
  opts: { batchSize: number; maxLength: number; padToMultipleOf?: number; order?: ArrayLike<number>; dropLast?: boolean },
): PaddingStats {
  const n = lengths.length;
  const order = opts.order ?? Int32Array.from({ length: n }, (_, i) => i);
  const batches = opts.dropLast ? Math.floor(n / opts.batchSize) : Math.ceil(n / opts.batchSize);
  let real = 0;
  let dynamic = 0;
  let fixed = 0;
  let seqSum = 0;
  for (let b = 0; b < batches; b++) {
    const end = Math.min(n, (b + 1) * opts.batchSize);
    let longest = 0;
    for (let i = b * opts.batchSize; i < end; i++) {
      const len = Math.min(lengths[order[i]], opts.maxLength);
      real += len;
      if (len > longest) longest = len;
    }
    const rows = end - b * opts.batchSize;
    const seq = dynamicSeqLength(longest, opts.maxLength, opts.padToMultipleOf ?? 8);
    dynamic += rows * seq;
    fixed += rows * opts.maxLength;
    seqSum += seq;
  }
  return { realTokens: real, dynamicTokens: dynamic, fixedTokens: fixed, meanSeqLength: batches ? seqSum / batches : 0, batches };
}

/**
 * HF's LengthGroupedSampler order (Trainer `group_by_length`): a random permutation cut into megabatches of
 * `megabatchMult` × batchSize rows (megabatchMult = min(n / (4 × batchSize), 50), at least 1), each sorted by
 * length, longest first, with the longest megabatch head swapped to the very front (so an out-of-memory shows
 * up at once). Batches then hold rows of similar length, which is what makes dynamic padding pay off.
 */
export function lengthGroupedOrder(lengths: ArrayLike<number>, batchSize: number, permutation: Int32Array): Int32Array {
  const n = lengths.length;
  const mult = Math.max(1, Math.min(Math.floor(n / (batchSize * 4)), 50));
  const size = mult * batchSize;
  const out = Int32Array.from(permutation);
  const heads: number[] = [];
  for (let start = 0; start < n; start += size) {
    const mega = out.subarray(start, Math.min(n, start + size));
    const sorted = Array.from(mega).sort((a, b) => lengths[b] - lengths[a]); // stable: ties keep the random order
    mega.set(sorted);
    heads.push(start);
  }
  let best = 0;
  for (let m = 1; m < heads.length; m++) if (lengths[out[heads[m]]] > lengths[out[heads[best]]]) best = m;
  const tmp = out[0];
  out[0] = out[heads[best]];
  out[heads[best]] = tmp;
  return out;
}
