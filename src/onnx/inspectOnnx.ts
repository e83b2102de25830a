// Reads an ONNX file back (with ONNX's protobuf definitions) and summarises what a consumer relies on:
// IR version, opsets, typed inputs/outputs with their symbolic dims, operators used, how weights are stored.
import * as fs from "node:fs";
import { onnx } from "onnx-proto";

export interface OnnxValueSummary {
  name: string;
  /** ONNX TensorProto.DataType name, e.g. "INT64", "FLOAT". */
  elemType: string;
  /** Fixed sizes as numbers, symbolic dims by name ("batch_size"). */
  dims: Array<number | string>;
}

export interface OnnxSummary {
  irVersion: number;
  /** domain ("" = default ONNX domain) → opset version. */
  opsets: Record<string, number>;
  producerName: string;
  inputs: OnnxValueSummary[];
  outputs: OnnxValueSummary[];
  /** Operator type → number of nodes. */
  ops: Record<string, number>;
  numInitializers: number;
  /** Number of float32 weights stored in initializers. */
  numFloatWeights: number;
  /** True when every initializer keeps its data in raw_data (little-endian bytes). */
  allRawData: boolean;
  fileBytes: number;
  /** The model's metadata_props (key → value). */
  metadata: Record<string, string>;
}

const toNum = (v: number | Long | null | undefined): number => (v == null ? 0 : typeof v === "number" ? v : Number(v.toString()));
type Long = { toString(): string };

function valueSummary(v: onnx.IValueInfoProto): OnnxValueSummary {
  const t = v.type?.tensorType;
  return {
    name: v.name ?? "",
    elemType: onnx.TensorProto.DataType[t?.elemType ?? 0] ?? String(t?.elemType),
    dims: (t?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : toNum(d.dimValue))),
  };
}

/** Decodes `file` and summarises it; throws if it is not a parseable ONNX model. */
export function inspectOnnx(file: string): OnnxSummary {
  const bytes = fs.readFileSync(file);
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new Error(`${file} is not a valid ONNX model (${(err as Error).message}); export it again with exportOnnx`);
  }
  const graph = model.graph;
  if (!graph) throw new Error(`${file} has no graph; export it again with exportOnnx`);
  const nodes = graph.node ?? [];
  const initializers = graph.initializer ?? [];
  const ops: Record<string, number> = {};
  for (const n of nodes) ops[n.opType ?? ""] = (ops[n.opType ?? ""] ?? 0) + 1;
  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport) opsets[o.domain ?? ""] = toNum(o.version);
  let numFloatWeights = 0;
  let allRawData = true;
  for (const t of initializers) {
    const count = (t.dims ?? []).reduce<number>((a, d) => a * toNum(d), 1);
    if (t.dataType === onnx.TensorProto.DataType.FLOAT) numFloatWeights += count;
    if (!t.rawData || t.rawData.length === 0) allRawData = false;
  }
  const initNames = new Set(initializers.map((t) => t.name));
  return {
    irVersion: toNum(model.irVersion),
    opsets,
    producerName: model.producerName,
    inputs: (graph.input ?? []).filter((i) => !initNames.has(i.name)).map(valueSummary),
    outputs: (graph.output ?? []).map(valueSummary),
    ops,
    numInitializers: initializers.length,
    numFloatWeights,
    allRawData,
    fileBytes: bytes.length,
    metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""])),
  };
}
