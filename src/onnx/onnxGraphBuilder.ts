// A small helper to assemble an ONNX graph (nodes, initializers, typed inputs/outputs) and serialise it with
// the protobuf definitions of ONNX's onnx.proto (npm `onnx-proto`, protobufjs generated code).
import { onnx } from "onnx-proto";
import { irVersionForOpset, type Float32Tensor } from "./versions";

/** True on little-endian hosts (ONNX raw_data is little-endian). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export type OnnxAttribute = onnx.IAttributeProto;

export const intAttr = (name: string, i: number): OnnxAttribute => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
export const floatAttr = (name: string, f: number): OnnxAttribute => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });
export const intsAttr = (name: string, ints: number[]): OnnxAttribute => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });

/** A dimension of a graph input/output: a fixed size or a symbolic name such as "batch_size". */
export type OnnxDim = number | string;

export interface OnnxValueSpec {
  name: string;
  elemType: onnx.TensorProto.DataType;
  dims: OnnxDim[];
}

/** Little-endian bytes of a float32 array as a Buffer view (a copy only on big-endian hosts). */
function leBytesF32(data: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const copy = Buffer.alloc(data.byteLength);
  data.forEach((v, i) => copy.writeFloatLE(v, i * 4));
  return copy;
}

function leBytesI64(values: number[]): Buffer {
  const buf = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => buf.writeBigInt64LE(BigInt(v), i * 8));
  return buf;
}

export class OnnxGraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly opCounts = new Map<string, number>();

  /** Reserves a unique value name based on `base`. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Adds a float32 initializer (raw_data, little-endian) and returns its name. */
  addFloat(name: string, dims: number[], data: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`initializer ${name}: ${data.length} values for dims [${dims.join(", ")}]`);
    const n = this.uniqueName(name);
    this.initializers.push({ name: n, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: leBytesF32(data) });
    return n;
  }

  /** Adds a float32 scalar constant. */
  addFloatScalar(name: string, value: number): string {
    return this.addFloat(name, [], new Float32Array([value]));
  }

  /** Adds an int64 constant: a 1-D tensor, or a scalar when `scalar` is true. */
  addInt64(name: string, values: number[], scalar = false): string {
    if (scalar && values.length !== 1) throw new Error(`scalar initializer ${name} needs exactly one value`);
    const n = this.uniqueName(name);
    this.initializers.push({ name: n, dims: scalar ? [] : [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: leBytesI64(values) });
    return n;
  }

  /** Adds a node with one output and returns the output's name. `scope` prefixes node and output names. */
  op(opType: string, inputs: string[], scope: string, attrs: OnnxAttribute[] = []): string {
    const count = (this.opCounts.get(`${scope}/${opType}`) ?? 0) + 1;
    this.opCounts.set(`${scope}/${opType}`, count);
    const nodeName = `${scope}/${opType}${count > 1 ? `_${count - 1}` : ""}`;
    const output = this.uniqueName(`${nodeName}_output_0`);
    this.nodes.push({ name: nodeName, opType, input: inputs, output: [output], attribute: attrs });
    return output;
  }

  /** Renames the output of the node that produced `value` (used to give graph outputs their public name). */
  renameOutput(value: string, name: string): string {
    const node = this.nodes.find((n) => n.output?.[0] === value);
    if (!node || !node.output) throw new Error(`no node produces ${value}`);
    if (this.names.has(name)) throw new Error(`value name ${name} is already used`);
    this.names.add(name);
    node.output[0] = name;
    return name;
  }

  /** Serialises the graph as an ONNX ModelProto. */
  encode(opts: {
    graphName: string;
    inputs: OnnxValueSpec[];
    outputs: OnnxValueSpec[];
    opset: number;
    producerName: string;
    producerVersion: string;
    docString?: string;
    metadata?: Record<string, string>;
  }): Uint8Array {
    const valueInfo = (v: OnnxValueSpec): onnx.IValueInfoProto => ({
      name: v.name,
      type: {
        tensorType: {
          elemType: v.elemType,
          shape: { dim: v.dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
    const model: onnx.IModelProto = {
      irVersion: irVersionForOpset(opts.opset),
      opsetImport: [{ domain: "", version: opts.opset }],
      producerName: opts.producerName,
      producerVersion: opts.producerVersion,
      docString: opts.docString ?? "",
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: opts.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: opts.inputs.map(valueInfo),
        output: opts.outputs.map(valueInfo),
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}
