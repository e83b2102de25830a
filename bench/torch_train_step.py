"""PyTorch's side of bench:train's figures: BertForSequenceClassification (random init from a config.json, 2
labels) trained on random ids at batch B x S: forward, loss, backward, clipping to 1.0 and torch.optim.AdamW
(HF's two weight-decay groups), the steps bench:train times, in a plain loop (no Trainer, no data loading).

    python bench/torch_train_step.py CONFIG_JSON [--batch 16] [--seq 128] [--steps 3] [--warmup 2] [--threads N]

Prints one line: TORCH <samples/s> (<s per step> over <steps> steps), after the warm-up steps.
"""
import argparse
import json
import os
import time

import torch
from transformers import BertConfig, BertForSequenceClassification


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    with open(a.config) as f:
        config = BertConfig(**{**json.load(f), "num_labels": 2})
    model = BertForSequenceClassification(config).train()
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=2e-5)
    ids = torch.randint(1000, config.vocab_size, (a.batch, a.seq))
    mask = torch.ones_like(ids)
    labels = torch.randint(0, 2, (a.batch,))

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    per_step = (time.perf_counter() - t0) / a.steps
    print(f"TORCH {a.batch / per_step:.2f} samples/s ({per_step:.3f} s per step over {a.steps} steps, batch {a.batch} x {a.seq}, "
          f"{a.threads} threads, torch {torch.__version__})")


if __name__ == "__main__":
    main()
