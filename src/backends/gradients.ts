// Faster gradient functions, registered over TensorFlow.js' defaults for every backend:
//  - GatherV2 (embedding lookups): the default sums rows with UnsortedSegmentSum, which takes minutes and
//    tens of GB on the cpu backend for a 30,522-row table and does not exist on wasm; ScatterNd sums
//    duplicate indices the same way in milliseconds.
//  - BatchMatMul: on wasm only a rank-2, untransposed product reaches XNNPACK's fast kernel (≈28 GFLOP/s
//    against ≈1.5 with a transpose flag), so the gradient products transpose their operands explicitly there.
// This module receives tf as a parameter (tf.ts calls it at load time), so it imports only tf's types.
import type * as TfLib from "@tensorflow/tfjs-core";

type Tf = typeof TfLib;
type Tensor = TfLib.Tensor;

/** True when explicit transposes + a plain product beat transpose flags (the wasm backend). */
export function preferExplicitTranspose(tf: Tf): boolean {
  return tf.getBackend() === "wasm";
}

/**
 * matMul(a, b, transposeA, transposeB), choosing per backend between transpose flags and explicit transposes
 * of rank-2 operands (wasm's fast path needs plain rank-2 products).
 */
export function matMulWith(tf: Tf, a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  if ((transposeA || transposeB) && a.rank === 2 && b.rank === 2 && preferExplicitTranspose(tf)) {
    return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));
  }
  return tf.matMul(a, b, transposeA, transposeB);
}

/** Sums `grad` over broadcast leading dimensions so it takes `shape` (the tfjs default grad does not). */
function reduceToShape(tf: Tf, grad: Tensor, shape: number[]): Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const extra = grad.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.rank; i++) {
    const target = i < extra ? 1 : shape[i - extra];
    if (i < extra || (target === 1 && grad.shape[i] !== 1)) axes.push(i);
  }
  return tf.reshape(tf.sum(grad, axes, true), shape);
}

function range(start: number, stop: number): number[] {
  const out: number[] = [];
  for (let i = start; i < stop; i++) out.push(i);
  return out;
}

let ours: TfLib.GradConfig[] | null = null;

/**
 * Registers the gradient functions above, and registers them again if something replaced them since: a second
 * copy of @tensorflow/tfjs (danfojs-node loads one through its "@tensorflow/tfjs-node" dependency, which
 * package.json maps to plain tfjs) re-registers tfjs' default gradients in the shared registry when it loads.
 * Cheap enough to call before every gradient computation.
 */
export function registerFastGradients(tf: Tf): true {
  if (!ours) ours = fastGradientConfigs(tf);
  for (const g of ours) {
    if (tf.getGradient(g.kernelName)?.gradFunc !== g.gradFunc) tf.registerGradient(g);
  }
  return true;
}

function fastGradientConfigs(tf: Tf): TfLib.GradConfig[] {
  const configs: TfLib.GradConfig[] = [];

  configs.push({
    kernelName: "GatherV2",
    inputsToSave: ["x", "indices"],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: TfLib.NamedAttrMap) => {
      const [x, indices] = saved;
      const dyT = dy as Tensor;
      const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
      const parsedAxis = axis < 0 ? axis + x.rank : axis;

      // Gradient of gather(x, indices, axis) for one (batch) slice: rows of dy scattered (summed) back.
      const derX = (xShape: number[], idx: Tensor, g: Tensor): Tensor => {
        const outerShape = xShape.slice(0, parsedAxis);
        const innerShape = xShape.slice(parsedAxis + 1);
        const n = idx.size;
        const values = tf.reshape(g, [...outerShape, n, ...innerShape]);
        const outerDims = outerShape.length;
        const perm = [outerDims, ...range(0, outerDims), ...range(outerDims + 1, outerDims + 1 + innerShape.length)];
        const moved = outerDims === 0 ? values : tf.transpose(values, perm);
        const scattered = tf.scatterND(tf.reshape(tf.cast(idx, "int32"), [n, 1]), moved, [xShape[parsedAxis], ...outerShape, ...innerShape]);
        if (outerDims === 0) return scattered;
        const inverse = new Array<number>(perm.length);
        perm.forEach((p, i) => (inverse[p] = i));
        return tf.transpose(scattered, inverse);
      };

      if (batchDims === 1) {
        return {
          x: () => {
            // As tfjs does: one slice per batch entry (leading dimension kept at 1), then concatenated.
            const b = x.shape[0];
            const sliceShape = [1, ...x.shape.slice(1)];
            const parts: Tensor[] = [];
            for (let i = 0; i < b; i++) {
              const idx = tf.slice(indices, [i], [1]);
              const g = tf.slice(dyT, [i], [1]);
              parts.push(derX(sliceShape, idx, g));
            }
            return tf.concat(parts, 0);
          },
          indices: () => indices,
        };
      }
      if (batchDims) throw new Error(`gather gradient: batchDims=${batchDims} is not supported (only 0 or 1)`);
      return { x: () => derX(x.shape, indices, dyT), indices: () => indices };
    },
  });

  configs.push({
    kernelName: "BatchMatMul",
    inputsToSave: ["a", "b"],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: TfLib.NamedAttrMap) => {
      const [a, b] = saved;
      const g = dy as Tensor;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const mm = (x: Tensor, y: Tensor, tx: boolean, ty: boolean) => matMulWith(tf, x, y, tx, ty);
      let da: () => Tensor;
      let db: () => Tensor;
      if (!transposeA && !transposeB) {
        da = () => mm(g, b, false, true);
        db = () => mm(a, g, true, false);
      } else if (!transposeA && transposeB) {
        da = () => mm(g, b, false, false);
        db = () => mm(g, a, true, false);
      } else if (transposeA && !transposeB) {
        da = () => mm(b, g, false, true);
        db = () => mm(a, g, false, false);
      } else {
        da = () => mm(b, g, true, true);
        db = () => mm(g, a, true, true);
      }
      return { a: () => reduceToShape(tf, da(), a.shape), b: () => reduceToShape(tf, db(), b.shape) };
    },
  });
  return configs;
}
