"""Re-runs the tiny-bert golden computations with the PyTorch + transformers installed here.

Usage: python golden_torch.py GOLDEN_DIR OUT.safetensors
For each attention implementation (sdpa, transformers' default, and eager) it writes
  <impl>.grad.<param>   gradient of batch0's mean cross-entropy (as golden.safetensors' grad.*)
  <impl>.after.<param>  parameters after the five optimiser steps of golden.json (as after.*)
so that tests can tell how far PyTorch itself, on another machine and version, lands from the golden files.
Prints a JSON line with the library versions.
"""
import json
import os
import sys

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import BertForSequenceClassification


def load(golden_dir, impl):
    transformers.logging.set_verbosity_error()
    model = BertForSequenceClassification.from_pretrained(os.path.join(golden_dir, "model"), attn_implementation=impl)
    model.train()  # the golden model has dropout 0, so train mode is deterministic
    return model


def batch(g, prefix):
    return {k: g[f"{prefix}.{k}"].long() for k in ("input_ids", "attention_mask", "labels")}


def main() -> None:
    golden_dir, out_file = sys.argv[1], sys.argv[2]
    g = load_file(os.path.join(golden_dir, "golden.safetensors"))
    spec = json.load(open(os.path.join(golden_dir, "golden.json"), encoding="utf-8"))
    out = {}
    for impl in ("sdpa", "eager"):
        model = load(golden_dir, impl)
        model(**batch(g, "batch0")).loss.backward()
        for name, p in model.named_parameters():
            out[f"{impl}.grad.{name}"] = p.grad.detach().clone().contiguous()

        # Five steps as the HF Trainer builds them: AdamW with two groups (no decay for biases and LayerNorm
        # weights), linear decay to 0 without warm-up, clipping to max_grad_norm before each step.
        model = load(golden_dir, impl)
        no_decay = [n for n, _ in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
        groups = [
            {"params": [p for n, p in model.named_parameters() if n not in no_decay], "weight_decay": spec["weight_decay"]},
            {"params": [p for n, p in model.named_parameters() if n in no_decay], "weight_decay": 0.0},
        ]
        d = spec["optimizer_defaults"]
        opt = torch.optim.AdamW(groups, lr=spec["lr"], betas=tuple(d["betas"]), eps=d["eps"])
        n = spec["n_steps"]
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (n - s) / n))
        for step in range(1, n + 1):
            model(**batch(g, f"step{step}")).loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), spec["max_grad_norm"])
            opt.step()
            sched.step()
            opt.zero_grad()
        for name, p in model.named_parameters():
            out[f"{impl}.after.{name}"] = p.detach().clone().contiguous()
    save_file(out, out_file)
    print(json.dumps({"transformers": transformers.__version__, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
