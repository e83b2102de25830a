// What a map() function used besides its source text, recorded while it runs on map's probe rows.
//
// HF datasets fingerprints a map by hashing the function with dill, globals included, so a changed
// max_length outside the function gives a new fingerprint. A JavaScript closure cannot be serialised that
// way: fn.toString() is the source text only, and a value it reads from an outer variable is invisible. So
// objects that decide a map's output and know their own settings report them here while the function runs:
// the tokenizer, when called, notes its vocabulary's hash and the call's options (truncation, padding,
// maxLength, ...). map() adds these notes to the fingerprint (./map.ts), next to a hash of the function's
// output on the probe rows, which catches the rest.
import { AsyncLocalStorage } from "node:async_hooks";

const scope = new AsyncLocalStorage<unknown[]>();

/** Runs `fn` and returns its result with every value noted (noteFingerprintInput) while it ran. */
export async function recordFingerprintInputs<T>(fn: () => Promise<T> | T): Promise<{ result: T; inputs: unknown[] }> {
  const inputs: unknown[] = [];
  const result = await scope.run(inputs, fn);
  return { result, inputs };
}

/** Called by objects whose settings decide a map's output (the tokenizer's call); a no-op outside a map. */
export function noteFingerprintInput(value: unknown): void {
  scope.getStore()?.push(value);
}
