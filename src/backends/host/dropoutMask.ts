// The dropout mask written where the backend keeps its tensors: no array of its own to copy in, and none to
// collect (≈ 9 MB of them per quick-model step had made a tenth of the step garbage collection). On wasm the
// SIMD kernel fills it (bit for bit the same values), elsewhere the JavaScript loop of src/models/dropout.ts.
import type { tf } from "../tf";
import { fillDropoutMaskInto } from "../../models/dropout";
import { hostArrays } from "./values";
import { wasmSimdKernels } from "../wasmSimd/index";

export interface DropoutMaskAttrs {
  shape: number[];
  threshold: number;
  scale: number;
  seed: number;
}

export function dropoutMask(backend: unknown, { shape, threshold, scale, seed }: DropoutMaskAttrs): tf.TensorInfo {
  const simd = wasmSimdKernels(backend);
  const { outs, outValues } = hostArrays(backend, [shape], []);
  if (simd) simd.dropoutMask(outValues[0], threshold, scale, seed);
  else fillDropoutMaskInto(outValues[0], threshold, scale, seed);
  return outs[0];
}
