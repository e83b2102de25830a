// What the LayerNorm kernels share: argument checks, and running the forward program and the five gradient
// programs (../programs/layerNorm.ts) for x [..., h] of at most MAX_ROWS rows.
import type { DropoutSite } from "../../../models/ops";
import { dropoutUniforms } from "../programs/dropout";
import { DxProgram, ForwardProgram, MAX_ROWS, ParamFinalProgram, ParamPartialsProgram, StatsProgram } from "../programs/layerNorm";
import { f32, flat, i32, sizeOf, TensorInfoLike, WebGPUKernelBackend } from "../program";

/** Rows and width of x, checked against gamma [h]. */
export function rowsOf(x: TensorInfoLike | undefined, gamma: TensorInfoLike | undefined, what: string): { rows: number; h: number } {
  if (!x || !gamma) throw new Error(`${what}: inputs x and gamma are required`);
  if (x.dtype !== "float32") throw new Error(`${what}: x must be float32, got ${x.dtype}`);
  const h = x.shape[x.shape.length - 1];
  if (gamma.shape.length !== 1 || gamma.shape[0] !== h) throw new Error(`${what}: gamma must be [${h}], got [${gamma.shape.join(", ")}]`);
  return { rows: sizeOf(x.shape) / h, h };
}

/** Whether one dispatch (one workgroup per row) takes this many rows; beyond it the kernels compose. */
export function rowsFit(rows: number): boolean {
  return rows <= MAX_ROWS;
}

export function epsOf(attrs: Record<string, unknown> | undefined, what: string): number {
  const eps = attrs?.eps;
  if (typeof eps !== "number" || !(eps >= 0)) throw new Error(`${what}: attribute eps must be a number ≥ 0, got ${String(eps)}`);
  return eps;
}

export function checkBeta(beta: TensorInfoLike | undefined, h: number, what: string): TensorInfoLike {
  if (!beta || beta.shape.join() !== String(h)) throw new Error(`${what}: beta must be [${h}]`);
  return beta;
}

export function checkLike(t: TensorInfoLike | undefined, x: TensorInfoLike, name: string, what: string): TensorInfoLike {
  if (!t || t.dtype !== "float32" || t.shape.join() !== x.shape.join()) throw new Error(`${what}: ${name} must be float32 [${x.shape.join(", ")}]`);
  return t;
}

/** LayerNorm(x), LayerNorm(x + residual), or LayerNorm(x·mask + residual) with the site's mask: one dispatch. */
export function runLayerNorm(backend: WebGPUKernelBackend, x: TensorInfoLike, gamma: TensorInfoLike, beta: TensorInfoLike, eps: number, residual: TensorInfoLike | null, site: DropoutSite | null): TensorInfoLike {
  const h = x.shape[x.shape.length - 1];
  const rows = sizeOf(x.shape) / h;
  const inputs = residual ? [flat(x), flat(residual), gamma, beta] : [flat(x), gamma, beta];
  const uniforms = [i32(rows), i32(h), f32(eps), ...(site ? dropoutUniforms(site) : [])];
  const out = backend.runWebGPUProgram(new ForwardProgram(rows * h, rows, residual != null, site != null), inputs, "float32", uniforms);
  return { dataId: out.dataId, shape: x.shape.slice(), dtype: "float32" };
}

/** [dx, dgamma, dbeta] of LayerNorm at x: row statistics, dx, column partials, then dgamma and dbeta (5 dispatches). */
export function runLayerNormGrad(backend: WebGPUKernelBackend, x: TensorInfoLike, gamma: TensorInfoLike, dy: TensorInfoLike, eps: number): TensorInfoLike[] {
  const h = x.shape[x.shape.length - 1];
  const rows = sizeOf(x.shape) / h;
  const xf = flat(x);
  const dyf = flat(dy);
  const stats = backend.runWebGPUProgram(new StatsProgram(2 * rows, rows), [xf], "float32", [i32(rows), i32(h), f32(eps)]);
  const dx = backend.runWebGPUProgram(new DxProgram(rows * h, rows), [xf, gamma, dyf, stats], "float32", [i32(rows), i32(h), f32(eps)]);
  const chunks = Math.max(1, Math.min(64, Math.ceil(rows / 32)));
  const chunkRows = Math.ceil(rows / chunks);
  const partials = backend.runWebGPUProgram(new ParamPartialsProgram(chunks, h), [xf, dyf, stats], "float32", [i32(rows), i32(h), i32(chunkRows), i32(chunks * h)]);
  const dgamma = backend.runWebGPUProgram(new ParamFinalProgram(h), [partials], "float32", [i32(h), i32(chunks), i32(0)]);
  const dbeta = backend.runWebGPUProgram(new ParamFinalProgram(h), [partials], "float32", [i32(h), i32(chunks), i32(h)]);
  backend.disposeData(stats.dataId);
  backend.disposeData(partials.dataId);
  return [{ dataId: dx.dataId, shape: x.shape.slice(), dtype: "float32" }, dgamma, dbeta];
}
