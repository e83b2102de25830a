// Graceful stop on SIGINT (Ctrl-C in a terminal; Jupyter's "interrupt kernel" sends SIGINT to the kernel).
// While a guard is active, it replaces the process's other SIGINT listeners (tslab's would abandon the running
// cell while training went on in the background) and only records the request; the training loop checks it
// between steps, finishes cleanly and the listeners are put back. A second SIGINT outside a notebook exits at
// once (checkpoints are written atomically, so nothing is left half-written); in a notebook it is reported.
// Install it with `await InterruptGuard.install(...)`: that first leaves the synchronous part of the notebook
// cell. tslab runs a cell's synchronous code under vm's breakOnSigint, which takes SIGINT listeners away and
// afterwards restores the process's signal handling; a listener added in that window is lost at the OS level
// and Jupyter's interrupt then kills the kernel (observed with tslab 1.0.22 on Node 20).
import { inNotebook } from "../notebookDisplay";

export class InterruptGuard {
  private requested = false;
  private count = 0;
  private readonly saved: Array<(...args: unknown[]) => void>;
  private readonly listener = (): void => this.onSignal();
  private active = true;

  /** Installs a guard once the caller's synchronous code has finished (see the note at the top). */
  static async install(what: string): Promise<InterruptGuard> {
    await yieldToEventLoop();
    return new InterruptGuard(what);
  }

  private constructor(private readonly what: string) {
    this.saved = process.listeners("SIGINT") as Array<(...args: unknown[]) => void>;
    process.removeAllListeners("SIGINT");
    process.on("SIGINT", this.listener);
  }

  /** True once SIGINT was received. */
  get interrupted(): boolean {
    return this.requested;
  }

  /** Marks the stop as requested (as a SIGINT would); for tests and callers that stop programmatically. */
  request(): void {
    this.requested = true;
  }

  private onSignal(): void {
    this.count += 1;
    this.requested = true;
    if (this.count === 1) {
      console.warn(`\nInterrupt received: ${this.what}. (Interrupt again to stop immediately${inNotebook() ? "; in a notebook the kernel keeps running it until then" : ""}.)`);
    } else if (!inNotebook()) {
      console.warn("Second interrupt: exiting now. Completed checkpoints are intact; resume from the latest one.");
      process.exit(130);
    } else {
      console.warn(`Still stopping: ${this.what}.`);
    }
  }

  /** Restores the listeners that were there before. */
  release(): void {
    if (!this.active) return;
    this.active = false;
    process.removeListener("SIGINT", this.listener);
    for (const l of this.saved) process.on("SIGINT", l);
  }
}

/** Lets pending I/O (notebook outputs, signals) run between two synchronous compute steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
