// AdamW with decoupled weight decay, numerically as torch.optim.AdamW, over named tfjs variables with HF's
// parameter groups. One fused kernel per variable per step on cpu/wasm, with the moments in host memory or,
// on wasm when they fit, in its heap (see adamwKernels.ts); on webgpu in place with the moments packed on the GPU, several variables per dispatch
// (src/backends/webgpu/adamwMany.ts); tf-op updates with tensor moments elsewhere. The moments move between the storages when the backend changes.
// State (m, v, step) can be exported for checkpoints and loaded back.
import { tf } from "../backends/tf";
import { adamwStepInPlaceMany, hasDeviceAdamW, ownsBuffer, type AdamWManyItem, type DeviceClip } from "../backends/webgpu/index";
import { wasmHeap, type WasmHeap } from "../backends/wasmSimd/index";
import { adamwStepComposed, adamwStepFused, AdamWStepAttrs, hasFusedAdamW, registerAdamWKernels } from "./adamwKernels";
import { clipCoefficient } from "./gradClip";
import { ParamGroup, weightDecayParamGroups } from "./paramGroups";

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Weight decay of the decaying group (HF: biases and LayerNorm parameters get 0). */
  weightDecay?: number;
  /** Explicit groups; default: HF's two groups built from the parameter names. */
  paramGroups?: ParamGroup[];
}

/** Exported optimizer state: step count and both moments per parameter (float32, parameter order). */
export interface AdamWState {
  step: number;
  expAvg: Map<string, Float32Array>;
  expAvgSq: Map<string, Float32Array>;
}

/**
 * Largest total of moments (bytes) kept in the wasm heap; above it they stay in host arrays. The quick model's
 * take 35 MB; bert-base's 0.9 GB would crowd the heap's 4 GiB, which also holds every tensor.
 */
const MAX_HEAP_MOMENT_BYTES = 512 * 1024 * 1024;

/**
 * A parameter and its moments, in one of four storages (at most one is set): host arrays (the fused kernel of
 * cpu, and of wasm for large models), a block of the wasm heap [m; v] (the fused kernel of wasm reads it where
 * it lies), two tensors (the tf-op update), or one packed tensor [m; v] of 2·size values (the in-place update
 * on webgpu).
 */
interface Slot {
  name: string;
  variable: tf.Variable;
  weightDecay: number;
  host: { m: Float32Array; v: Float32Array } | null;
  heap: { heap: WasmHeap; offset: number } | null;
  tensors: { m: tf.Tensor; v: tf.Tensor } | null;
  packed: tf.Tensor | null;
}

/** Read-only view (or copy) of the moments, whatever their storage. */
function momentArrays(s: Slot): { m: Float32Array; v: Float32Array } {
  if (s.host) return s.host;
  if (s.heap) {
    const n = s.variable.size;
    return { m: s.heap.heap.floats(s.heap.offset, n), v: s.heap.heap.floats(s.heap.offset + 4 * n, n) };
  }
  if (s.tensors) return { m: s.tensors.m.dataSync() as Float32Array, v: s.tensors.v.dataSync() as Float32Array };
  if (s.packed) {
    const mv = s.packed.dataSync() as Float32Array;
    return { m: mv.subarray(0, s.variable.size), v: mv.subarray(s.variable.size) };
  }
  return { m: new Float32Array(s.variable.size), v: new Float32Array(s.variable.size) };
}

/** Frees the moments held by the backend (tensors, heap block); host arrays are left to the caller. */
function disposeTensors(s: Slot): void {
  if (s.tensors) tf.dispose([s.tensors.m, s.tensors.v]);
  if (s.packed) s.packed.dispose();
  if (s.heap) s.heap.heap.free(s.heap.offset);
  s.tensors = null;
  s.packed = null;
  s.heap = null;
}

/** The moments in `heap` (moved there first), or null when the heap has no room (they stay where they are). */
function toHeap(s: Slot, heap: WasmHeap): number | null {
  if (s.heap?.heap === heap) return s.heap.offset;
  const n = s.variable.size;
  const offset = heap.allocFloats(2 * n);
  if (!offset) return null;
  const { m, v } = momentArrays(s);
  // Views of the new block after reading the old storage: the allocation may have grown the heap.
  heap.floats(offset, n).set(m);
  heap.floats(offset + 4 * n, n).set(v);
  disposeTensors(s);
  s.host = null;
  s.heap = { heap, offset };
  return offset;
}

function toHost(s: Slot): { m: Float32Array; v: Float32Array } {
  if (!s.host) {
    const { m, v } = momentArrays(s);
    s.host = { m: Float32Array.from(m), v: Float32Array.from(v) };
    disposeTensors(s);
  }
  return s.host;
}

const hostAttrs = (h: { m: Float32Array; v: Float32Array }) => ({ expAvg: h.m, expAvgSq: h.v });

function toTensors(s: Slot): { m: tf.Tensor; v: tf.Tensor } {
  if (!s.tensors) {
    // tf.tensor may keep the array it is given (the cpu backend does): a view of the heap block freed below is copied.
    const views = momentArrays(s);
    const { m, v } = s.heap ? { m: views.m.slice(), v: views.v.slice() } : views;
    const t = { m: tf.keep(tf.tensor(m, s.variable.shape, "float32")), v: tf.keep(tf.tensor(v, s.variable.shape, "float32")) };
    disposeTensors(s);
    s.host = null;
    s.tensors = t;
  }
  return s.tensors;
}

function toPacked(s: Slot): tf.Tensor {
  if (!s.packed) {
    const n = s.variable.size;
    const mv = new Float32Array(2 * n);
    const { m, v } = momentArrays(s);
    mv.set(m);
    mv.set(v, n);
    const packed = tf.keep(tf.tensor1d(mv, "float32"));
    disposeTensors(s);
    s.host = null;
    s.packed = packed;
  }
  return s.packed;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  lr: number;
  readonly paramGroups: ParamGroup[];
  /** Number of optimizer steps taken (torch's state["step"], shared by all parameters here). */
  stepCount = 0;
  private readonly slots: Slot[];
  private readonly byName = new Map<string, Slot>();

  constructor(params: ReadonlyArray<[string, tf.Variable]>, opts: AdamWOptions) {
    registerAdamWKernels();
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    const names = params.map(([n]) => n);
    this.paramGroups = opts.paramGroups ?? weightDecayParamGroups(names, opts.weightDecay ?? 0);
    const decayOf = new Map<string, number>();
    for (const g of this.paramGroups) for (const n of g.params) {
      if (decayOf.has(n)) throw new Error(`AdamW: parameter ${n} is listed in two parameter groups`);
      decayOf.set(n, g.weightDecay);
    }
    this.slots = params.map(([name, variable]) => {
      const wd = decayOf.get(name);
      if (wd === undefined) throw new Error(`AdamW: parameter ${name} is in no parameter group; list it in paramGroups`);
      if (variable.dtype !== "float32") throw new Error(`AdamW: parameter ${name} is ${variable.dtype}; only float32 parameters are supported`);
      // Moments are created on first use, in the storage the backend of that step needs.
      const slot: Slot = { name, variable, weightDecay: wd, host: null, heap: null, tensors: null, packed: null };
      this.byName.set(name, slot);
      return slot;
    });
    if (this.byName.size !== this.slots.length) throw new Error("AdamW: parameter names must be unique");
  }

  get parameterNames(): string[] {
    return this.slots.map((s) => s.name);
  }

  /**
   * Whether step() can clip from a norm that stays on the device (`clip`) without reading it back: true on
   * webgpu, where waiting for the norm would stall the GPU in the middle of every step.
   */
  get clipsOnDevice(): boolean {
    return hasDeviceAdamW();
  }

  /**
   * One step over every parameter that has a gradient in `grads` (keyed by parameter name), with the given
   * lr and gradient scale (the clipping coefficient). Parameters without a gradient are left untouched,
   * like torch skips parameters whose .grad is None. Does not dispose the gradients.
   * `clip` clips from the global norm as a one-element tensor instead (torch's coefficient, times gradScale):
   * on the device where clipsOnDevice, else read back here. A norm that is not finite leaves every parameter
   * and moment as it was (the step count still advances): the caller reads the norm and stops.
   */
  step(grads: ReadonlyMap<string, tf.Tensor>, opts: { lr?: number; gradScale?: number; clip?: DeviceClip } = {}): void {
    for (const name of grads.keys()) if (!this.byName.has(name)) throw new Error(`AdamW.step: gradient for unknown parameter ${name}`);
    this.stepCount += 1;
    const onDevice = hasDeviceAdamW();
    let gradScale = opts.gradScale ?? 1;
    if (opts.clip && !onDevice) {
      const norm = opts.clip.norm.dataSync()[0];
      if (!Number.isFinite(norm)) return;
      gradScale *= clipCoefficient(norm, opts.clip.maxNorm);
    }
    const base: Omit<AdamWStepAttrs, "weightDecay"> = {
      lr: opts.lr ?? this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      step: this.stepCount,
      gradScale,
    };
    // webgpu: in place with the packed moments on the GPU, collected here and updated together below; cpu/wasm:
    // the fused kernel with the moments in host memory; elsewhere: the update composed of tf ops.
    const fused = !onDevice && hasFusedAdamW();
    const heap = fused ? this.heapForMoments() : null;
    const many: AdamWManyItem[] = [];
    for (const slot of this.slots) {
      const g = grads.get(slot.name);
      if (!g) continue;
      const attrs = { ...base, weightDecay: slot.weightDecay };
      if (onDevice) {
        // A variable whose buffer another live tensor shares (the tensor it was made from, a kept reshape) is
        // first given a buffer of its own, so writing in place changes nothing but the variable.
        if (!ownsBuffer(slot.variable)) {
          const copy = tf.add(slot.variable, 0);
          slot.variable.assign(copy);
          copy.dispose();
        }
        many.push({ param: slot.variable, grad: g, moments: toPacked(slot), weightDecay: slot.weightDecay });
      } else if (fused) {
        const offset = heap ? toHeap(slot, heap) : null;
        const p = offset !== null
          ? adamwStepFused(slot.variable, g, { ...attrs, expAvgOffset: offset })
          : adamwStepFused(slot.variable, g, { ...attrs, ...hostAttrs(toHost(slot)) });
        slot.variable.assign(p);
        p.dispose();
      } else {
        const t = toTensors(slot);
        const [p, m, v] = adamwStepComposed(slot.variable, g, t.m, t.v, attrs);
        slot.variable.assign(p);
        p.dispose();
        tf.dispose([t.m, t.v]);
        slot.tensors = { m: tf.keep(m), v: tf.keep(v) };
      }
    }
    // webgpu: every parameter in a few dispatches (several per dispatch), each written in place.
    if (many.length) adamwStepInPlaceMany(many, base, opts.clip);
  }

  /** The wasm heap, when the backend is wasm with its SIMD kernels and every moment fits the budget. */
  private heapForMoments(): WasmHeap | null {
    if (this.slots.reduce((a, s) => a + 8 * s.variable.size, 0) > MAX_HEAP_MOMENT_BYTES) return null;
    return this.heapOf(tf.backend());
  }

  private heapBackend: unknown = null;
  private heapOfBackend: WasmHeap | null = null;
  private heapOf(backend: unknown): WasmHeap | null {
    if (backend !== this.heapBackend) {
      this.heapBackend = backend;
      this.heapOfBackend = wasmHeap(backend);
    }
    return this.heapOfBackend;
  }

  /** Copies of the state (read back from the backend). */
  getState(): AdamWState {
    const expAvg = new Map<string, Float32Array>();
    const expAvgSq = new Map<string, Float32Array>();
    for (const s of this.slots) {
      const { m, v } = momentArrays(s);
      expAvg.set(s.name, Float32Array.from(m));
      expAvgSq.set(s.name, Float32Array.from(v));
    }
    return { step: this.stepCount, expAvg, expAvgSq };
  }

  /**
   * The moments without copying where possible (host storage, cpu tensors): read-only views for writing a
   * checkpoint. Valid until the next step. Moments in the wasm heap are copied (a view of the heap would
   * detach if anything grew it meanwhile).
   */
  momentViews(): Array<{ name: string; shape: number[]; expAvg: Float32Array; expAvgSq: Float32Array }> {
    return this.slots.map((s) => {
      const { m, v } = momentArrays(s);
      const copy = s.heap !== null;
      return { name: s.name, shape: s.variable.shape.slice(), expAvg: copy ? m.slice() : m, expAvgSq: copy ? v.slice() : v };
    });
  }

  /** Restores state exported by getState (every parameter must be present with the same size). */
  setState(state: AdamWState): void {
    for (const s of this.slots) {
      const m = state.expAvg.get(s.name);
      const v = state.expAvgSq.get(s.name);
      if (!m || !v) throw new Error(`optimizer state has no moments for parameter ${s.name}; was it saved for another model?`);
      if (m.length !== s.variable.size || v.length !== s.variable.size) {
        throw new Error(`optimizer state for ${s.name} has ${m.length} values, the parameter has ${s.variable.size}; was it saved for another model?`);
      }
    }
    for (const s of this.slots) {
      disposeTensors(s);
      s.host = { m: Float32Array.from(state.expAvg.get(s.name) as Float32Array), v: Float32Array.from(state.expAvgSq.get(s.name) as Float32Array) };
    }
    this.stepCount = state.step;
  }

  /** Frees the moments. */
  dispose(): void {
    for (const s of this.slots) {
      disposeTensors(s);
      s.host = null;
    }
  }
}
