// The config.json of a fine-tuned sentiment classifier as Python transformers and transformers.js read it:
// the model's own config fields plus the classification head's metadata (architectures, id2label, label2id,
// problem_type) and the format version.
import { numLabelsOf } from "./bertLayout";

/** The Python transformers version whose save_pretrained layout this project writes (see ../shared/golden). */
export const TRANSFORMERS_FORMAT_VERSION = "5.17.0";

/** IMDb's labels: 0 = negative review, 1 = positive review. */
export const IMDB_ID2LABEL: Record<string, string> = { "0": "NEGATIVE", "1": "POSITIVE" };

/** Fields of a config that only describe how it was trained or loaded, dropped from the saved file. */
const DROPPED_FIELDS = ["_name_or_path", "return_dict", "output_hidden_states", "output_attentions"];

/** Checks that id2label has the keys "0".."n-1" with distinct non-empty names; returns its normalised copy. */
export function checkId2label(id2label: Record<string, string>, numLabels: number): Record<string, string> {
  const keys = Object.keys(id2label);
  const out: Record<string, string> = {};
  for (let i = 0; i < numLabels; i++) {
    const name = id2label[String(i)];
    if (typeof name !== "string" || name.length === 0) {
      throw new Error(`id2label must name every class 0..${numLabels - 1}; class ${i} is ${JSON.stringify(name)} (got keys ${JSON.stringify(keys)})`);
    }
    out[String(i)] = name;
  }
  if (keys.length !== numLabels) throw new Error(`id2label has ${keys.length} entries but the classifier has ${numLabels} outputs`);
  if (new Set(Object.values(out)).size !== numLabels) throw new Error(`id2label names must be distinct, got ${JSON.stringify(out)}`);
  return out;
}

/**
 * Builds the saved config.json from the model's raw HF config. Labels: `id2label` if given, else the model's
 * own id2label unless it is HF's default LABEL_i, else NEGATIVE/POSITIVE for a 2-class model.
 */
export function fineTunedConfig(raw: Record<string, unknown>, opts: { numLabels?: number; id2label?: Record<string, string> } = {}): Record<string, unknown> {
  const numLabels = opts.numLabels ?? numLabelsOf(raw);
  let id2label = opts.id2label;
  if (!id2label) {
    const own = raw.id2label as Record<string, string> | undefined;
    const isDefault = !own || Object.entries(own).every(([k, v]) => v === `LABEL_${k}`);
    if (!isDefault && own && Object.keys(own).length === numLabels) id2label = own;
    else if (numLabels === 2) id2label = IMDB_ID2LABEL;
    else id2label = Object.fromEntries(Array.from({ length: numLabels }, (_, i) => [String(i), `LABEL_${i}`]));
  }
  id2label = checkId2label(id2label, numLabels);
  const label2id = Object.fromEntries(Object.entries(id2label).map(([k, v]) => [v, Number(k)]));
  const config: Record<string, unknown> = { ...raw };
  for (const f of DROPPED_FIELDS) delete config[f];
  delete config.num_labels; // derived from id2label by every reader
  Object.assign(config, {
    architectures: ["BertForSequenceClassification"],
    model_type: "bert",
    id2label,
    label2id,
    problem_type: numLabels === 1 ? "regression" : "single_label_classification",
    dtype: "float32",
    transformers_version: TRANSFORMERS_FORMAT_VERSION,
  });
  // Stable key order, as Python's json.dumps(sort_keys=True) in save_pretrained writes it.
  return Object.fromEntries(Object.keys(config).sort().map((k) => [k, config[k]]));
}
