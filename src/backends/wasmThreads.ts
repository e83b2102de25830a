// Multi-threaded wasm backend under Node.
//
// @tensorflow/tfjs-backend-wasm 4.22.0 ships a threaded SIMD build (tfjs-backend-wasm-threaded-simd.wasm, whose
// Emscripten pthreads run on Node's worker_threads) but never uses it in Node, for three reasons:
//  1. its flag WASM_HAS_MULTITHREAD_SUPPORT returns false whenever IS_NODE (a TODO, tfjs issue 3830);
//  2. its loader (init() in dist/tf-backend-wasm.node.js) gives Emscripten a `locateFile` that returns the pthread
//     worker script as a `blob:` URL, which Node's Worker refuses (ERR_WORKER_PATH), and a Blob as
//     `mainScriptUrlOrBlob`, which the worker's importScripts (fs.readFileSync in Node) cannot read either;
//  3. its C++ side (backend.cc, init_with_threads_count) caps the pool at emscripten_num_logical_cores() / 2 — it
//     assumes two hyperthreads per core — so a 2-CPU machine gets 1 thread whatever setThreadsCount asks for.
// No option reaches these: setThreadsCount only sets the count (still capped by 3), setWasmPaths only locates the
// .wasm binaries, and init() overwrites both locateFile and mainScriptUrlOrBlob with its own. So, only while
// tf.setBackend("wasm") initialises the backend (nothing in node_modules is edited):
//  1. the flag is set to true with tf.env().set (the documented way to override a flag), and setThreadsCount(N);
//  2. require("worker_threads").Worker is replaced by ThreadWorker (below), which starts a `blob:` script as
//     `new Worker(source, { eval: true })` — the source is the package's own
//     wasm-out/tfjs-backend-wasm-threaded-simd.worker.js, the string tfjs embeds — and, in the worker's "load"
//     message, replaces the Blob with the path of wasm-out/tfjs-backend-wasm-threaded-simd.js (the same Emscripten
//     build as a file: identical wasm imports and exports). Emscripten copies the class to globalThis.Worker and
//     uses it for any worker it adds later; for every other filename it is Node's Worker unchanged;
//  3. os.cpus() lists at least 2 × N CPUs (copies of the first) while the wasm module's constructors run, so that
//     the cap of 3 is N.
// ThreadWorker.ref() does nothing: Emscripten refs a worker while it runs a pthread, and XNNPACK's pool threads
// never end, so the process could not exit. After start-up the pool's idle workers (Emscripten pre-starts 8,
// PTHREAD_POOL_SIZE) are terminated: N − 1 run XNNPACK's threads, the rest would only hold ≈ 8 MB each. A worker
// that fails during start-up (or a start-up slower than 30 s) makes the caller fall back to 1 thread, not crash.
// Without this file the backend runs on 1 thread (tfjs-backend-wasm-simd.wasm). Written for 4.22.0 exactly: another
// version is not patched (1 thread, and the reason says so) until this has been checked against its loader.
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "./tf";

export const WASM_THREADS_ENV = "BERT_IMDB_WASM_THREADS";
/** The most threads tfjs-backend-wasm 4.22's XNNPACK pool takes (backend.cc's max_num_threads; 8 pre-started workers). */
export const WASM_MAX_THREADS = 8;
/** The tfjs-backend-wasm version whose loader this file was written against and tested with. */
export const WASM_THREADS_TFJS_VERSION = "4.22.0";
/** How long the threaded start-up may take before falling back to 1 thread. */
export const WASM_THREADS_START_TIMEOUT_MS = 30_000;

const FLAG = "WASM_HAS_MULTITHREAD_SUPPORT";

// Plain require, typed as writable: the patches assign to these modules' own exports objects (the ones the Emscripten
// glue reads), which `import * as` would copy.
type Writable<T> = { -readonly [K in keyof T]: T[K] };
const os: Writable<typeof import("node:os")> = require("node:os");
const workerThreads: Writable<typeof import("node:worker_threads")> = require("node:worker_threads");

interface WasmPackage {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
  version_wasm: string;
}

function wasmPackage(): WasmPackage {
  return require("@tensorflow/tfjs-backend-wasm");
}

/** The thread count asked for: BERT_IMDB_WASM_THREADS, else os.availableParallelism(); at most WASM_MAX_THREADS. */
export function wasmThreadsWanted(env: NodeJS.ProcessEnv = process.env): { threads: number; source: string } {
  const raw = env[WASM_THREADS_ENV]?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${WASM_THREADS_ENV}="${raw}" is not a thread count: use an integer ≥ 1 (1 turns wasm threads off)`);
    return n > WASM_MAX_THREADS
      ? { threads: WASM_MAX_THREADS, source: `${WASM_THREADS_ENV}=${n}, capped at tfjs-backend-wasm's ${WASM_MAX_THREADS}` }
      : { threads: n, source: `${WASM_THREADS_ENV}=${n}` };
  }
  const cpus = os.availableParallelism();
  return { threads: Math.min(cpus, WASM_MAX_THREADS), source: `os.availableParallelism() = ${cpus}${cpus > WASM_MAX_THREADS ? `, capped at ${WASM_MAX_THREADS}` : ""}` };
}

/** Threads of the initialised wasm backend's XNNPACK pool (tfjs's getThreadsCount), or null before it starts. */
export function wasmThreadsCount(): number | null {
  try {
    return wasmPackage().getThreadsCount();
  } catch {
    return null;
  }
}

interface LoaderFiles {
  /** The pthread worker's source, as tfjs turns it into a Blob (newlines escaped). */
  workerSource: string;
  /** The threaded Emscripten glue as a file, for the worker's importScripts. */
  glue: string;
}

let loaderFiles: LoaderFiles | undefined;

function findLoaderFiles(): LoaderFiles {
  if (!loaderFiles) {
    const dir = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "wasm-out");
    const glue = path.join(dir, "tfjs-backend-wasm-threaded-simd.js");
    fs.accessSync(glue, fs.constants.R_OK);
    const contents: unknown = require(path.join(dir, "tfjs-backend-wasm-threaded-simd.worker.js")).wasmWorkerContents;
    if (typeof contents !== "string" || !contents.includes("importScripts")) throw new Error("wasm-out/tfjs-backend-wasm-threaded-simd.worker.js has no wasmWorkerContents");
    // Same escape as tfjs's locateFile: the source holds a raw newline inside a string literal.
    loaderFiles = { workerSource: contents.replace(/\n/g, "\\n"), glue };
  }
  return loaderFiles;
}

// The threaded-feature test tfjs's flag runs in browsers (shared memory and atomics), from wasm-feature-detect.
const THREADS_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11]);

/** Why threads cannot be tried in this process (null when they can), checked before starting the backend. */
export async function wasmThreadsUnavailable(): Promise<string | null> {
  let version: string;
  try {
    version = wasmPackage().version_wasm;
  } catch (err) {
    return `@tensorflow/tfjs-backend-wasm failed to load (${err instanceof Error ? err.message : String(err)})`;
  }
  if (version !== WASM_THREADS_TFJS_VERSION) return `tfjs-backend-wasm is ${version}; the Node thread loader (src/backends/wasmThreads.ts) is written for ${WASM_THREADS_TFJS_VERSION}`;
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") return "this Node has no SharedArrayBuffer/Atomics";
  try {
    if (!(globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly.validate(THREADS_PROBE)) return "this Node's WebAssembly has no threads (shared memory, atomics)";
  } catch {
    return "this Node's WebAssembly has no threads (shared memory, atomics)";
  }
  if (!(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"))) return "tfjs-backend-wasm's threaded build needs WebAssembly SIMD, which this Node lacks";
  try {
    findLoaderFiles();
  } catch (err) {
    return `the threaded build's files are missing (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`;
  }
  return null;
}

/** One threaded start-up: the workers it created, how to report their failure, and whether it succeeded. */
interface Startup {
  workers: ThreadWorker[];
  fail(reason: string): void;
  succeeded: boolean;
}
/** The start-up under way (set while the patches are in place). */
let startup: Startup | null = null;

const NodeWorker = workerThreads.Worker;

/** Node's Worker, except for the pthread workers tfjs-backend-wasm asks for with a blob: URL (see the top). */
class ThreadWorker extends NodeWorker {
  private readonly pthread: boolean;
  private readonly owner: Startup | null;

  constructor(filename: string | URL, options?: import("node:worker_threads").WorkerOptions) {
    const pthread = typeof filename === "string" && filename.startsWith("blob:");
    if (pthread) {
      try {
        super(findLoaderFiles().workerSource, { ...options, eval: true });
      } catch (err) {
        startup?.fail(`a pthread worker could not be created (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
        throw err;
      }
      startup?.workers.push(this);
    } else {
      super(filename, options);
    }
    this.pthread = pthread;
    this.owner = pthread ? startup : null;
  }

  override postMessage(message: unknown, transfer?: readonly import("node:worker_threads").TransferListItem[]): void {
    if (this.pthread && message && typeof message === "object") {
      const m = message as { cmd?: unknown; urlOrBlob?: unknown };
      if (m.cmd === "load" && typeof m.urlOrBlob !== "string") message = { ...m, urlOrBlob: findLoaderFiles().glue };
    }
    super.postMessage(message, transfer);
  }

  /** Pthread workers never keep the process alive (Emscripten refs one while it runs a thread; XNNPACK's never end). */
  override ref(): void {
    if (!this.pthread) super.ref();
  }

  // A worker of a start-up that has not succeeded (under way, or failed and abandoned) that errs or exits is a
  // reason to fall back, not a crash: Emscripten's handler would rethrow the error from the event (an uncaught
  // exception), also for the pool's other workers erring after the fallback began. After a successful start-up,
  // errors go to Emscripten as usual.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (this.owner && !this.owner.succeeded && (event === "error" || event === "exit")) {
      const detail = event === "error" ? (args[0] instanceof Error ? args[0].message : String(args[0])) : `exit code ${String(args[0])}`;
      this.owner.fail(`a pthread worker ${event === "error" ? "failed" : "exited"} during start-up (${detail.split("\n")[0]})`);
      if (event === "error") return true;
    }
    return super.emit(event, ...args);
  }
}

interface PThreadApi {
  unusedWorkers: Array<{ terminate(): unknown }>;
  runningWorkers: unknown[];
}

function pthreadApi(): PThreadApi | null {
  const be = tf.findBackend("wasm") as unknown as { wasm?: { PThread?: PThreadApi } } | null;
  return be?.wasm?.PThread ?? null;
}

/** How startThreadedWasm went: `threads` when ok, else `reason`. (Not a discriminated union: tslab's notebook
 * compiler runs without strictNullChecks, where `ok ? … : x.reason` does not narrow.) */
export interface WasmThreadsStart {
  ok: boolean;
  /** XNNPACK's thread count when ok, else 1. */
  threads: number;
  /** Why threads did not start ("" when ok). */
  reason: string;
}

const notStarted = (reason: string): WasmThreadsStart => ({ ok: false, threads: 1, reason });

/**
 * Initialises tfjs's wasm backend with its threaded SIMD build and `threads` XNNPACK threads (see the top of this
 * file). Must run before the wasm backend was first initialised in this process (wasmThreadsCount() === null).
 * On failure the flag is set back to false and the workers started are terminated; the caller then initialises
 * the 1-thread build with tf.setBackend("wasm").
 */
export async function startThreadedWasm(threads: number, timeoutMs = WASM_THREADS_START_TIMEOUT_MS): Promise<WasmThreadsStart> {
  if (threads < 2) return notStarted("1 thread asked for");
  if (wasmThreadsCount() !== null) return notStarted("the wasm backend was already initialised in this process");
  const unavailable = await wasmThreadsUnavailable();
  if (unavailable) return notStarted(unavailable);
  const pkg = wasmPackage();

  let failed: (reason: string) => void = () => undefined;
  const failure = new Promise<string>((resolve) => (failed = resolve));
  const state: Startup = { workers: [], fail: (reason) => failed(reason), succeeded: false };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`the threaded build did not start within ${timeoutMs / 1000} s`), timeoutMs);
  });

  const cpus = os.cpus;
  tf.env().set(FLAG, true);
  pkg.setThreadsCount(threads);
  startup = state;
  workerThreads.Worker = ThreadWorker;
  os.cpus = () => {
    const list = cpus.call(os);
    const first = list[0] ?? { model: "cpu", speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } };
    while (list.length < 2 * threads) list.push({ ...first });
    return list;
  };
  let outcome: WasmThreadsStart;
  try {
    const started = (async (): Promise<string | null> => {
      if (!(await tf.setBackend("wasm"))) return "tf.setBackend(\"wasm\") failed with the threaded build (tfjs's warning above says why)";
      await tf.ready();
      return tf.getBackend() === "wasm" ? null : "tf.setBackend(\"wasm\") did not make wasm the backend";
    })().catch((err: unknown) => (err instanceof Error ? err.message.split("\n")[0] : String(err)));
    const reason = await Promise.race([started, failure, timeout]);
    outcome = reason === null ? { ok: true, threads: pkg.getThreadsCount(), reason: "" } : notStarted(reason);
  } finally {
    clearTimeout(timer);
    os.cpus = cpus;
    workerThreads.Worker = NodeWorker;
    startup = null;
  }
  if (!outcome.ok) {
    tf.env().set(FLAG, false);
    for (const w of state.workers) void w.terminate();
    return outcome;
  }
  state.succeeded = true;
  const pt = pthreadApi();
  if (pt) for (const w of pt.unusedWorkers.splice(0)) void w.terminate();
  return outcome;
}
