// A per-block parameter table of the model (embedding tables, each encoder layer, pooler, classifier, total),
// for display in the notebooks; bert-base-uncased with a 2-label classifier totals 109,483,778.
import { BertConfig } from "./config";
import { ParamSpec, sizeOf } from "./params";

export interface SummaryRow {
  /** Block name in Hugging Face's module naming (e.g. "bert.encoder.layer.0"), or "total". */
  name: string;
  /** Shapes of the block's weights, e.g. "[30522, 768]" or a description for composite blocks. */
  shape: string;
  /** Number of parameters of the block. */
  params: number;
}

const shapeText = (s: number[]) => `[${s.join(", ")}]`;

export function summarizeParams(specs: ParamSpec[], config: BertConfig): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const byName = new Map(specs.map((s) => [s.name, s]));
  const sum = (pred: (s: ParamSpec) => boolean) => specs.filter(pred).reduce((n, s) => n + sizeOf(s.shape), 0);
  for (const table of ["word_embeddings", "position_embeddings", "token_type_embeddings"]) {
    const s = byName.get(`bert.embeddings.${table}.weight`)!;
    rows.push({ name: `bert.embeddings.${table}`, shape: shapeText(s.shape), params: sizeOf(s.shape) });
  }
  rows.push({
    name: "bert.embeddings.LayerNorm",
    shape: `weight ${shapeText([config.hiddenSize])} + bias ${shapeText([config.hiddenSize])}`,
    params: sum((s) => s.name.startsWith("bert.embeddings.LayerNorm.")),
  });
  const h = config.hiddenSize;
  const inter = config.intermediateSize;
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const prefix = `bert.encoder.layer.${i}.`;
    rows.push({
      name: `bert.encoder.layer.${i}`,
      shape: `attention q/k/v/out 4×${shapeText([h, h])}, feed-forward ${shapeText([inter, h])} + ${shapeText([h, inter])}, 2 LayerNorm, biases`,
      params: sum((s) => s.name.startsWith(prefix)),
    });
  }
  const pool = byName.get("bert.pooler.dense.weight")!;
  rows.push({ name: "bert.pooler.dense", shape: `${shapeText(pool.shape)} + bias ${shapeText([pool.shape[0]])}`, params: sum((s) => s.name.startsWith("bert.pooler.")) });
  const cls = byName.get("classifier.weight")!;
  rows.push({ name: "classifier", shape: `${shapeText(cls.shape)} + bias ${shapeText([cls.shape[0]])}`, params: sum((s) => s.name.startsWith("classifier.")) });
  rows.push({ name: "total", shape: "", params: sum(() => true) });
  return rows;
}
