// The text-classification ("sentiment-analysis") pipeline over an in-memory TensorFlow.js model and its
// tokenizer: validates inputs, tokenizes in chunks (truncating to maxLength with [SEP] kept, as HF Python
// does), batches rows of similar length to limit padding, runs the model in inference mode and returns
// one { label, score } per input, in input order.
import { tf } from "../backends/tf";
import { progressBar } from "../progress";
import { checkTexts } from "./checkTexts";
import { scoreFunctionFor, scoreRow, type ClassificationResult, type ScoreFunction } from "./scoreLogits";

/** What the pipeline needs from the tokenizer (src/tokenize). */
export interface PipelineTokenizer {
  encodeBatch(
    texts: string[],
    opts: { maxLength: number },
  ): Promise<{ inputIds: Int32Array; attentionMask: Int32Array; tokenTypeIds: Int32Array; rows: number; maxLength: number }>;
}

/** What the pipeline needs from the model (src/model BertForSequenceClassification). */
export interface PipelineModel {
  forward(
    inputs: { inputIds: tf.Tensor2D; attentionMask: tf.Tensor2D; tokenTypeIds: tf.Tensor2D },
    opts?: { training?: boolean },
  ): { logits: tf.Tensor };
}

export interface TextClassifierOptions {
  model: PipelineModel;
  tokenizer: PipelineTokenizer;
  /** Class names by index ("0" → "NEGATIVE"); missing ones are named LABEL_i. */
  id2label?: Record<string, string>;
  numLabels: number;
  /** Tokens per input after truncation, [CLS] and [SEP] included (at most the model's max positions). */
  maxLength: number;
  /** Rows per forward pass (default 16). */
  batchSize?: number;
  /** config.problem_type: "multi_label_classification" switches the score to a sigmoid. */
  problemType?: string | null;
  /**
   * Computes a batch's logits [rows, numLabels] (row-major) from int32 [rows, width] inputs instead of
   * model.forward — the ONNX Runtime session pipeline() opens on the CPU backends.
   */
  runLogits?: (inputIds: Int32Array, attentionMask: Int32Array, tokenTypeIds: Int32Array, rows: number, width: number) => Promise<Float32Array>;
}

export interface ClassifyCallOptions {
  /** Show a progress bar (default: when classifying 256 texts or more). */
  progress?: boolean;
}

export interface TextClassifier {
  (input: string | string[], opts?: ClassifyCallOptions): Promise<ClassificationResult[]>;
  readonly task: "text-classification";
  readonly maxLength: number;
  readonly batchSize: number;
  readonly id2label: Record<string, string>;
  readonly scoreFunction: ScoreFunction;
  readonly model: PipelineModel;
  readonly tokenizer: PipelineTokenizer;
}

/** Texts tokenized per encodeBatch call (bounds memory for long lists). */
const TOKENIZE_CHUNK = 1024;

/** Logits of one batch through the TensorFlow.js model. */
async function forwardLogits(model: PipelineModel, ids: Int32Array, mask: Int32Array, types: Int32Array, n: number, width: number, numLabels: number): Promise<Float32Array> {
  const logits = tf.tidy(() => {
    const shape: [number, number] = [n, width];
    return model.forward({ inputIds: tf.tensor2d(ids, shape, "int32"), attentionMask: tf.tensor2d(mask, shape, "int32"), tokenTypeIds: tf.tensor2d(types, shape, "int32") }, { training: false }).logits;
  });
  try {
    if (logits.shape.length !== 2 || logits.shape[0] !== n || logits.shape[1] !== numLabels) {
      throw new Error(`the model returned logits of shape [${logits.shape.join(", ")}], expected [${n}, ${numLabels}]`);
    }
    return (await logits.data()) as Float32Array;
  } finally {
    logits.dispose();
  }
}

/** Builds the pipeline function over a model and tokenizer already in memory. */
export function createTextClassifier(opts: TextClassifierOptions): TextClassifier {
  const batchSize = opts.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(opts.maxLength) || opts.maxLength < 2) throw new RangeError(`maxLength must be an integer >= 2 (room for [CLS] and [SEP]), got ${opts.maxLength}`);
  const numLabels = opts.numLabels;
  const id2label: Record<string, string> = {};
  for (let i = 0; i < numLabels; i++) id2label[String(i)] = opts.id2label?.[String(i)] ?? `LABEL_${i}`;
  const fn = scoreFunctionFor(opts.problemType, numLabels);

  async function classify(input: string | string[], callOpts: ClassifyCallOptions = {}): Promise<ClassificationResult[]> {
    const texts = checkTexts(input, "text-classification pipeline");
    const results: ClassificationResult[] = new Array(texts.length);
    if (texts.length === 0) return results;
    const bar = (callOpts.progress ?? texts.length >= 256) ? progressBar({ total: texts.length, description: "classifying", unit: "text" }) : null;
    try {
      for (let start = 0; start < texts.length; start += TOKENIZE_CHUNK) {
        const chunk = texts.slice(start, start + TOKENIZE_CHUNK);
        const enc = await opts.tokenizer.encodeBatch(chunk, { maxLength: opts.maxLength });
        const stride = enc.maxLength;
        if (enc.rows !== chunk.length) throw new Error(`the tokenizer returned ${enc.rows} rows for ${chunk.length} texts`);
        // Real length of each row (right padding: the last attended position + 1).
        const lengths = new Int32Array(chunk.length);
        for (let r = 0; r < chunk.length; r++) {
          let len = 0;
          for (let c = 0; c < stride; c++) if (enc.attentionMask[r * stride + c] !== 0) len = c + 1;
          lengths[r] = len;
        }
        // Longest first, so batches hold rows of similar length and a too-large batch fails at once.
        const order = Array.from(chunk, (_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
        for (let b0 = 0; b0 < order.length; b0 += batchSize) {
          const rows = order.slice(b0, b0 + batchSize);
          const width = Math.max(1, lengths[rows[0]]);
          const ids = new Int32Array(rows.length * width);
          const mask = new Int32Array(rows.length * width);
          const types = new Int32Array(rows.length * width);
          rows.forEach((r, i) => {
            ids.set(enc.inputIds.subarray(r * stride, r * stride + width), i * width);
            mask.set(enc.attentionMask.subarray(r * stride, r * stride + width), i * width);
            types.set(enc.tokenTypeIds.subarray(r * stride, r * stride + width), i * width);
          });
          const values = opts.runLogits
            ? await opts.runLogits(ids, mask, types, rows.length, width)
            : await forwardLogits(opts.model, ids, mask, types, rows.length, width, numLabels);
          if (values.length !== rows.length * numLabels) throw new Error(`the model returned ${values.length} logits for ${rows.length} rows × ${numLabels} labels`);
          rows.forEach((r, i) => {
            results[start + r] = scoreRow(values, i * numLabels, numLabels, fn, id2label);
          });
          bar?.tick(rows.length);
        }
      }
    } finally {
      bar?.close();
    }
    return results;
  }

  return Object.assign(classify, {
    task: "text-classification" as const,
    maxLength: opts.maxLength,
    batchSize,
    id2label,
    scoreFunction: fn,
    model: opts.model,
    tokenizer: opts.tokenizer,
  });
}
