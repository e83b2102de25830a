// AdamW over many parameters per dispatch, in place. tfjs programs write exactly one output, so through them a
// parameter costs at least two dispatches (its moments, then itself; ./adamw.ts's kernel takes three and
// allocates three tensors), and on the GPU host every dispatch costs the host ≈ 50–70 µs (bind group, uniform
// buffer, N-API calls): bert-base's 603 AdamW dispatches were a quarter of a training step. This module encodes its own
// compute pass commands into tfjs's command stream instead: one WGSL pipeline binds K parameters, their packed
// moments [m; v] (both read and written) and their gradients, and workgroup row k updates parameter k —
// m, v and p in one pass over the data, with the kernel's arithmetic (torch.optim.AdamW). K is what the device's
// storage-buffer limit allows (three bindings per parameter and one for the gradient norm: 5 with the 16 the
// H100 and lavapipe grant), so bert-base takes 41 dispatches. Gradient clipping happens here too, from the norm
// as a tensor (DeviceClip): the host need not read the norm back before the update, so a training step does
// not wait for the GPU in its middle. It follows tfjs's bookkeeping for commands it did not record itself: the
// buffers are marked as owned by the queue (their release waits for the submit), uniforms go through tfjs's
// uniform pool, and the submit cadence (WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE) counts these dispatches too.
import { tf } from "../tf";
import type { AdamWStepAttrs } from "../../trainer/adamwKernels";
import { countDispatch } from "./backend";
import { storageBufferLimit, type TensorInfoLike } from "./program";

/** One parameter's part of a step: the variable, its gradient, its packed moments [2·size], its decay. */
export interface AdamWManyItem {
  param: tf.Tensor;
  grad: tf.Tensor;
  moments: tf.Tensor;
  weightDecay: number;
}

/**
 * Clipping done on the device: the global gradient norm as a one-element float32 tensor and torch's max_norm.
 * Each dispatch computes torch's coefficient from it (float32: maxNorm / (norm + 1e-6), at most 1) and scales
 * the gradients by it; a norm that is not finite (inf/NaN) leaves every parameter and moment as it was, so the
 * host can read the norm afterwards and stop with the model still at the previous step.
 */
export interface DeviceClip {
  norm: tf.Tensor;
  maxNorm: number;
}

const WORKGROUP = 256;
/** Upper bound on workgroups along x; larger tensors are covered by a grid-stride loop. */
const MAX_GROUPS = 4096;

interface GpuLike {
  limits: Record<string, number>;
  createShaderModule(d: { code: string; label?: string }): unknown;
  createComputePipeline(d: { layout: "auto"; compute: { module: unknown; entryPoint: string }; label?: string }): { getBindGroupLayout(i: number): unknown };
  createBindGroup(d: { layout: unknown; entries: Array<{ binding: number; resource: unknown }> }): unknown;
}

interface PassLike {
  setPipeline(p: unknown): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
}

/** The members of tfjs-backend-webgpu's WebGPUBackend (4.22) this module drives. */
interface RawBackend {
  device: GpuLike;
  commandEncoder: { beginComputePass(d: object): PassLike } | null;
  computePassEncoder: PassLike | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  tensorMap: { get(dataId: object): { values: unknown; refCount: number } | undefined };
  uploadToGPU(dataId: object): void;
  tensorToBinding(t: TensorInfoLike): unknown;
  makeUniforms(u: Array<{ type: string; data: number[] }>): unknown;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

/**
 * Whether `t`'s buffer may be written in place: no other live tensor shares it (tfjs shares buffers between a
 * tensor and its reshapes, and between a variable and the tensor it was made from).
 */
export function ownsBuffer(t: tf.Tensor): boolean {
  const rec = (tf.backend() as unknown as RawBackend).tensorMap.get(t.dataId);
  return rec != null && rec.refCount === 1;
}

const pipelines = new Map<string, { getBindGroupLayout(i: number): unknown }>();

/** WGSL for K parameters with the given vector widths (1 or 4 floats per element). */
function shaderFor(components: number[]): string {
  const k = components.length;
  const fields = ["beta1", "oneMinusBeta1", "beta2", "oneMinusBeta2", "gradScale", "stepSize", "bc2Sqrt", "eps", "maxNorm"].map((f) => `${f} : f32,`);
  for (let i = 0; i < k; i++) fields.push(`count${i} : u32,`, `decay${i} : f32,`);
  while (fields.length % 4 !== 0) fields.push(`pad${fields.length} : f32,`);
  const type = (c: number) => (c === 4 ? "vec4<f32>" : "f32");
  const bindings = components
    .map(
      (c, i) => `
@group(0) @binding(${2 + 3 * i}) var<storage, read_write> P${i} : array<${type(c)}>;
@group(0) @binding(${3 + 3 * i}) var<storage, read_write> MV${i} : array<${type(c)}>;
@group(0) @binding(${4 + 3 * i}) var<storage, read> G${i} : array<${type(c)}>;`,
    )
    .join("");
  const branches = components
    .map(
      (_, i) => `
  if (k == ${i}u) {
    let n = u.count${i};
    for (var i = start; i < n; i = i + stride) {
      let g = G${i}[i] * scale;
      let m = u.beta1 * MV${i}[i] + u.oneMinusBeta1 * g;
      let v = u.beta2 * MV${i}[i + n] + u.oneMinusBeta2 * (g * g);
      MV${i}[i] = m;
      MV${i}[i + n] = v;
      P${i}[i] = P${i}[i] * u.decay${i} - u.stepSize * m / (sqrt(v) / u.bc2Sqrt + u.eps);
    }
  }`,
    )
    .join("");
  return `
struct Uniforms {
  ${fields.join("\n  ")}
};
@group(0) @binding(0) var<uniform> u : Uniforms;
@group(0) @binding(1) var<storage, read> Norm : array<f32>;${bindings}

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid : vec3<u32>, @builtin(local_invocation_id) lid : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>) {
  let k = wid.y;
  let start = wid.x * ${WORKGROUP}u + lid.x;
  let stride = nwg.x * ${WORKGROUP}u;
  // Clipping as torch.nn.utils.clip_grad_norm_ (maxNorm 0: none); an inf/NaN norm skips the whole update.
  let norm = Norm[0];
  if ((bitcast<u32>(norm) & 0x7f800000u) == 0x7f800000u) { return; }
  var scale = u.gradScale;
  if (u.maxNorm > 0.0) {
    let coef = u.maxNorm / (norm + 1e-6);
    if (coef < 1.0) { scale = scale * coef; }
  }${branches}
}
`;
}

function pipelineFor(device: GpuLike, components: number[]): { getBindGroupLayout(i: number): unknown } {
  const key = components.join("");
  let p = pipelines.get(key);
  if (!p) {
    const module = device.createShaderModule({ code: shaderFor(components), label: `bertImdbAdamWMany_${key}` });
    p = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" }, label: `bertImdbAdamWMany_${key}` });
    pipelines.set(key, p);
  }
  return p;
}

/** Parameters one dispatch can take on the active device (three storage bindings each, one for the norm). */
export function adamwManyPerDispatch(): number {
  return Math.max(1, Math.floor((storageBufferLimit(tf.backend()) - 1) / 3));
}

/** A one-element zero: the norm bound when clipping is not done on the device (kept for the process). */
let zeroNorm: tf.Tensor | null = null;
function noDeviceClip(): DeviceClip {
  if (!zeroNorm || zeroNorm.isDisposed) zeroNorm = tf.keep(tf.zeros([1], "float32"));
  return { norm: zeroNorm, maxNorm: 0 };
}

/**
 * One AdamW step (torch.optim.AdamW's arithmetic, as ./adamw.ts's kernel) for every item, writing each parameter and
 * its packed moments in place, several parameters per dispatch. The parameters' and moments' buffers must not be
 * shared with other tensors (see ownsBuffer). Needs the webgpu backend.
 */
export function adamwStepInPlaceMany(items: readonly AdamWManyItem[], a: Omit<AdamWStepAttrs, "weightDecay">, clip: DeviceClip = noDeviceClip()): void {
  if (tf.getBackend() !== "webgpu") throw new Error(`adamwStepInPlaceMany needs the webgpu backend (now: ${tf.getBackend()})`);
  const backend = tf.backend() as unknown as RawBackend;
  for (const it of items) {
    const n = it.param.size;
    if (it.grad.size !== n || it.moments.size !== 2 * n) {
      throw new Error(`AdamW (many): gradient of ${it.grad.size} and moments of ${it.moments.size} values for a parameter of ${n}`);
    }
    if (it.param.dtype !== "float32" || it.grad.dtype !== "float32" || it.moments.dtype !== "float32") throw new Error("AdamW (many): float32 tensors only");
  }
  if (clip.norm.size !== 1 || clip.norm.dtype !== "float32") throw new Error("AdamW (many): the gradient norm must be a one-element float32 tensor");
  const perDispatch = adamwManyPerDispatch();
  const stepSize = a.lr / (1 - Math.pow(a.beta1, a.step));
  const bc2Sqrt = Math.sqrt(1 - Math.pow(a.beta2, a.step));
  const common = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.gradScale, stepSize, bc2Sqrt, a.eps, clip.maxNorm > 0 ? clip.maxNorm : 0];
  const live = items.filter((it) => it.param.size > 0);
  for (let start = 0; start < live.length; start += perDispatch) {
    const chunk = live.slice(start, start + perDispatch);
    const components = chunk.map((it) => (it.param.size % 4 === 0 ? 4 : 1));
    const counts = chunk.map((it, i) => it.param.size / components[i]);
    // Binding order: the norm, then (parameter, moments, gradient) per item.
    const bound = [clip.norm, ...chunk.flatMap((it) => [it.param, it.moments, it.grad])];
    // Uploads may record copies (and end the current pass): all of them before this dispatch is encoded.
    for (const t of bound) backend.uploadToGPU(t.dataId);
    const uniformValues: Array<{ type: string; data: number[] }> = common.map((x) => ({ type: "float32", data: [x] }));
    chunk.forEach((it, i) => uniformValues.push({ type: "uint32", data: [counts[i]] }, { type: "float32", data: [1 - a.lr * it.weightDecay] }));
    while (uniformValues.length % 4 !== 0) uniformValues.push({ type: "float32", data: [0] });
    const pipeline = pipelineFor(backend.device, components);
    const entries = [{ binding: 0, resource: backend.makeUniforms(uniformValues) }];
    bound.forEach((t, j) => entries.push({ binding: 1 + j, resource: backend.tensorToBinding({ dataId: t.dataId, shape: t.shape, dtype: t.dtype }) }));
    const bindGroup = backend.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    for (const t of bound) backend.commandQueueOwnedIds.add(t.dataId);

    backend.ensureCommandEncoderReady();
    if (!backend.computePassEncoder) backend.computePassEncoder = backend.commandEncoder!.beginComputePass({});
    const pass = backend.computePassEncoder;
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const groups = Math.max(1, Math.min(MAX_GROUPS, Math.ceil(Math.max(...counts) / WORKGROUP)));
    pass.dispatchWorkgroups(groups, chunk.length, 1);
    backend.dispatchCountInPass += 1;
    countDispatch();
    if (tf.env().getNumber("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE") <= backend.dispatchCountInPass) {
      backend.endComputePassEncoder();
      backend.submitQueue();
    }
    // Values read back earlier are cached on the CPU side; they are stale now.
    for (const it of chunk) {
      for (const t of [it.param, it.moments]) {
        const rec = backend.tensorMap.get(t.dataId);
        if (rec) rec.values = null;
      }
    }
  }
}
