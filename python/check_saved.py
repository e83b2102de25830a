"""Loads a folder written by bert-imdb-ts's saveFineTuned with Python transformers and reports what it sees.

Usage: python check_saved.py SAVED_DIR TEXTS_JSON  (TEXTS_JSON: a JSON array of strings)
Prints one JSON object: library versions, the config's classifier fields, the model's load report
(missing / unexpected / mismatched keys), the tokenizer's class and ids (truncation to model_max_length),
the logits of AutoModelForSequenceClassification, and pipeline("sentiment-analysis") results.
"""
import json
import sys

import torch
import transformers
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, pipeline


def main() -> None:
    saved_dir, texts_file = sys.argv[1], sys.argv[2]
    with open(texts_file, encoding="utf-8") as f:
        texts = json.load(f)
    transformers.logging.set_verbosity_error()
    config = AutoConfig.from_pretrained(saved_dir)
    model, info = AutoModelForSequenceClassification.from_pretrained(saved_dir, output_loading_info=True)
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(saved_dir)
    enc = tokenizer(texts, truncation=True, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits
    ids = [[int(t) for t, m in zip(row, mask) if m] for row, mask in zip(enc["input_ids"], enc["attention_mask"])]
    classifier = pipeline("sentiment-analysis", model=model, tokenizer=tokenizer, device="cpu")
    results = classifier(texts, batch_size=8, truncation=True)
    print(json.dumps({
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__},
        "config": {
            "model_type": config.model_type,
            "architectures": config.architectures,
            "id2label": {str(k): v for k, v in config.id2label.items()},
            "label2id": config.label2id,
            "problem_type": config.problem_type,
        },
        "model_class": type(model).__name__,
        "loading_info": {k: sorted(str(x) for x in v) for k, v in info.items()},
        "tokenizer_class": type(tokenizer).__name__,
        "model_max_length": tokenizer.model_max_length,
        "input_ids": ids,
        "logits": logits.tolist(),
        "pipeline": [{"label": r["label"], "score": float(r["score"])} for r in results],
    }))


if __name__ == "__main__":
    main()
