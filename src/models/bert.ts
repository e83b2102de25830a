// BertForSequenceClassification in TensorFlow.js, numerically the same as Hugging Face transformers':
// embeddings (word + token type + position, LayerNorm, dropout), N post-LayerNorm encoder layers (self-attention
// with HF's additive padding mask, exact-erf GELU feed-forward), a tanh pooler on [CLS], dropout and a linear
// classifier. Parameters keep HF names, shapes and layouts so checkpoints, gradients and exports line up.
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "../backends/tf";
import { valuesIfOnHost } from "../backends/webgpu/index";
import { writeDirAtomic, writeJsonAtomic } from "../io/atomic";
import { Rng } from "../random";
import { writeSafetensors, TensorToWrite } from "../safetensors/write";
import { formatLoadReport, LoadReport, loadCheckpoint } from "./checkpoint";
import { BertConfig, BertConfigJson, LabelOptions } from "./config";
import { attention, dropout, dropoutAddLayerNorm, type DropoutSite, embedding, layerNorm, linear, linearActivation, siteSeed } from "./ops";
import { bertParamSpecs, initParam, LAYER_PARTS, layerPrefix, ParamSpec, sizeOf } from "./params";
import { HubFileOptions, resolveModelFile, resolveWeightsFile } from "./resolve";
import { summarizeParams, SummaryRow } from "./summary";

type T = tf.Tensor;

/** torch.finfo(torch.float32).min: the additive mask value HF puts on padded key positions. */
export const FLOAT32_MIN = -3.4028234663852886e38;

export interface BertInputs {
  /** int32 [batch, seq] token ids. */
  inputIds: tf.Tensor;
  /** [batch, seq] 1 for real tokens, 0 for padding (default: all ones). */
  attentionMask?: tf.Tensor;
  /** int32 [batch, seq] segment ids (default: all zeros). */
  tokenTypeIds?: tf.Tensor;
}

export interface ForwardOptions {
  /** Apply dropout (training mode). Default false (HF's model.eval()). */
  training?: boolean;
  /**
   * Seed of this pass's dropout masks (training only): the same seed gives the same masks, so a run that
   * passes e.g. hash(runSeed, step) is reproducible and resumable. Default: drawn from the model's generator.
   */
  dropoutSeed?: number;
  /** Also return the embedding output and every layer's output ([batch, seq, hidden] each). */
  outputHiddenStates?: boolean;
  /** Also return the pooler output ([batch, hidden]). */
  outputPooledOutput?: boolean;
}

export interface BertOutput {
  /** [batch, numLabels] unnormalised class scores. */
  logits: tf.Tensor2D;
  /** numHiddenLayers + 1 tensors [batch, seq, hidden]: embeddings, then each layer (when asked for). */
  hiddenStates?: tf.Tensor3D[];
  /** [batch, hidden] tanh pooler output on the first token (when asked for). */
  pooledOutput?: tf.Tensor2D;
}

export interface FromConfigOptions extends LabelOptions {
  /** Seed of the random initialisation (default 42). */
  seed?: number;
}

export interface FromPretrainedOptions extends LabelOptions, HubFileOptions {
  /** Seed for parameters the checkpoint lacks (the classifier of a pre-trained encoder); default 42. */
  seed?: number;
  /** Re-initialise tensors whose checkpoint shape differs (e.g. a classifier with another label count). */
  ignoreMismatchedSizes?: boolean;
  /** Do not print the load report. */
  quiet?: boolean;
}

let instances = 0;

export class BertForSequenceClassification {
  readonly config: BertConfig;
  /** What fromPretrained found in the checkpoint (null for fromConfig). */
  readonly loadReport: LoadReport | null;
  private readonly specs: ParamSpec[];
  private readonly params = new Map<string, tf.Variable>();
  private readonly dropoutRng: Rng;
  private disposed = false;

  private constructor(config: BertConfig, values: Map<string, Float32Array>, seed: number, report: LoadReport | null) {
    this.config = config;
    this.loadReport = report;
    this.specs = bertParamSpecs(config);
    this.dropoutRng = new Rng(seed ^ 0x5eed);
    const prefix = `bert${++instances}`;
    try {
      for (const spec of this.specs) {
        const data = values.get(spec.name);
        if (!data) throw new Error(`internal: no value for ${spec.name}`);
        const t = tf.tensor(data, spec.shape, "float32");
        this.params.set(spec.name, tf.variable(t, true, `${prefix}/${spec.name}`));
        t.dispose();
      }
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /**
   * Loads config.json + model.safetensors (else pytorch_model.bin, either torch format, e.g. Google's
   * "google/bert_uncased_L-2_H-128_A-2") from a local folder or a Hugging Face hub repo id (e.g.
   * "bert-base-uncased"). Accepts legacy names (LayerNorm.gamma/beta, no "bert." prefix), ignores
   * pre-training heads (cls.*) and initialises an absent classifier as transformers does, printing a report.
   */
  static async fromPretrained(nameOrDir: string, opts: FromPretrainedOptions = {}): Promise<BertForSequenceClassification> {
    const hub: HubFileOptions = { revision: opts.revision, cacheDir: opts.cacheDir, offline: opts.offline };
    const config = BertConfig.fromFile(await resolveModelFile(nameOrDir, "config.json", hub)).withLabels(opts); // a non-BERT config stops here
    const weightsPath = await resolveWeightsFile(nameOrDir, hub); // model.safetensors, else pytorch_model.bin
    const seed = opts.seed ?? 42;
    const { values, report } = loadCheckpoint(weightsPath, bertParamSpecs(config), config, { seed, ignoreMismatchedSizes: opts.ignoreMismatchedSizes });
    const model = new BertForSequenceClassification(config, values, seed, report);
    if (!opts.quiet) for (const line of formatLoadReport(report)) console.warn(line);
    return model;
  }

  /** A randomly initialised model (transformers' _init_weights, seeded) for a config or config.json content. */
  static fromConfig(config: BertConfig | BertConfigJson, opts: FromConfigOptions = {}): BertForSequenceClassification {
    const base = config instanceof BertConfig ? config : BertConfig.fromDict(config);
    const cfg = base.withLabels(opts);
    const seed = opts.seed ?? 42;
    const rng = new Rng(seed);
    const values = new Map<string, Float32Array>();
    for (const spec of bertParamSpecs(cfg)) values.set(spec.name, initParam(spec, cfg, rng));
    return new BertForSequenceClassification(cfg, values, seed, null);
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error("This BertForSequenceClassification was disposed; load or create a new model");
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`internal: unknown parameter ${name}`);
    return v;
  }

  /** Parameters with their Hugging Face names, in HF order; shapes are HF's (Linear weights [out, in]). */
  namedParameters(): Array<[string, tf.Variable]> {
    this.assertAlive();
    return this.specs.map((s) => [s.name, this.p(s.name)]);
  }

  numParameters(): number {
    return this.specs.reduce((n, s) => n + sizeOf(s.shape), 0);
  }

  /** One row per block (embedding tables, each encoder layer, pooler, classifier) and a final total row. */
  summary(): SummaryRow[] {
    return summarizeParams(this.specs, this.config);
  }

  private checkInputs(inputs: BertInputs): { batch: number; seq: number } {
    const ids = inputs.inputIds;
    if (!ids || ids.rank !== 2) throw new Error(`inputIds must be an int32 tensor [batch, seq], got ${ids ? `[${ids.shape.join(", ")}]` : ids}`);
    const [batch, seq] = ids.shape;
    if (seq > this.config.maxPositionEmbeddings) {
      throw new Error(`sequence length ${seq} exceeds max_position_embeddings ${this.config.maxPositionEmbeddings}: truncate the inputs`);
    }
    for (const [k, t] of [["attentionMask", inputs.attentionMask], ["tokenTypeIds", inputs.tokenTypeIds]] as const) {
      if (t && (t.rank !== 2 || t.shape[0] !== batch || t.shape[1] !== seq)) {
        throw new Error(`${k} has shape [${t.shape.join(", ")}] but inputIds is [${batch}, ${seq}]`);
      }
    }
    // Ids out of range would silently gather zeros or garbage on some backends, so they are checked here —
    // where that is free: on webgpu, ids already on the GPU are not read back (that would wait for every
    // queued dispatch); the Trainer's and pipeline's batches are made from host arrays and always checked.
    const check = (t: tf.Tensor, limit: number, what: string) => {
      const v = valuesIfOnHost(t);
      if (!v) return;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < v.length; i++) {
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
      }
      if (v.length && (lo < 0 || hi >= limit || !Number.isInteger(lo) || !Number.isInteger(hi))) {
        throw new Error(`${what} must be integers in [0, ${limit}); found values from ${lo} to ${hi}`);
      }
    };
    check(ids, this.config.vocabSize, "inputIds (token ids, vocab_size)");
    if (inputs.tokenTypeIds) check(inputs.tokenTypeIds, this.config.typeVocabSize, "tokenTypeIds (type_vocab_size)");
    return { batch, seq };
  }

  /**
   * Runs the model on int32 [batch, seq] inputs. Returns tensors the caller owns (dispose them, or call
   * inside tf.tidy). For training, wrap loss = computeLoss(forward(..., {training: true}).logits, labels)
   * in tf.variableGrads / optimizer.minimize.
   */
  forward(inputs: BertInputs, opts: ForwardOptions = {}): BertOutput {
    this.assertAlive();
    const { batch: B, seq: S } = this.checkInputs(inputs);
    const cfg = this.config;
    const H = cfg.hiddenSize;
    const nh = cfg.numAttentionHeads;
    const dh = cfg.headSize;
    const eps = cfg.layerNormEps;
    const training = opts.training === true;
    const stepSeed = training ? (opts.dropoutSeed ?? this.dropoutRng.nextUint32()) : 0;
    let site = 0;
    /** The next dropout site's rate and seed, or null when dropout is off (sites are numbered in call order). */
    const nextSite = (rate: number): DropoutSite | null => (training && rate > 0 ? { rate, seed: siteSeed(stepSeed, site++) } : null);
    const drop = (x: T, rate: number): T => {
      const s = nextSite(rate);
      return s ? dropout(x, s) : x;
    };
    const p = (name: string) => this.p(name);

    return tf.tidy(() => {
      // Embeddings: (word + token type) + position, LayerNorm, dropout — HF's order of additions.
      const ids = inputs.inputIds.dtype === "int32" ? inputs.inputIds : tf.cast(inputs.inputIds, "int32");
      const words = embedding(p("bert.embeddings.word_embeddings.weight"), tf.reshape(ids, [B * S]));
      const ttTable = p("bert.embeddings.token_type_embeddings.weight");
      const types = inputs.tokenTypeIds
        ? embedding(ttTable, tf.reshape(tf.cast(inputs.tokenTypeIds, "int32"), [B * S]))
        : tf.slice(ttTable, [0, 0], [1, H]);
      const positions = tf.slice(p("bert.embeddings.position_embeddings.weight"), [0, 0], [S, H]);
      const summed = tf.reshape(tf.add(tf.reshape(tf.add(words, types), [B, S, H]), positions), [B * S, H]);
      let h = drop(layerNorm(summed, p("bert.embeddings.LayerNorm.weight"), p("bert.embeddings.LayerNorm.bias"), eps), cfg.hiddenDropoutProb);
      const hidden: T[] = opts.outputHiddenStates ? [tf.reshape(h, [B, S, H])] : [];

      // Additive mask [B, 1, 1, S]: 0 where attended, float32 min on padding.
      const maskBias = inputs.attentionMask
        ? tf.reshape(tf.mul(tf.sub(1, tf.cast(inputs.attentionMask, "float32")), FLOAT32_MIN), [B, 1, 1, S])
        : null;

      for (let i = 0; i < cfg.numHiddenLayers; i++) {
        const lp = layerPrefix(i);
        const w = (part: string, kind: "weight" | "bias") => p(`${lp}.${part}.${kind}`);
        // Self-attention with one fused QKV product.
        const wqkv = tf.concat([w(LAYER_PARTS.query, "weight"), w(LAYER_PARTS.key, "weight"), w(LAYER_PARTS.value, "weight")], 0);
        const bqkv = tf.concat([w(LAYER_PARTS.query, "bias"), w(LAYER_PARTS.key, "bias"), w(LAYER_PARTS.value, "bias")], 0);
        const qkv = linear(h, wqkv, bqkv); // [B*S, 3H]
        const ctx = attention(qkv, { batch: B, seq: S, heads: nh, headSize: dh }, maskBias, nextSite(cfg.attentionProbsDropoutProb));
        const attnOut = linear(ctx, w(LAYER_PARTS.attnOut, "weight"), w(LAYER_PARTS.attnOut, "bias"));
        const h1 = dropoutAddLayerNorm(attnOut, h, w(LAYER_PARTS.attnNorm, "weight"), w(LAYER_PARTS.attnNorm, "bias"), eps, nextSite(cfg.hiddenDropoutProb));
        // Feed-forward.
        const inter = linearActivation(cfg.hiddenAct, h1, w(LAYER_PARTS.intermediate, "weight"), w(LAYER_PARTS.intermediate, "bias"));
        const ffOut = linear(inter, w(LAYER_PARTS.out, "weight"), w(LAYER_PARTS.out, "bias"));
        h = dropoutAddLayerNorm(ffOut, h1, w(LAYER_PARTS.outNorm, "weight"), w(LAYER_PARTS.outNorm, "bias"), eps, nextSite(cfg.hiddenDropoutProb));
        if (opts.outputHiddenStates) hidden.push(tf.reshape(h, [B, S, H]));
      }

      // Pooler on the first ([CLS]) token, dropout, classifier.
      const first = tf.reshape(tf.slice(tf.reshape(h, [B, S, H]), [0, 0, 0], [B, 1, H]), [B, H]);
      const pooled = tf.tanh(linear(first, p("bert.pooler.dense.weight"), p("bert.pooler.dense.bias")));
      const logits = linear(drop(pooled, cfg.classifierDropout), p("classifier.weight"), p("classifier.bias")) as tf.Tensor2D;
      const out: BertOutput = { logits };
      if (opts.outputHiddenStates) out.hiddenStates = hidden as tf.Tensor3D[];
      if (opts.outputPooledOutput) out.pooledOutput = pooled as tf.Tensor2D;
      return out as unknown as tf.TensorContainerObject;
    }) as unknown as BertOutput;
  }

  /**
   * Writes the model as transformers' save_pretrained does: config.json (architectures
   * ["BertForSequenceClassification"], id2label/label2id, problem_type, every config field) and
   * model.safetensors (float32, HF names and shapes). The folder is replaced atomically; other files already
   * in it (a saved tokenizer, ...) are kept.
   */
  async savePretrained(dir: string): Promise<void> {
    this.assertAlive();
    const target = path.resolve(dir);
    const ownFile = (f: string) =>
      f === "config.json" || f === "model.safetensors" || f === "model.safetensors.index.json" || /^model-\d+-of-\d+\.safetensors$/.test(f);
    await writeDirAtomic(target, (tmp) => {
      if (fs.existsSync(target)) {
        for (const entry of fs.readdirSync(target)) {
          if (ownFile(entry) || entry.startsWith(".")) continue;
          fs.cpSync(path.join(target, entry), path.join(tmp, entry), { recursive: true });
        }
      }
      writeJsonAtomic(path.join(tmp, "config.json"), this.config.toJSON());
      const tensors: Array<[string, TensorToWrite]> = this.namedParameters().map(([name, v]) => [
        name,
        { dtype: "F32", shape: v.shape.slice(), data: v.dataSync() as Float32Array },
      ]);
      writeSafetensors(path.join(tmp, "model.safetensors"), tensors, { format: "pt" });
    });
  }

  /** Frees every parameter. The model cannot be used afterwards. */
  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
    this.disposed = true;
  }
}
