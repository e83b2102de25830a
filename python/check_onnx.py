"""Checks an exported onnx/model.onnx with the ONNX project's own tools, against PyTorch on the same folder.

Usage: python check_onnx.py SAVED_DIR IDS_JSON
IDS_JSON: {"input_ids": [[...], ...], "attention_mask": [[...], ...]} (rows of equal length).
Prints one JSON object: the checker's verdict (onnx.checker.check_model with full_check, i.e. strict shape
inference), IR version and opsets, the operators used, and the largest difference between the logits of
onnx.reference.ReferenceEvaluator (ONNX's reference implementation of every operator, in NumPy) and
AutoModelForSequenceClassification on the same ids.
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import transformers
from onnx.reference import ReferenceEvaluator
from transformers import AutoModelForSequenceClassification


def main() -> None:
    saved_dir, ids_file = sys.argv[1], sys.argv[2]
    with open(ids_file, encoding="utf-8") as f:
        batch = json.load(f)
    path = os.path.join(saved_dir, "onnx", "model.onnx")
    model = onnx.load(path)
    checker = "ok"
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as err:  # the verdict is reported, not raised: the caller decides
        checker = f"{type(err).__name__}: {err}"
    ids = np.array(batch["input_ids"], dtype=np.int64)
    mask = np.array(batch["attention_mask"], dtype=np.int64)
    types = np.zeros_like(ids)
    (onnx_logits,) = ReferenceEvaluator(model).run(["logits"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
    transformers.logging.set_verbosity_error()
    torch_model = AutoModelForSequenceClassification.from_pretrained(saved_dir).eval()
    with torch.no_grad():
        torch_logits = torch_model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask), token_type_ids=torch.from_numpy(types)).logits.numpy()
    print(json.dumps({
        "versions": {"onnx": onnx.__version__, "transformers": transformers.__version__, "torch": torch.__version__},
        "checker": checker,
        "ir_version": model.ir_version,
        "opsets": {imp.domain or "ai.onnx": imp.version for imp in model.opset_import},
        "operators": sorted({n.op_type for n in model.graph.node}),
        "logits_shape": list(onnx_logits.shape),
        "max_abs_diff_vs_torch": float(np.max(np.abs(onnx_logits - torch_logits))),
        "max_abs_logit": float(np.max(np.abs(torch_logits))),
    }))


if __name__ == "__main__":
    main()
