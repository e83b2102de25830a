// Synchronous waits on Dawn (dawn.node of the `webgpu` package) from Node. Dawn completes a buffer mapping only
// while its instance processes events, and its Node binding schedules that work with the global setImmediate,
// so a synchronous caller (tensor.dataSync(), which tfjs's webgpu backend can only do in a browser, through
// OffscreenCanvas) would wait forever. This module wraps globalThis.setImmediate — before Dawn is created — so
// that Dawn's event ticks are recorded as well as scheduled, and `waitUntil` runs pending ticks itself until a
// condition holds. Other setImmediate callers are untouched; a tick run here becomes a no-op on the event loop.

interface Tick {
  fn: () => void;
  done: boolean;
}

const pending = new Set<Tick>();
let installed = false;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Dawn's tick: a native, unnamed, zero-argument function passed to setImmediate without arguments. */
function isDawnTick(fn: unknown, extraArgs: number): fn is () => void {
  return (
    typeof fn === "function" &&
    extraArgs === 0 &&
    fn.length === 0 &&
    fn.name === "" &&
    /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn))
  );
}

/** Installs the setImmediate wrapper (idempotent). Must run before dawn.node's create() is called. */
export function installEventPump(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as unknown as Record<string | symbol, unknown>;
  const real = g.setImmediate as (fn: (...a: unknown[]) => void, ...args: unknown[]) => unknown;
  const wrapped = function setImmediate(fn: (...a: unknown[]) => void, ...args: unknown[]): unknown {
    if (!isDawnTick(fn, args.length)) return real(fn, ...args);
    const tick: Tick = { fn, done: false };
    pending.add(tick);
    return real(() => {
      if (tick.done) return;
      tick.done = true;
      pending.delete(tick);
      fn();
    });
  };
  // Keep util.promisify(setImmediate) working (it looks up this symbol on the function).
  for (const sym of Object.getOwnPropertySymbols(real)) (wrapped as unknown as Record<symbol, unknown>)[sym] = (real as unknown as Record<symbol, unknown>)[sym];
  g.setImmediate = wrapped;
}

/**
 * Runs Dawn's pending event ticks until `done()` is true (checked before each round). Sleeps briefly between
 * rounds once the wait gets long, so a software GPU (llvmpipe) keeps the CPU cores. Throws when no tick is
 * pending (nothing could ever complete) or after `timeoutMs`.
 */
export function waitUntil(done: () => boolean, what: string, timeoutMs = 30 * 60 * 1000): void {
  if (done()) return;
  if (!installed) throw new Error(`cannot wait for ${what}: the Dawn event pump is not installed (load Dawn through src/backends/webgpu)`);
  const start = performance.now();
  for (let round = 0; ; round++) {
    const ticks = [...pending];
    pending.clear();
    if (ticks.length === 0) {
      throw new Error(
        `cannot wait for ${what}: Dawn has no event tick this process can run (dawn.node was probably created before ` +
          `src/backends/webgpu installed its event pump); read asynchronously instead (await tensor.data())`,
      );
    }
    for (const t of ticks) {
      if (t.done) continue;
      t.done = true;
      t.fn();
    }
    if (done()) return;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}`);
    if (round >= 64) Atomics.wait(sleepCell, 0, 0, Math.min(1, (round - 63) * 0.01));
  }
}
