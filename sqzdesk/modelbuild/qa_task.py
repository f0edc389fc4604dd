"""Span extraction, trained and scored through the engine's own windows and span selection.

Training windows come from :func:`sqzdesk.engine.windows.make_windows` with the bundle's max_length and
stride, so the model learns exactly the inputs it will see in the app. A window without the answer (and
every window of an unanswerable question) targets [CLS]: that is where the engine's "no answer" mass
comes from. Losses ignore question tokens, as the engine's softmax does.

Validation runs whole contexts (all windows of a COVID paper too) through
:func:`sqzdesk.engine.qa.collect_spans`, then picks the no-answer threshold that maximises F1.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from sqzdesk.engine.qa import MAX_ANSWER_TOKENS, MAX_QUESTION_TOKENS, collect_spans, widen_to_patterns
from sqzdesk.engine.tokens import TextTokenizer
from sqzdesk.engine.windows import Window, batches, make_windows, run_windows
from sqzdesk.modelbuild.cased import takes_case
from sqzdesk.modelbuild.distill import kd_loss, mix
from sqzdesk.modelbuild.minilm import tokenizer_path
from sqzdesk.modelbuild.qa_data import QAExample, question_scores
from sqzdesk.modelbuild.trainer import on_device

MAX_LENGTH = 256
STRIDE = 96
NEGATIVES_PER_QUESTION = 1
MAX_COVID_VAL = 40  # whole papers are ~40 windows each: cap their share of validation time
NEG = -1e4


def model_feeds(model, batch: dict) -> dict:
    """The inputs ``model`` takes from a batch: ``case_ids`` only for a model with the case input."""
    keys = ("input_ids", "attention_mask", "token_type_ids") + (("case_ids",) if takes_case(model) else ())
    return on_device(model, {k: batch[k] for k in keys})


class _TorchRunner:
    """Lets the engine's ``run_windows`` drive a torch (or OrtModel) span model."""

    def __init__(self, model):
        self.model = model

    @torch.no_grad()
    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = self.model(**model_feeds(self.model, {k: torch.from_numpy(v) for k, v in feeds.items()}))
        return {"start_logits": out.start_logits.float().cpu().numpy(), "end_logits": out.end_logits.float().cpu().numpy()}


def answer_positions(window: Window, offsets: np.ndarray, start: int, end: int) -> tuple[int, int]:
    """Model positions of the answer's first and last token in this window, or (0, 0) = [CLS]."""
    if window.end <= window.start:
        return 0, 0
    first, last = offsets[window.start], offsets[window.end - 1]
    if not (first[0] <= start and last[1] >= end):
        return 0, 0
    tok = offsets[window.start:window.end]
    i = int(np.argmax(tok[:, 1] > start))
    j = int(len(tok) - 1 - np.argmax((tok[:, 0] < end)[::-1]))
    if j < i:
        return 0, 0
    return window.text_offset + i, window.text_offset + j


class QATask:
    def __init__(self, train: Sequence[QAExample], val: Sequence[QAExample], teacher: torch.nn.Module | None = None,
                 kd_weight: float = 0.5, temperature: float = 2.0, seed: int = 13):
        self.tok = TextTokenizer(tokenizer_path())
        self.teacher = teacher.eval() if teacher is not None else None
        self.kd_weight, self.temperature = kd_weight, temperature
        self.examples = self._training_windows(train, seed)
        covid = [e for e in val if e.source == "covid_qa"][:MAX_COVID_VAL]
        self.val = [e for e in val if e.source != "covid_qa"] + covid

    def _encode(self, examples: Sequence[QAExample]):
        contexts: dict[str, object] = {}
        unique = list(dict.fromkeys(e.context for e in examples))
        for text, tokens in zip(unique, self.tok.encode_many(unique), strict=True):
            contexts[text] = tokens
        questions = self.tok.encode_many([e.question for e in examples])
        return [contexts[e.context] for e in examples], [q.ids[:MAX_QUESTION_TOKENS] for q in questions]

    def _training_windows(self, train: Sequence[QAExample], seed: int):
        rng = random.Random(seed)
        contexts, prefixes = self._encode(train)
        windows = make_windows(self.tok, contexts, MAX_LENGTH, STRIDE, prefixes)
        by_item: dict[int, list[Window]] = defaultdict(list)
        for w in windows:
            by_item[w.item].append(w)
        out = []
        for item, ex in enumerate(train):
            answer = ex.answer
            targets = []
            for w in by_item[item]:
                pos = (0, 0) if answer is None else answer_positions(
                    w, contexts[item].offsets, answer[1], answer[1] + len(answer[0]))
                targets.append((w, pos))
            positives = [t for t in targets if t[1] != (0, 0)]
            negatives = [t for t in targets if t[1] == (0, 0)]
            rng.shuffle(negatives)
            keep = NEGATIVES_PER_QUESTION if positives else NEGATIVES_PER_QUESTION + 1
            out += positives + negatives[:keep]
        return out

    def epoch_batches(self, epoch: int, seed: int, batch_size: int):
        rng = random.Random(seed * 1000 + epoch)
        windows = [w for w, _ in self.examples]
        position = {id(w): pos for w, pos in self.examples}
        out = []
        for idx, feeds in batches(windows, batch_size, self.tok.pad_id):
            b = {k: torch.from_numpy(v) for k, v in feeds.items()}
            context = torch.zeros_like(b["input_ids"], dtype=torch.bool)
            context[:, 0] = True
            for row, i in enumerate(idx):
                w = windows[i]
                context[row, w.text_offset:w.text_offset + w.end - w.start] = True
            b["context_mask"] = context
            b["start_positions"] = torch.tensor([position[id(windows[i])][0] for i in idx])
            b["end_positions"] = torch.tensor([position[id(windows[i])][1] for i in idx])
            out.append(b)
        rng.shuffle(out)
        return out

    def loss(self, model, batch):
        out = model(**model_feeds(model, batch))
        mask = batch["context_mask"]
        start = out.start_logits.masked_fill(~mask, NEG)
        end = out.end_logits.masked_fill(~mask, NEG)
        ce = (F.cross_entropy(start, batch["start_positions"]) + F.cross_entropy(end, batch["end_positions"])) / 2
        kd = None
        if self.teacher is not None:
            with torch.no_grad():
                t = self.teacher(**model_feeds(self.teacher, batch))
            kd = (kd_loss(start, t.start_logits.masked_fill(~mask, NEG), self.temperature)
                  + kd_loss(end, t.end_logits.masked_fill(~mask, NEG), self.temperature)) / 2
        return mix(ce, kd, self.kd_weight)

    def predict(self, model) -> list[tuple[str, float]]:
        """(best answer text, its score) per validation question; ("", 0.0) when no span at all."""
        contexts, prefixes = self._encode(self.val)
        windows = make_windows(self.tok, contexts, MAX_LENGTH, STRIDE, prefixes)
        outputs = run_windows(_TorchRunner(model), windows, per_token=("start_logits", "end_logits"),
                              batch_size=32, pad_id=self.tok.pad_id)
        best = collect_spans(windows, outputs, contexts, MAX_ANSWER_TOKENS, [ex.context for ex in self.val])
        preds = []
        for ex, spans in zip(self.val, best, strict=True):
            if not spans:
                preds.append(("", 0.0))
                continue
            (s, e), score = max(spans.items(), key=lambda kv: kv[1])
            s, e = widen_to_patterns(ex.context, s, e)  # as the engine's rank_answers does
            preds.append((ex.context[s:e], round(score, 4)))
        return preds

    def score(self, preds: Sequence[tuple[str, float]]) -> dict[str, float]:
        return qa_metrics(self.val, preds)

    def evaluate(self, model) -> dict[str, float]:
        return self.score(self.predict(model))


def qa_metrics(val: Sequence[QAExample], preds: Sequence[tuple[str, float]]) -> dict[str, float]:
    """F1/EM in percent with the no-answer threshold that maximises F1 on this split (reported too)."""
    candidates = sorted({0.0, *(round(s, 4) for _, s in preds)})
    best_t, best_f1 = 0.0, -1.0
    for t in candidates[:: max(1, len(candidates) // 200)]:
        f1 = sum(question_scores(ex, a if s >= t else "")[0] for ex, (a, s) in zip(val, preds, strict=True))
        if f1 > best_f1:
            best_t, best_f1 = t, f1
    by: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for ex, (a, s) in zip(val, preds, strict=True):
        scores = question_scores(ex, a if s >= best_t else "")
        by["all"].append(scores)
        by[ex.source.split("_")[0] if ex.source.startswith("subjqa") else ex.source].append(scores)
        by["answerable" if ex.answers else "unanswerable"].append(scores)
    metrics = {"no_answer_threshold": best_t}
    for key, values in by.items():
        name = "" if key == "all" else f"_{key}"
        metrics[f"f1{name}"] = round(100 * sum(v[0] for v in values) / len(values), 2)
        if key == "all":
            metrics["em"] = round(100 * sum(v[1] for v in values) / len(values), 2)
    return metrics
