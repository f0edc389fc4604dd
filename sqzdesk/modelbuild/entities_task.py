"""Token classification: every subword is labelled, the first with the word's tag, the rest inside it.

The engine tags a word by its first subword and splits words at punctuation too (``U.S.`` is four
pieces), so training marks every later piece of a CoNLL word ``I-X`` (or ``O``): then every piece of a name
agrees and a name is highlighted whole. Validation is scored like conlleval: exact entity spans over
CoNLL words, micro F1, per type too.

Every token also carries its case class (:func:`sqzdesk.engine.casing.piece_case` of the token's
characters in the original word: the engine's own definition), fed as ``case_ids`` to models that take it.
Validation chunks from silver Wikipedia (``source="silver"``) are scored apart as ``silver_f1``; ``f1`` stays
CoNLL valid only, the shipped cards' definition.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from sqzdesk.engine.casing import CASE_PAD, piece_case
from sqzdesk.modelbuild.cased import call
from sqzdesk.modelbuild.distill import kd_loss, mix
from sqzdesk.modelbuild.entities_data import LABELS, Chunk, EntitiesData
from sqzdesk.modelbuild.tokenize import length_batches, load_tokenizer, pad

IGNORE = -100
LABEL_ID = {label: i for i, label in enumerate(LABELS)}


def inside(tag: str) -> str:
    return "O" if tag == "O" else "I-" + tag.split("-", 1)[1]


class EntitiesTask:
    def __init__(self, train: Sequence[Chunk] | EntitiesData, val: Sequence[Chunk],
                 teacher: torch.nn.Module | None = None, kd_weight: float = 0.5, temperature: float = 2.0):
        self.tok = load_tokenizer()
        fixed = train.train if isinstance(train, EntitiesData) else train
        rotating = train.rotating if isinstance(train, EntitiesData) else []
        self.train = [self._encode(c) for c in fixed]
        self.rotating = [[self._encode(c) for c in part] for part in rotating]
        self.val_chunks = val
        self.val = [self._encode(c) for c in val]
        self.teacher = teacher.eval() if teacher is not None else None
        self.kd_weight, self.temperature = kd_weight, temperature

    def _encode(self, chunk: Chunk):
        enc = self.tok.encode(list(chunk.words), is_pretokenized=True, add_special_tokens=False)
        ids = [self.tok.token_to_id("[CLS]"), *enc.ids, self.tok.token_to_id("[SEP]")]
        # offsets of pre-tokenized input are within each word: the case of the piece as the word spells it
        cases = [CASE_PAD, *(piece_case(chunk.words[w][s:e]) if w is not None else CASE_PAD
                             for w, (s, e) in zip(enc.word_ids, enc.offsets, strict=True)), CASE_PAD]
        labels, firsts, last = [IGNORE], [], None
        for pos, w in enumerate(enc.word_ids):
            assert w is not None  # pre-tokenized, no special tokens: every piece is in a word
            tag = chunk.tags[w]
            if w != last:
                labels.append(LABEL_ID[tag])
                firsts.append(pos + 1)
            else:
                labels.append(LABEL_ID[inside(tag)])
            last = w
        labels.append(IGNORE)
        return ids, labels, firsts, cases

    def _batch(self, items) -> dict[str, torch.Tensor]:
        input_ids = pad([it[0] for it in items])
        return {"input_ids": input_ids, "attention_mask": (input_ids != 0).long(),
                "labels": pad([it[1] for it in items], IGNORE), "case_ids": pad([it[3] for it in items])}

    def epoch_items(self, epoch: int) -> list:
        """The fixed training chunks plus this epoch's silver slice."""
        return self.train + (self.rotating[epoch % len(self.rotating)] if self.rotating else [])

    def epoch_batches(self, epoch: int, seed: int, batch_size: int):
        items = self.epoch_items(epoch)
        lengths = [len(it[0]) for it in items]
        return [self._batch([items[i] for i in idx])
                for idx in length_batches(len(lengths), lengths, batch_size, seed * 1000 + epoch)]

    def loss(self, model, batch):
        logits = call(model, batch).logits
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch["labels"].reshape(-1), ignore_index=IGNORE)
        kd = None
        if self.teacher is not None:
            with torch.no_grad():
                teacher = call(self.teacher, batch).logits
            kd = kd_loss(logits, teacher, self.temperature, keep=batch["labels"] != IGNORE)
        return mix(ce, kd, self.kd_weight)

    @torch.no_grad()
    def predict(self, model, batch_size: int = 32) -> list[list[str]]:
        """Tag per CoNLL word of each validation chunk (the first subword's argmax).

        Batches never mix sources: int8 graphs quantize activations per batch, so CoNLL's figures stay
        those of CoNLL batches alone (as on the cards) whether or not silver chunks are scored too."""
        out: list[list[str]] = [[] for _ in self.val]
        for source in dict.fromkeys(c.source for c in self.val_chunks):
            order = sorted((i for i, c in enumerate(self.val_chunks) if c.source == source),
                           key=lambda i: len(self.val[i][0]))
            for k in range(0, len(order), batch_size):
                idx = order[k:k + batch_size]
                b = self._batch([self.val[i] for i in idx])
                best = call(model, b).logits.argmax(-1).cpu()
                for row, i in enumerate(idx):
                    out[i] = [LABELS[int(best[row, p])] for p in self.val[i][2]]
        return out

    def score(self, preds: Sequence[Sequence[str]]) -> dict[str, float]:
        conll = [i for i, c in enumerate(self.val_chunks) if c.source == "conll"]
        chunks = [self.val_chunks[i] for i in conll]
        conll_preds = [preds[i] for i in conll]
        metrics = {**span_f1([c.tags for c in chunks], conll_preds), **case_ambiguity(chunks, conll_preds)}
        silver = [i for i, c in enumerate(self.val_chunks) if c.source == "silver"]
        if silver:
            scored = span_f1([self.val_chunks[i].tags for i in silver], [preds[i] for i in silver])
            metrics.update({f"silver_{k}": v for k, v in scored.items()})
        return metrics

    def evaluate(self, model) -> dict[str, float]:
        return self.score(self.predict(model))


def spans(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """IOB2 -> (start, end, type); an I- that does not continue its type opens a new span (conlleval)."""
    out: set[tuple[int, int, str]] = set()
    current: tuple[int, str] | None = None  # (start, type) of the open span
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, t = tag.partition("-")
        if current is not None and (prefix != "I" or t != current[1]):
            out.add((current[0], i, current[1]))
            current = None
        if prefix in ("B", "I") and current is None:
            current = (i, t)
    return out


def span_f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float]:
    tp: Counter = Counter()
    n_gold: Counter = Counter()
    n_pred: Counter = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs, ps = spans(g), spans(p)
        for s in gs:
            n_gold[s[2]] += 1
        for s in ps:
            n_pred[s[2]] += 1
        for s in gs & ps:
            tp[s[2]] += 1

    def f1(t: int, g: int, p: int) -> float:
        return round(100 * 2 * t / (g + p), 2) if g + p else 0.0

    metrics = {"f1": f1(sum(tp.values()), sum(n_gold.values()), sum(n_pred.values()))}
    for kind in sorted(n_gold):
        metrics[f"f1_{kind}"] = f1(tp[kind], n_gold[kind], n_pred[kind])
    return metrics


def case_ambiguity(chunks: Sequence[Chunk], preds: Sequence[Sequence[str]]) -> dict[str, float]:
    """What the uncased tokenizer costs: recall on names that are also everyday lowercase words.

    A gold entity is case-ambiguous when every one of its words also occurs in the split in lower case
    tagged O ("May" / "may", "Bush" / "bush", "Black Sea"): after lowercasing the model sees the very same
    tokens for both, so only the context can tell them apart.
    """
    lower_words = {w for c in chunks for w, t in zip(c.words, c.tags, strict=True) if t == "O" and w.islower()}
    hits = {True: [0, 0], False: [0, 0]}
    for chunk, pred in zip(chunks, preds, strict=True):
        found = spans(pred)
        for start, end, kind in spans(chunk.tags):
            ambiguous = all(w.lower() in lower_words for w in chunk.words[start:end])
            hits[ambiguous][0] += (start, end, kind) in found
            hits[ambiguous][1] += 1
    return {"recall_case_ambiguous": round(100 * hits[True][0] / max(1, hits[True][1]), 2),
            "recall_other": round(100 * hits[False][0] / max(1, hits[False][1]), 2),
            "case_ambiguous_entities": hits[True][1]}
