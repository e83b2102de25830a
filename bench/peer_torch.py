"""PyTorch side of bench/peer.ts: transformers' BertForSequenceClassification on the same weights and ids.

    python bench/peer_torch.py MODEL_DIR IDS_FILE ROWS SEQ BATCH THREADS LOGITS_OUT

IDS_FILE holds int32 little-endian input_ids then attention_mask, each [ROWS, SEQ] row-major (token types 0).
Loads the model (eval mode), writes the logits of every row (float32 [ROWS, num_labels]) to LOGITS_OUT after
one untimed pass (warm-up), prints one JSON line {"ready": ...}, then for each "run" line read on stdin times
one pass over all rows in batches of BATCH and prints {"seconds": ...}; "quit" (or end of input) exits. This
way the Node side can interleave PyTorch's rounds with its own, on the same machine load.
"""
import json
import sys
import time

import numpy as np
import torch
import transformers
from transformers import BertForSequenceClassification


def main() -> None:
    model_dir, ids_file, rows, seq, batch, threads, logits_out = sys.argv[1:8]
    rows, seq, batch, threads = int(rows), int(seq), int(batch), int(threads)
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    raw = np.fromfile(ids_file, dtype="<i4")
    if raw.size != 2 * rows * seq:
        raise SystemExit(f"{ids_file}: {raw.size} int32 values, expected 2 x {rows} x {seq}")
    ids = torch.from_numpy(raw[: rows * seq].reshape(rows, seq).astype(np.int64))
    mask = torch.from_numpy(raw[rows * seq :].reshape(rows, seq).astype(np.int64))
    types = torch.zeros_like(ids)
    model = BertForSequenceClassification.from_pretrained(model_dir)
    model.eval()

    def one_pass() -> torch.Tensor:
        out = []
        with torch.inference_mode():
            for s in range(0, rows, batch):
                out.append(model(input_ids=ids[s : s + batch], attention_mask=mask[s : s + batch], token_type_ids=types[s : s + batch]).logits)
        return torch.cat(out)

    logits = one_pass()
    logits.numpy().astype("<f4").tofile(logits_out)
    print(
        json.dumps(
            {
                "ready": True,
                "torch": torch.__version__,
                "transformers": transformers.__version__,
                "threads": torch.get_num_threads(),
                "attn_implementation": getattr(model.config, "_attn_implementation", None),
            }
        ),
        flush=True,
    )
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        if cmd != "run":
            continue
        t0 = time.perf_counter()
        one_pass()
        print(json.dumps({"seconds": time.perf_counter() - t0}), flush=True)


if __name__ == "__main__":
    main()
