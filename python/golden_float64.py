"""How far the tiny-bert training golden itself lies from exact arithmetic, per parameter.

Usage: python golden_float64.py GOLDEN_DIR
Runs the five optimiser steps of golden.json (the recipe of golden_torch.py) in float64 from golden/tiny-bert/model
and prints one JSON object: for each parameter, max |after.<name> - float64 result| / max |after.<name>|, the
golden's own float32 rounding after five steps. test/train.golden.test.ts adds it to its bar (its fixture is this
script's output, checked against a fresh run where Python transformers is installed).
"""
import json
import os
import sys

import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_torch import batch, load, train_five_steps  # noqa: E402


def main() -> None:
    golden_dir = sys.argv[1]
    g = load_file(os.path.join(golden_dir, "golden.safetensors"))
    spec = json.load(open(os.path.join(golden_dir, "golden.json"), encoding="utf-8"))
    model = load(golden_dir, "eager").double()
    train_five_steps(model, g, spec)
    out = {}
    for name, p in model.named_parameters():
        after = g[f"after.{name}"].double()
        out[name] = ((after - p.detach()).abs().max() / after.abs().max()).item()
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
