// HF Trainer's two optimizer parameter groups: weight decay for every weight except biases and LayerNorm
// parameters. Transformers derives the no-decay set with get_parameter_names(model, ALL_LAYERNORM_LAYERS,
// ["bias", "layernorm", "rmsnorm", "(?:^|\.)norm(?:$|\.)", "_norm(?:$|\.)"]): a parameter decays unless it
// belongs to a LayerNorm module or its name matches one of those patterns (case-insensitively).

export interface ParamGroup {
  weightDecay: number;
  /** Parameter names (HF names, e.g. "bert.encoder.layer.0.attention.self.query.weight"), sorted. */
  params: string[];
}

const NO_DECAY_PATTERNS = [/bias/i, /layernorm/i, /layer_norm/i, /rmsnorm/i, /(?:^|\.)norm(?:$|\.)/i, /_norm(?:$|\.)/i];

/** True when HF's Trainer would put this parameter in the weight-decay group. */
export function decaysWeight(name: string): boolean {
  return !NO_DECAY_PATTERNS.some((re) => re.test(name));
}

/**
 * The two groups in the order HF builds them (decay first, then no decay), names sorted. Groups that
 * would be empty are still returned, so callers can print both.
 */
export function weightDecayParamGroups(names: readonly string[], weightDecay: number): [ParamGroup, ParamGroup] {
  const decay: string[] = [];
  const noDecay: string[] = [];
  for (const n of names) (decaysWeight(n) ? decay : noDecay).push(n);
  decay.sort();
  noDecay.sort();
  return [
    { weightDecay, params: decay },
    { weightDecay: 0, params: noDecay },
  ];
}
