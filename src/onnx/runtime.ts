// Runs the classifier through ONNX Runtime (onnxruntime-node, CPU) on an in-memory ONNX export of a live
// model's current weights: the same standard-op graph exportOnnx writes (bertOnnxGraph.ts, int64 inputs),
// built from the model's variables as they are now, handed to ONNX Runtime as bytes (no file is written).
// On a CPU this is the fast inference path: ONNX Runtime's kernels use every core (the wasm backend runs one
// thread), and graph optimisation "all" fuses attention/GELU/LayerNorm. The logits equal the TensorFlow.js
// forward pass (eval mode) to float32 rounding (test/onnxRuntime.test.ts).
//
// A session holds a copy of the weights: after the model changes (a training step), build a new one.
// onnxruntime-node is loaded at the first session (it ships with @huggingface/transformers; nothing else
// in this project needs it loaded).
import * as os from "node:os";
import { readBertShape, type BertClassifierShape } from "../models/bertLayout";
import { buildBertClassifierOnnx, type FinalSepOptions } from "./bertOnnxGraph";
import { tf } from "../backends/tf";
import { modelRawConfig, type ExportableModel } from "./modelWeights";
import type { Float32Tensor } from "./versions";
import { allCores, loadOnnxRuntime, onnxRuntimeVersion, type OnnxRuntimeModule, type OrtSession, type OrtTensor } from "../backends/onnxruntime/load";

export { loadOnnxRuntime, onnxRuntimeVersion };
export type { OnnxRuntimeModule };

export type GraphOptimizationLevel = "disabled" | "basic" | "extended" | "all";

export interface OnnxSessionOptions {
  /** Intra-op threads (default os.availableParallelism(): every core). */
  intraOpNumThreads?: number;
  /** ONNX Runtime's graph optimisation level (default "all"). */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** ONNX opset of the export (default 17, as exportOnnx). */
  opset?: number;
  /**
   * Restore [SEP] on rows cut at the limit without it (see FinalSepOptions). Default none: this project's
   * tokenizer keeps [SEP] when it truncates; only ids made by transformers.js' tokenizer need it.
   */
  finalSep?: FinalSepOptions;
  /** ONNX Runtime's log level: 0 verbose … 3 error (default), 4 fatal. */
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /** Further InferenceSession options, merged last (e.g. { enableCpuMemArena: false }). */
  sessionOptions?: Record<string, unknown>;
}

/** An encoded set of rows (BertTokenizerFast.encodeBatch's output, or a tokenized dataset split). */
export interface EncodedRows {
  /** Row-major [rows, maxLength]. */
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds?: Int32Array | null;
  rows: number;
  maxLength: number;
}

export interface PredictOptions {
  /** Rows per ONNX Runtime call (default 16). */
  batchSize?: number;
  /** Cut each batch to its longest attended row (the logits do not change; less work on padded rows). Default true. */
  trimPadding?: boolean;
}

/** How long building the session took (the export of the weights, and ONNX Runtime's load + optimisation). */
export interface OnnxSessionTimings {
  exportMs: number;
  createMs: number;
  modelBytes: number;
}

const LITTLE_ENDIAN = os.endianness() === "LE";

/** int32 → int64 without a BigInt per element (on little-endian hosts: low word = value, high word = sign). */
function toInt64(a: Int32Array, start = 0, end = a.length): BigInt64Array {
  const n = end - start;
  const out = new BigInt64Array(n);
  if (LITTLE_ENDIAN) {
    const words = new Int32Array(out.buffer);
    for (let i = 0; i < n; i++) {
      const v = a[start + i];
      words[2 * i] = v;
      words[2 * i + 1] = v >> 31;
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = BigInt(a[start + i]);
  }
  return out;
}

/** The model's parameters by HF name, read asynchronously (no synchronous GPU read on webgpu). */
async function readWeights(model: ExportableModel): Promise<Map<string, Float32Tensor>> {
  const out = new Map<string, Float32Tensor>();
  for (const [name, v] of model.namedParameters()) {
    if (v.dtype !== "float32") throw new Error(`parameter ${name} has dtype ${v.dtype}; the ONNX export needs float32`);
    out.set(name, { shape: v.shape.slice(), data: (await v.data()) as Float32Array });
  }
  return out;
}

function sessionOptions(opts: OnnxSessionOptions): { threads: number; options: Record<string, unknown> } {
  const threads = opts.intraOpNumThreads ?? allCores();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`intraOpNumThreads must be an integer >= 1, got ${threads}`);
  return {
    threads,
    options: {
      executionProviders: ["cpu"],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: opts.graphOptimizationLevel ?? "all",
      logSeverityLevel: opts.logSeverityLevel ?? 3,
      ...opts.sessionOptions,
    },
  };
}

/** BertForSequenceClassification's logits through ONNX Runtime (CPU). Build with fromModel; dispose when done. */
export class OnnxClassifierSession {
  private session: OrtSession | null;

  private constructor(
    session: OrtSession,
    /** The model's shape (vocab, positions, labels, ...) as exported. */
    readonly shape: BertClassifierShape,
    /** ONNX Runtime's intra-op threads. */
    readonly threads: number,
    readonly timings: OnnxSessionTimings,
  ) {
    this.session = session;
  }

  /** Labels per row of the logits. */
  get numLabels(): number {
    return this.shape.numLabels;
  }

  /**
   * Exports `model`'s current weights to ONNX in memory and opens an ONNX Runtime session on them. Later
   * changes to the model are not seen: make a new session (and dispose this one).
   */
  static async fromModel(model: ExportableModel, opts: OnnxSessionOptions = {}): Promise<OnnxClassifierSession> {
    const ort = loadOnnxRuntime();
    const t0 = performance.now();
    const shape = readBertShape(modelRawConfig(model), "model.config");
    const bytes = buildBertClassifierOnnx(shape, await readWeights(model), {
      opset: opts.opset ?? 17,
      producerVersion: "in-memory",
      finalSep: opts.finalSep,
      metadata: { source: "tfjs model (in memory, onnxruntime session)" },
    });
    const t1 = performance.now();
    const { threads, options } = sessionOptions(opts);
    const session = await ort.InferenceSession.create(bytes, options);
    const t2 = performance.now();
    return new OnnxClassifierSession(session, shape, threads, { exportMs: t1 - t0, createMs: t2 - t1, modelBytes: bytes.length });
  }

  private live(): OrtSession {
    if (!this.session) throw new Error("This OnnxClassifierSession was disposed; create a new one with OnnxClassifierSession.fromModel");
    return this.session;
  }

  /**
   * Logits [batch, numLabels] (row-major) of int32 row-major [batch, seqLen] inputs; tokenTypeIds null = all
   * zeros. Ids are checked against the vocabulary and seqLen against max_position_embeddings.
   */
  async logits(inputIds: Int32Array, attentionMask: Int32Array, tokenTypeIds: Int32Array | null, batch: number, seqLen: number): Promise<Float32Array> {
    const session = this.live();
    if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(seqLen) || seqLen < 1) {
      throw new RangeError(`batch and seqLen must be integers >= 1, got ${batch} and ${seqLen}`);
    }
    const n = batch * seqLen;
    for (const [what, a] of [["inputIds", inputIds], ["attentionMask", attentionMask], ["tokenTypeIds", tokenTypeIds]] as const) {
      if (a && a.length !== n) throw new RangeError(`${what} has ${a.length} values, expected batch × seqLen = ${batch} × ${seqLen} = ${n}`);
    }
    if (seqLen > this.shape.maxPositionEmbeddings) {
      throw new RangeError(`sequence length ${seqLen} exceeds max_position_embeddings ${this.shape.maxPositionEmbeddings}: truncate the inputs`);
    }
    const checkRange = (a: Int32Array, limit: number, what: string) => {
      for (let i = 0; i < a.length; i++) {
        const v = a[i];
        if (v < 0 || v >= limit) throw new RangeError(`${what} must be in [0, ${limit}); found ${v} at index ${i}`);
      }
    };
    checkRange(inputIds, this.shape.vocabSize, "inputIds (token ids, vocab_size)");
    if (tokenTypeIds) checkRange(tokenTypeIds, this.shape.typeVocabSize, "tokenTypeIds (type_vocab_size)");
    return this.run(session, inputIds, attentionMask, tokenTypeIds, batch, seqLen);
  }

  /**
   * Logits of every row of an encoded set, `batchSize` rows per call: Float32Array [rows, numLabels].
   * With trimPadding (default) each batch is cut to its longest attended row first.
   */
  async predict(enc: EncodedRows, opts: PredictOptions = {}): Promise<Float32Array> {
    const batchSize = opts.batchSize ?? 16;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
    const { rows, maxLength: L } = enc;
    const out = new Float32Array(rows * this.numLabels);
    for (let start = 0; start < rows; start += batchSize) {
      const b = Math.min(batchSize, rows - start);
      let seq = L;
      if (opts.trimPadding !== false) {
        seq = 1;
        for (let r = start; r < start + b; r++) {
          for (let s = L - 1; s >= seq; s--) {
            if (enc.attentionMask[r * L + s] !== 0) {
              seq = s + 1;
              break;
            }
          }
        }
      }
      const pick = (a: Int32Array): Int32Array => {
        if (seq === L) return a.subarray(start * L, (start + b) * L);
        const t = new Int32Array(b * seq);
        for (let r = 0; r < b; r++) t.set(a.subarray((start + r) * L, (start + r) * L + seq), r * seq);
        return t;
      };
      const logits = await this.logits(pick(enc.inputIds), pick(enc.attentionMask), enc.tokenTypeIds ? pick(enc.tokenTypeIds) : null, b, seq);
      out.set(logits, start * this.numLabels);
    }
    return out;
  }

  private async run(session: OrtSession, ids: Int32Array, mask: Int32Array, types: Int32Array | null, batch: number, seqLen: number): Promise<Float32Array> {
    const ort = loadOnnxRuntime();
    const dims = [batch, seqLen];
    const out = await session.run({
      input_ids: new ort.Tensor("int64", toInt64(ids), dims),
      attention_mask: new ort.Tensor("int64", toInt64(mask), dims),
      token_type_ids: new ort.Tensor("int64", types ? toInt64(types) : new BigInt64Array(batch * seqLen), dims),
    });
    const logits = out.logits;
    if (!logits || !(logits.data instanceof Float32Array)) throw new Error("internal: the ONNX session returned no float32 logits");
    if (logits.dims[0] !== batch || logits.dims[1] !== this.numLabels) {
      throw new Error(`internal: logits of shape [${logits.dims.join(", ")}], expected [${batch}, ${this.numLabels}]`);
    }
    return new Float32Array(logits.data);
  }

  /** Releases ONNX Runtime's session (its copy of the weights). Calling it again does nothing. */
  async dispose(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await s.release();
  }
}

/**
 * Why this session should not run `model` here, or null when it should: only on the CPU backends (wasm, cpu),
 * where it is faster than TensorFlow.js, for a BERT classifier with the exact GELU the export writes, when
 * onnxruntime-node is installed. Used by the Trainer's prediction loop and pipeline().
 */
export function onnxRuntimeUnavailable(model: unknown): string | null {
  const backend = tf.getBackend();
  if (backend !== "wasm" && backend !== "cpu") return `the ${backend} backend runs the model itself`;
  let raw: Record<string, unknown>;
  try {
    raw = modelRawConfig(model as unknown as ExportableModel);
  } catch {
    return "the model is not a BERT classifier this library can export";
  }
  const act = raw.hidden_act ?? "gelu";
  if (act !== "gelu") return `hidden_act ${JSON.stringify(act)} has no ONNX export here`;
  try {
    require.resolve("onnxruntime-node");
  } catch {
    return "onnxruntime-node is not installed";
  }
  return null;
}
