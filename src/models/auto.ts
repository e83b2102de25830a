// The Auto classes of transformers for what this library runs (BERT): AutoConfig.fromPretrained(name,
// overrides) and AutoModelForSequenceClassification.fromPretrained / fromConfig. BertForSequenceClassification
// is the one architecture here: BertConfig refuses a config.json whose model_type is not "bert", naming it.
import { BertForSequenceClassification, FromConfigOptions, FromPretrainedOptions } from "./bert";
import { BertConfig, BertConfigJson } from "./config";
import type { HubFileOptions } from "./resolve";

/** config.json keys to override (snake_case, as in transformers), plus num_labels; hub options in camelCase. */
export type AutoConfigOverrides = BertConfigJson & { num_labels?: number } & HubFileOptions;

const HUB_KEYS = ["revision", "cacheDir", "offline"] as const;

export class AutoConfig {
  /**
   * config.json of a folder or hub repo, with `overrides` applied as transformers applies from_pretrained's
   * keyword arguments: { hidden_size: 128, num_hidden_layers: 2, num_labels: 2, id2label, label2id }.
   */
  static async fromPretrained(nameOrDir: string, overrides: AutoConfigOverrides = {}): Promise<BertConfig> {
    const hub: HubFileOptions = {};
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(overrides)) {
      if ((HUB_KEYS as readonly string[]).includes(k)) (hub as Record<string, unknown>)[k] = v;
      else fields[k] = v;
    }
    const { num_labels: numLabels, id2label, label2id, ...rest } = fields as BertConfigJson & { num_labels?: number };
    const base = await BertConfig.fromPretrained(nameOrDir, hub); // refuses a model_type other than "bert"
    const merged = BertConfig.fromDict(base.raw, rest);
    return merged.withLabels({ numLabels, id2label: id2label as Record<number, string> | undefined, label2id: label2id as Record<string, number> | undefined });
  }
}

export class AutoModelForSequenceClassification {
  /**
   * Pretrained weights (model.safetensors, or pytorch_model.bin where a repo has only that) from a folder or
   * the hub, with a new classification head of `numLabels` outputs when the checkpoint has none, as
   * transformers does (it prints which weights were newly initialised).
   */
  static async fromPretrained(nameOrDir: string, opts: FromPretrainedOptions = {}): Promise<BertForSequenceClassification> {
    return BertForSequenceClassification.fromPretrained(nameOrDir, opts);
  }

  /** A randomly initialised model of `config` (transformers' _init_weights, seeded): no pretrained weights. */
  static fromConfig(config: BertConfig | BertConfigJson, opts: FromConfigOptions = {}): BertForSequenceClassification {
    return BertForSequenceClassification.fromConfig(config, opts);
  }
}
