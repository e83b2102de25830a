// configureWebGPUKernels: sets the WebGPU backend's measurement knobs (./options.ts) and applies a change at once
// where the backend is already running: the submit batch to tfjs's flag, kernel registrations to the registry.
// The benchmarks call it with their command-line flags (bench/gpu/kernelFlags.ts); library code only reads.
import { applySubmitBatch } from "./backend";
import { kernelOptionsView, setKernelOptions, type WebGPUKernelOptions } from "./options";
import { syncWebGPUKernels } from "./registerKernels";

/**
 * Changes some of the options (checked; unknown keys and bad values throw) and returns all of them as they were,
 * so that `configureWebGPUKernels(previous)` puts them back. Safe before or after the backend starts: fusedKernels
 * and trainFused (re)register kernels, submitBatch sets tfjs's WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE; matMul options
 * and readTimeoutS are read by every call.
 */
export function configureWebGPUKernels(changes: Partial<WebGPUKernelOptions>): WebGPUKernelOptions {
  const before = setKernelOptions(changes);
  const now = kernelOptionsView();
  if (now.submitBatch !== before.submitBatch) applySubmitBatch(now.submitBatch);
  if (now.fusedKernels !== before.fusedKernels || now.trainFused !== before.trainFused) syncWebGPUKernels();
  return before;
}
