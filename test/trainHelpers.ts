// Shared helpers of the training tests: a small learnable synthetic dataset (tokenized-rows layout of
// src/format) and a tiny BERT config with dropout on, so seeding and resuming are really exercised.
import { Rng } from "../src/random";
import type { LabeledDataset } from "../src/trainer/labeledDataset";

/** Rows [CLS] w1 … wk [SEP] pad…; label 1 when token 5 occurs more often than token 6. Lengths vary. */
export function syntheticDataset(rows: number, maxLength: number, seed: number): LabeledDataset {
  const rng = new Rng(seed);
  const inputIds = new Int32Array(rows * maxLength);
  const attentionMask = new Int32Array(rows * maxLength);
  const tokenTypeIds = new Int32Array(rows * maxLength);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const len = 4 + rng.int(maxLength - 4);
    let fives = 0;
    let sixes = 0;
    const base = r * maxLength;
    inputIds[base] = 2; // [CLS]
    for (let i = 1; i < len - 1; i++) {
      const tok = rng.next() < 0.3 ? (rng.next() < 0.5 ? 5 : 6) : 7 + rng.int(40);
      if (tok === 5) fives++;
      if (tok === 6) sixes++;
      inputIds[base + i] = tok;
    }
    inputIds[base + len - 1] = 3; // [SEP]
    for (let i = 0; i < len; i++) attentionMask[base + i] = 1;
    labels[r] = fives > sixes ? 1 : 0;
  }
  return { inputIds, attentionMask, tokenTypeIds, rows, maxLength, labels };
}

export const TINY_CONFIG = {
  vocab_size: 64,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 64,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
};

/** Runs `fn` with console.log muted (the Trainer prints its banner and load reports). */
export function silence<T>(fn: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = () => undefined;
  return fn().finally(() => (console.log = log));
}
