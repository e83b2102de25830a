// TrainerState: the progress and log of a training run, saved as trainer_state.json in every checkpoint with
// transformers' field names (global_step, epoch, log_history, best_metric, ...), so tools that read HF
// checkpoints understand it and a resumed run continues its log.

export type LogEntry = Record<string, number>;

export interface TrainerStateJson {
  best_global_step: number | null;
  best_metric: number | null;
  best_model_checkpoint: string | null;
  epoch: number;
  eval_steps: number;
  global_step: number;
  is_hyper_param_search: boolean;
  is_local_process_zero: boolean;
  is_world_process_zero: boolean;
  log_history: LogEntry[];
  logging_steps: number;
  max_steps: number;
  num_input_tokens_seen: number;
  num_train_epochs: number;
  save_steps: number;
  stateful_callbacks: Record<string, unknown>;
  total_flos: number;
  train_batch_size: number;
  trial_name: string | null;
  trial_params: Record<string, unknown> | null;
}

export class TrainerState {
  epoch = 0;
  globalStep = 0;
  maxSteps = 0;
  numTrainEpochs = 0;
  trainBatchSize = 0;
  loggingSteps = 500;
  evalSteps = 500;
  saveSteps = 500;
  logHistory: LogEntry[] = [];
  bestMetric: number | null = null;
  bestGlobalStep: number | null = null;
  bestModelCheckpoint: string | null = null;
  numInputTokensSeen = 0;
  totalFlos = 0;
  /** transformers' stateful_callbacks: {name: {args, attributes}}; the Trainer keeps its running loss sums here. */
  statefulCallbacks: Record<string, unknown> = {};

  toJSON(): TrainerStateJson {
    return {
      best_global_step: this.bestGlobalStep,
      best_metric: this.bestMetric,
      best_model_checkpoint: this.bestModelCheckpoint,
      epoch: this.epoch,
      eval_steps: this.evalSteps,
      global_step: this.globalStep,
      is_hyper_param_search: false,
      is_local_process_zero: true,
      is_world_process_zero: true,
      log_history: this.logHistory,
      logging_steps: this.loggingSteps,
      max_steps: this.maxSteps,
      num_input_tokens_seen: this.numInputTokensSeen,
      num_train_epochs: this.numTrainEpochs,
      save_steps: this.saveSteps,
      stateful_callbacks: this.statefulCallbacks,
      total_flos: this.totalFlos,
      train_batch_size: this.trainBatchSize,
      trial_name: null,
      trial_params: null,
    };
  }

  static fromJSON(j: Partial<TrainerStateJson>, source = "trainer_state.json"): TrainerState {
    if (typeof j.global_step !== "number" || !Number.isInteger(j.global_step) || j.global_step < 0) {
      throw new Error(`${source}: global_step must be a non-negative integer, got ${JSON.stringify(j.global_step)}`);
    }
    const s = new TrainerState();
    s.globalStep = j.global_step;
    s.epoch = j.epoch ?? 0;
    s.maxSteps = j.max_steps ?? 0;
    s.numTrainEpochs = j.num_train_epochs ?? 0;
    s.trainBatchSize = j.train_batch_size ?? 0;
    s.loggingSteps = j.logging_steps ?? 500;
    s.evalSteps = j.eval_steps ?? 500;
    s.saveSteps = j.save_steps ?? 500;
    s.logHistory = Array.isArray(j.log_history) ? j.log_history : [];
    s.bestMetric = j.best_metric ?? null;
    s.bestGlobalStep = j.best_global_step ?? null;
    s.bestModelCheckpoint = j.best_model_checkpoint ?? null;
    s.numInputTokensSeen = j.num_input_tokens_seen ?? 0;
    s.totalFlos = j.total_flos ?? 0;
    s.statefulCallbacks = j.stateful_callbacks && typeof j.stateful_callbacks === "object" ? j.stateful_callbacks : {};
    return s;
  }
}
