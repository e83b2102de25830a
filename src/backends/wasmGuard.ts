// Protection for the wasm backend's 4 GiB heap: when Emscripten's malloc cannot grow the heap it returns 0,
// and tfjs-backend-wasm would then write the tensor at offset 0, silently aliasing other data. The guard makes
// such an allocation throw a clear error instead, and reports how much of the heap is in use.
import { tf } from "./tf";

export const WASM_HEAP_LIMIT_BYTES = 4 * 1024 ** 3;

interface WasmModule {
  _malloc(n: number): number;
  HEAPU8: Uint8Array;
  __bertImdbGuarded?: boolean;
}

function wasmModule(): WasmModule | null {
  if (tf.getBackend() !== "wasm") return null;
  const be = tf.backend() as unknown as { wasm?: WasmModule };
  return be.wasm ?? null;
}

export class WasmHeapExhaustedError extends Error {
  constructor(bytes: number, heapBytes: number) {
    super(
      `The wasm backend could not allocate ${(bytes / 1024 ** 2).toFixed(1)} MiB: its heap (${(heapBytes / 1024 ** 3).toFixed(2)} GiB in use) ` +
        `is capped at 4 GiB. Use a smaller batch size or sequence length, dispose unused tensors (wrap work in tf.tidy), ` +
        `or pick another backend (BERT_IMDB_BACKEND=cpu has no such cap).`,
    );
    this.name = "WasmHeapExhaustedError";
  }
}

/** Installs the allocation guard on the active wasm backend (idempotent; no-op on other backends). */
export function guardWasmHeap(): boolean {
  const wasm = wasmModule();
  if (!wasm) return false;
  if (wasm.__bertImdbGuarded) return true;
  const malloc = wasm._malloc.bind(wasm);
  wasm._malloc = (n: number): number => {
    const p = malloc(n);
    const start = p >>> 0;
    // Failure shows either as a null pointer or, once the heap is near 4 GiB, as a block whose end wraps
    // past the 32-bit address space (beyond the heap); both would let tfjs write over unrelated memory.
    if (n > 0 && (start === 0 || start + n > wasm.HEAPU8.length)) throw new WasmHeapExhaustedError(n, wasm.HEAPU8.buffer.byteLength);
    return p;
  };
  wasm.__bertImdbGuarded = true;
  return true;
}

/** Current size of the wasm heap in bytes (it only grows), or null when the backend is not wasm. */
export function wasmHeapBytes(): number | null {
  const wasm = wasmModule();
  return wasm ? wasm.HEAPU8.buffer.byteLength : null;
}
