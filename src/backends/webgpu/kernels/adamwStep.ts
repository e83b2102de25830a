// BertImdbAdamWStep on webgpu (src/trainer/adamwKernels.ts's kernel, same attributes, same math as
// torch.optim.AdamW):
//   g = grad·gradScale;  m' = β1·m + (1−β1)·g;  v' = β2·v + (1−β2)·g²;
//   p' = p·(1 − lr·wd) − (lr / (1 − β1^t)) · m' / (√v' / √(1 − β2^t) + ε)
// in three dispatches (../programs/adamw.ts). Two ways to call it:
//  - moments on the GPU: inputs {param, grad, expAvg, expAvgSq} → outputs [param', m', v'] (adamwStepOnDevice
//    in ../adamw.ts; the bench and the golden checks compare it with src/trainer's optimizer);
//  - moments in host memory (how AdamW calls the cpu/wasm kernels): inputs {param, grad} and attributes
//    expAvg/expAvgSq (Float32Arrays, updated in place) → output param'. Correct, but the moments travel to the
//    GPU and back every step (2 uploads + 2 synchronous reads per parameter).
// src/trainer's AdamW uses neither on webgpu: ../adamwMany.ts updates parameters and packed moments in place.
import { ADAMW_KERNEL } from "../../../trainer/adamwKernels";
import type { AdamWStepAttrs } from "../../../trainer/adamwKernels";
import { MomentProgram, ParamProgram } from "../programs/adamw";
import { flat, KernelArgs, KernelResult, sizeOf, TensorInfoLike, WebGPUKernelBackend, webgpuKernel } from "../program";

function checkAttrs(attrs: Record<string, unknown> | undefined): AdamWStepAttrs {
  const a = (attrs ?? {}) as Record<string, unknown>;
  for (const k of ["lr", "beta1", "beta2", "eps", "weightDecay", "step", "gradScale"]) {
    const v = a[k];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`AdamW webgpu kernel: attribute ${k} must be a finite number, got ${String(v)}`);
  }
  if ((a.step as number) < 1) throw new Error(`AdamW webgpu kernel: step must be ≥ 1 (1-based), got ${String(a.step)}`);
  return a as unknown as AdamWStepAttrs;
}

function checkInput(name: string, t: TensorInfoLike | undefined, size: number): TensorInfoLike {
  if (!t) throw new Error(`AdamW webgpu kernel: input ${name} is missing`);
  if (t.dtype !== "float32") throw new Error(`AdamW webgpu kernel: ${name} must be float32, got ${t.dtype}`);
  const n = sizeOf(t.shape);
  if (n !== size) throw new Error(`AdamW webgpu kernel: ${name} has ${n} elements, expected ${size} (shape [${t.shape.join(", ")}])`);
  return t;
}

/** Runs the three programs; returns flat [n] outputs (the caller reshapes). */
function runUpdate(backend: WebGPUKernelBackend, p: TensorInfoLike, g: TensorInfoLike, m: TensorInfoLike, v: TensorInfoLike, a: AdamWStepAttrs): [TensorInfoLike, TensorInfoLike, TensorInfoLike] {
  const n = sizeOf(p.shape);
  const component = n % 4 === 0 ? 4 : 1;
  const f = (x: number) => ({ type: "float32" as const, data: [x] });
  const newM = backend.runWebGPUProgram(new MomentProgram(n, component, false), [flat(g), flat(m)], "float32", [f(a.beta1), f(1 - a.beta1), f(a.gradScale)]);
  const newV = backend.runWebGPUProgram(new MomentProgram(n, component, true), [flat(g), flat(v)], "float32", [f(a.beta2), f(1 - a.beta2), f(a.gradScale)]);
  const stepSize = a.lr / (1 - Math.pow(a.beta1, a.step));
  const bc2Sqrt = Math.sqrt(1 - Math.pow(a.beta2, a.step));
  const newP = backend.runWebGPUProgram(new ParamProgram(n, component), [flat(p), newM, newV], "float32", [f(1 - a.lr * a.weightDecay), f(stepSize), f(bc2Sqrt), f(a.eps)]);
  return [newP, newM, newV];
}

function reshaped(t: TensorInfoLike, shape: number[]): TensorInfoLike {
  return { dataId: t.dataId, shape: shape.slice(), dtype: t.dtype };
}

let warnedHost = false;

function adamwStep(args: KernelArgs): KernelResult {
  const backend = args.backend as WebGPUKernelBackend;
  const a = checkAttrs(args.attrs);
  const param = args.inputs.param;
  if (!param) throw new Error("AdamW webgpu kernel: input param is missing");
  const size = sizeOf(param.shape);
  checkInput("param", param, size);
  const grad = checkInput("grad", args.inputs.grad, size);
  if (args.inputs.expAvg || args.inputs.expAvgSq) {
    const m = checkInput("expAvg", args.inputs.expAvg, size);
    const v = checkInput("expAvgSq", args.inputs.expAvgSq, size);
    const [p2, m2, v2] = runUpdate(backend, param, grad, m, v, a);
    return [reshaped(p2, param.shape), reshaped(m2, param.shape), reshaped(v2, param.shape)];
  }
  const hm = args.attrs?.expAvg;
  const hv = args.attrs?.expAvgSq;
  if (!(hm instanceof Float32Array) || !(hv instanceof Float32Array) || hm.length !== size || hv.length !== size) {
    throw new Error(`AdamW webgpu kernel: pass the moments either as tensor inputs expAvg/expAvgSq or as Float32Array attributes of ${size} values`);
  }
  if (!warnedHost) {
    warnedHost = true;
    console.warn(
      "AdamW on webgpu with the moments in host memory: they are copied to the GPU and back at every step. " +
        "Keep them as tensors and call the kernel with inputs expAvg/expAvgSq (adamwStepOnDevice in src/backends/webgpu) instead.",
    );
  }
  const m = backend.makeTensorInfo([size], "float32", hm);
  const v = backend.makeTensorInfo([size], "float32", hv);
  try {
    const [p2, m2, v2] = runUpdate(backend, param, grad, m, v, a);
    hm.set(backend.readSync(m2.dataId) as Float32Array);
    hv.set(backend.readSync(v2.dataId) as Float32Array);
    backend.disposeData(m2.dataId);
    backend.disposeData(v2.dataId);
    return reshaped(p2, param.shape);
  } finally {
    backend.disposeData(m.dataId);
    backend.disposeData(v.dataId);
  }
}

export const adamwStepConfig = webgpuKernel(ADAMW_KERNEL, adamwStep);
