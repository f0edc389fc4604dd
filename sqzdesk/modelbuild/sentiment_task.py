"""Sequence classification for sentiment: examples -> batches, loss (optionally distilled), accuracy.

Every token carries its case class (:func:`sqzdesk.engine.casing.case_ids`, the engine's own function, on
the token offsets into the text), fed as ``case_ids`` to models that take it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from sqzdesk.engine.casing import CASE_PAD, case_ids
from sqzdesk.modelbuild.cased import call
from sqzdesk.modelbuild.distill import kd_loss, mix
from sqzdesk.modelbuild.sentiment_data import Example
from sqzdesk.modelbuild.tokenize import head_tail, length_batches, load_tokenizer, pad

MAX_LENGTH = 128


class SentimentTask:
    def __init__(self, train: Sequence[Example], val: Sequence[Example], teacher: torch.nn.Module | None = None,
                 kd_weight: float = 0.5, temperature: float = 2.0):
        tok = load_tokenizer()
        cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
        if cls is None or sep is None:
            raise ValueError("the tokenizer has no [CLS]/[SEP] token")
        self.cls, self.sep = cls, sep
        self.train_ids, self.train_cases = self._encode(tok, [e.text for e in train])
        self.train_labels = [e.label for e in train]
        self.val = val
        self.val_ids, self.val_cases = self._encode(tok, [e.text for e in val])
        self.teacher = teacher.eval() if teacher is not None else None
        self.kd_weight, self.temperature = kd_weight, temperature

    def _encode(self, tok, texts: Sequence[str]) -> tuple[list[list[int]], list[list[int]]]:
        """(token ids, case ids) per text, [CLS] ... [SEP], long texts cut to head and tail alike."""
        import numpy as np

        encs = tok.encode_batch(list(texts), add_special_tokens=False)
        ids, cases = [], []
        for text, e in zip(texts, encs, strict=True):
            ids.append([self.cls, *head_tail(e.ids, MAX_LENGTH - 2), self.sep])
            shape = case_ids(text, np.array(e.offsets, dtype=np.int64).reshape(-1, 2)).tolist()
            cases.append([CASE_PAD, *head_tail(shape, MAX_LENGTH - 2), CASE_PAD])
        return ids, cases

    def _batch(self, idx: Sequence[int], ids: Sequence[list[int]],
               cases: Sequence[list[int]] | None = None) -> dict[str, torch.Tensor]:
        input_ids = pad([ids[i] for i in idx])
        batch = {"input_ids": input_ids, "attention_mask": (input_ids != 0).long()}
        if cases is not None:
            batch["case_ids"] = pad([cases[i] for i in idx])
        return batch

    def epoch_batches(self, epoch: int, seed: int, batch_size: int):
        lengths = [len(s) for s in self.train_ids]
        out = []
        for idx in length_batches(len(lengths), lengths, batch_size, seed * 1000 + epoch):
            b = self._batch(idx, self.train_ids, self.train_cases)
            b["labels"] = torch.tensor([self.train_labels[i] for i in idx])
            out.append(b)
        return out

    def text_batches(self, texts: Sequence[str], batch_size: int, seed: int) -> list[dict[str, torch.Tensor]]:
        """Unlabelled texts as training batches without ``labels`` (for a teacher to score: distillation)."""
        ids, cases = self._encode(load_tokenizer(), texts)
        return [self._batch(idx, ids, cases)
                for idx in length_batches(len(ids), [len(s) for s in ids], batch_size, seed)]

    def loss(self, model, batch):
        logits = call(model, batch).logits
        ce = F.cross_entropy(logits, batch["labels"])
        kd = None
        if self.teacher is not None:
            with torch.no_grad():
                teacher = call(self.teacher, batch).logits
            kd = kd_loss(logits, teacher, self.temperature)
        return mix(ce, kd, self.kd_weight)

    @torch.no_grad()
    def predict(self, model, ids: Sequence[list[int]] | None = None, batch_size: int = 64,
                cases: Sequence[list[int]] | None = None) -> list[int]:
        if ids is None:
            ids, cases = self.val_ids, self.val_cases
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        preds = [0] * len(ids)
        for k in range(0, len(order), batch_size):
            idx = order[k:k + batch_size]
            b = self._batch(idx, ids, cases)
            for i, p in zip(idx, call(model, b).logits.argmax(-1).tolist(), strict=True):
                preds[i] = p
        return preds

    def score(self, preds: Sequence[int]) -> dict[str, float]:
        return accuracy_by_source(self.val, preds)

    def evaluate(self, model) -> dict[str, float]:
        return self.score(self.predict(model))


def accuracy_by_source(val: Sequence[Example], preds: Sequence[int]) -> dict[str, float]:
    """Accuracy overall, on SST-2 sentences, and on the reviews, in percent."""
    hits: dict[str, list[int]] = defaultdict(list)
    for e, p in zip(val, preds, strict=True):
        ok = int(e.label == p)
        hits["accuracy"].append(ok)
        hits["accuracy_sst2" if e.source == "sst2" else "accuracy_reviews"].append(ok)
    return {k: round(100 * sum(v) / len(v), 2) for k, v in hits.items()}
