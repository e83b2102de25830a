// Loading onnxruntime-node (CPU build; it ships with @huggingface/transformers and is pinned in package.json).
// Two entry points: the public module (InferenceSession.create/run, asynchronous), which src/onnx/runtime.ts
// uses for evaluation and the pipeline, and the native session of its binding, which ./products.ts uses inside
// TensorFlow.js kernels. A tfjs kernel must return its outputs synchronously, and the public
// InferenceSession.run only defers the very same native call with setImmediate and wraps it in a Promise
// (onnxruntime-node 1.30 dist/backend.js); the binding module (dist/binding.js; the package has no "exports" map
// that hides it) is that call without the deferral. test/onnxruntimeProducts.test.ts checks it on the pinned version.
import * as os from "node:os";

/** The part of onnxruntime-node's API used here (typed locally: the package is an indirect dependency). */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OnnxRuntimeModule {
  InferenceSession: { create(model: Uint8Array | string, options?: Record<string, unknown>): Promise<OrtSession> };
  Tensor: {
    new (type: "int64", data: BigInt64Array, dims: readonly number[]): OrtTensor;
    new (type: "float32", data: Float32Array, dims: readonly number[]): OrtTensor;
  };
  env?: { versions?: Record<string, string> };
}

/** The binding's session: loadModel then run, both synchronous. */
export interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: Record<string, unknown>): void;
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor | null>, options: Record<string, unknown>): Record<string, OrtTensor>;
  dispose(): void;
}
interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

let ortModule: OnnxRuntimeModule | undefined;
let nativeBinding: NativeBinding | null | undefined;

function firstLine(err: unknown): string {
  return err instanceof Error ? err.message.split("\n")[0] : String(err);
}

/**
 * onnxruntime-node, required at the first call. Throws an error saying how to install it when it is missing
 * or its native binding cannot load.
 */
export function loadOnnxRuntime(): OnnxRuntimeModule {
  if (ortModule) return ortModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    ortModule = require("onnxruntime-node") as OnnxRuntimeModule;
  } catch (err) {
    throw new Error(
      `onnxruntime-node could not be loaded (${firstLine(err)}). ` +
        "It is installed with @huggingface/transformers (npm ci); to add it on its own: npm install onnxruntime-node@1.30.0 " +
        "(its CPU binary ships in the npm package, so ONNXRUNTIME_NODE_INSTALL=skip is fine). " +
        "Without it, use the TensorFlow.js forward pass (model.forward).",
    );
  }
  return ortModule;
}

/** onnxruntime-node's version (loads it). */
export function onnxRuntimeVersion(): string {
  const o = loadOnnxRuntime();
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return (require("onnxruntime-node/package.json") as { version: string }).version;
  } catch {
    return o.env?.versions?.node ?? "unknown";
  }
}

/** Why the native session is unavailable (null while it loads, or has not been asked for). */
export let nativeSessionUnavailable: string | null = null;

/**
 * A new synchronous native session of onnxruntime-node on `model` (ONNX bytes), or null when the package or its
 * binding module cannot load (the reason is in nativeSessionUnavailable).
 */
export function createNativeSession(model: Uint8Array, options: Record<string, unknown>): NativeSession | null {
  if (nativeBinding === undefined) {
    try {
      loadOnnxRuntime(); // the public module first: it initialises onnxruntime-common's Tensor, which the binding returns
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      nativeBinding = require("onnxruntime-node/dist/binding") as NativeBinding;
      nativeBinding.initOrt();
    } catch (err) {
      nativeBinding = null;
      nativeSessionUnavailable = `onnxruntime-node's native session could not be loaded (${firstLine(err)})`;
    }
  }
  if (!nativeBinding) return null;
  const session = new nativeBinding.binding.InferenceSession();
  session.loadModel(model.buffer, model.byteOffset, model.byteLength, options);
  return session;
}

/** Every core (os.availableParallelism), the default intra-op thread count. */
export function allCores(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}
