// Freeing the copies onnxruntime-node makes of its outputs, at once. The binding (1.30) writes each result into
// the array the caller preallocated and then also returns it in a new ArrayBuffer, which the host kernels drop.
// Dropped, those copies (≈ 70 MB per quick-model training step) are memory outside V8's heap that V8 counts
// towards its next full collection: measured here, 71–73 mark-compacts in 31 steps, with concurrent marking on
// the second core that ONNX Runtime's products need. ArrayBuffer.prototype.transfer(0) (ES2024) detaches a
// buffer and frees its memory before returning; with it the same run made 14 mark-compacts and its step took
// 0.265 s instead of 0.33 s (bench/RESULTS.md). Node 20's V8 (11.3) has the method behind a flag only: the flag
// is set here at run time and the method taken from a new context (a realm made after the flag is set has it),
// so the ArrayBuffer constructor of the caller's realm is left as it is. Where neither works, freeBuffer does
// nothing and the copies go to the garbage collector as before.
import * as v8 from "node:v8";
import * as vm from "node:vm";

type Transfer = (this: ArrayBuffer, newLength?: number) => ArrayBuffer;

let transfer: Transfer | null | undefined;

/** ArrayBuffer.prototype.transfer: this realm's, else a realm's made with V8's harmony flag, else null. */
function findTransfer(): Transfer | null {
  const own = (ArrayBuffer.prototype as { transfer?: Transfer }).transfer;
  if (typeof own === "function") return own;
  try {
    v8.setFlagsFromString("--harmony-rab-gsab-transfer");
    const t = vm.runInNewContext("ArrayBuffer.prototype.transfer") as Transfer | undefined;
    if (typeof t !== "function") return null;
    const probe = new ArrayBuffer(8);
    t.call(probe, 0);
    return probe.byteLength === 0 ? t : null;
  } catch {
    return null;
  }
}

function transferOrNull(): Transfer | null {
  if (transfer === undefined) transfer = findTransfer();
  return transfer;
}

/** Whether freeBuffer frees memory here (false: it leaves buffers to the garbage collector). */
export function canFreeBuffers(): boolean {
  return transferOrNull() !== null;
}

/**
 * Frees `buffer`'s memory now (it is detached: every view of it reads as empty). Only for buffers nothing else
 * reads: here, the output copies of onnxruntime-node that the kernels never look at.
 */
export function freeBuffer(buffer: ArrayBufferLike): void {
  const t = transferOrNull();
  if (t && buffer instanceof ArrayBuffer && buffer.byteLength > 0) t.call(buffer, 0);
}
