// Learning-rate schedules of transformers.get_scheduler (LambdaLR multipliers of the base lr).
// `lrAt(k)` is the lr used by optimizer step k+1 (k = number of scheduler steps taken so far), which is what
// HF's Trainer applies to that step and what this project logs as the step's learning_rate.

export type LrSchedulerType = "linear" | "constant" | "constant_with_warmup" | "cosine";

export interface LrScheduleOptions {
  type: LrSchedulerType;
  baseLr: number;
  warmupSteps: number;
  totalSteps: number;
}

export class LrSchedule {
  readonly type: LrSchedulerType;
  readonly baseLr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  /** Scheduler steps taken (torch's last_epoch); saved in checkpoints as scheduler state. */
  stepCount = 0;

  constructor(opts: LrScheduleOptions) {
    if (!["linear", "constant", "constant_with_warmup", "cosine"].includes(opts.type)) {
      throw new Error(`lrSchedulerType "${opts.type}" is not supported; use "linear", "cosine", "constant" or "constant_with_warmup"`);
    }
    this.type = opts.type;
    this.baseLr = opts.baseLr;
    this.warmupSteps = Math.max(0, Math.floor(opts.warmupSteps));
    this.totalSteps = opts.totalSteps;
  }

  /** The multiplier of the base lr after `k` scheduler steps (transformers' lr_lambda). */
  factor(k: number): number {
    const w = this.warmupSteps;
    if (this.type === "constant") return 1;
    if (k < w) return k / Math.max(1, w);
    if (this.type === "constant_with_warmup") return 1;
    if (this.type === "linear") return Math.max(0, (this.totalSteps - k) / Math.max(1, this.totalSteps - w));
    const progress = (k - w) / Math.max(1, this.totalSteps - w);
    return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
  }

  lrAt(k: number): number {
    return this.baseLr * this.factor(k);
  }

  /** The lr the next optimizer step uses. */
  get currentLr(): number {
    return this.lrAt(this.stepCount);
  }

  step(): void {
    this.stepCount += 1;
  }

  stateDict(): { type: LrSchedulerType; base_lrs: number[]; last_epoch: number; warmup_steps: number; total_steps: number; _last_lr: number[] } {
    return { type: this.type, base_lrs: [this.baseLr], last_epoch: this.stepCount, warmup_steps: this.warmupSteps, total_steps: this.totalSteps, _last_lr: [this.currentLr] };
  }

  loadStateDict(s: { last_epoch: number; type?: string; total_steps?: number }): void {
    if (!Number.isInteger(s.last_epoch) || s.last_epoch < 0) throw new Error(`scheduler state: last_epoch must be a non-negative integer, got ${s.last_epoch}`);
    if (s.type !== undefined && s.type !== this.type) {
      throw new Error(`scheduler state was saved for lrSchedulerType "${s.type}" but this run uses "${this.type}"; resume with the same TrainingArguments`);
    }
    this.stepCount = s.last_epoch;
  }
}

/** transformers' linear schedule with warm-up (get_linear_schedule_with_warmup). */
export function linearScheduleWithWarmup(baseLr: number, warmupSteps: number, totalSteps: number): LrSchedule {
  return new LrSchedule({ type: "linear", baseLr, warmupSteps, totalSteps });
}
