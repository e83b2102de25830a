"""PyTorch side of bench/peer.ts' training comparison: the seed's own recipe (transformers' Trainer with the
tutorial's TrainingArguments, here with the quick preset's learning rate) on the same weights and rows.

    python bench/peer_train.py MODEL_DIR IDS_FILE ROWS SEQ BATCH THREADS LR EPOCHS

IDS_FILE holds int32 little-endian input_ids, then attention_mask ([ROWS, SEQ] row-major each), then the ROWS
labels. Prints one JSON line with the Trainer's train metrics (train_samples_per_second, train_loss, ...).
"""
import json
import sys
import tempfile

import numpy as np
import torch
import transformers
from transformers import BertForSequenceClassification, Trainer, TrainingArguments


class Rows(torch.utils.data.Dataset):
    def __init__(self, ids, mask, labels):
        self.ids, self.mask, self.labels = ids, mask, labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": self.mask[i], "labels": self.labels[i]}


def main() -> None:
    model_dir, ids_file, rows, seq, batch, threads, lr, epochs = sys.argv[1:9]
    rows, seq, batch, threads, lr, epochs = int(rows), int(seq), int(batch), int(threads), float(lr), float(epochs)
    torch.set_num_threads(threads)
    raw = np.fromfile(ids_file, dtype="<i4")
    if raw.size != 2 * rows * seq + rows:
        raise SystemExit(f"{ids_file}: {raw.size} int32 values, expected 2 x {rows} x {seq} + {rows}")
    ids = torch.from_numpy(raw[: rows * seq].reshape(rows, seq).astype(np.int64))
    mask = torch.from_numpy(raw[rows * seq : 2 * rows * seq].reshape(rows, seq).astype(np.int64))
    labels = torch.from_numpy(raw[2 * rows * seq :].astype(np.int64))
    model = BertForSequenceClassification.from_pretrained(model_dir)
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, eval_strategy="no", save_strategy="no", report_to="none", learning_rate=lr,
            per_device_train_batch_size=batch, num_train_epochs=epochs, weight_decay=0.01, seed=42,
            logging_steps=10_000, use_cpu=True, dataloader_num_workers=0, disable_tqdm=True,
        )
        result = Trainer(model=model, args=args, train_dataset=Rows(ids, mask, labels)).train()
    print(json.dumps({**result.metrics, "torch": torch.__version__, "transformers": transformers.__version__, "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
