// What the ONNX modules share that needs no protobuf code: the tensor shape they pass around and the IR version
// table. Kept apart from ./onnxGraphBuilder so that the package's declaration files reach onnx-proto's (183 kB,
// which tslab parses at each notebook's first import) only through code that builds graphs.

/** A float32 tensor with its shape (row-major). */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}

/** The ONNX IR version that goes with an opset of the default domain (onnx/helper.py VERSION_TABLE). */
export function irVersionForOpset(opset: number): number {
  if (opset >= 17 && opset <= 18) return 8;
  if (opset >= 19 && opset <= 20) return 9;
  if (opset === 21) return 10;
  throw new Error(`ONNX opset ${opset} is not supported by this exporter: use 17 (the default; LayerNormalization needs >= 17) up to 21`);
}
