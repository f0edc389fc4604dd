"""Extractive question answering over a context of any length.

The question is the prefix of every window over the context. In each window start/end probabilities
are a softmax over the context tokens *and* [CLS], so a model trained with unanswerable questions puts
its "no answer" mass on [CLS] and every span's score drops. Spans from all windows compete; the same
character span seen by two windows keeps its best score; spans under the bundle's
``no_answer_threshold`` are dropped, and an empty list means "no answer found".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sqzdesk.engine.patterns import patterns_touching
from sqzdesk.engine.results import Answer
from sqzdesk.engine.sentences import PARAGRAPH_BREAK
from sqzdesk.engine.task import TaskModel
from sqzdesk.engine.tokens import Tokens
from sqzdesk.engine.windows import Progress, ShouldStop, Window, softmax

MAX_QUESTION_TOKENS = 64
CANDIDATES = 20
# Longest answer, in tokens. Calibrated on the QA validation split (shipped int8 bundle, 2,749 questions,
# model outputs computed once and spans re-ranked; F1 at each setting's best no-answer threshold):
# 30 -> 56.66, 20 -> 56.80, 17 -> 56.88, 15 -> 57.01, 12 -> 57.11, 10 -> 56.92. A length prior
# (score x exp(-b x length)) only lost F1 (b = 0.02 / 0.05 / 0.1 / 0.2 -> 56.62 / 56.43 / 56.18 / 55.11)
# though it raised EM. 15 keeps the long-document (COVID paper) answers that 12 starts to cut.
MAX_ANSWER_TOKENS = 15


class QAModel(TaskModel):
    task = "qa"
    per_token = ("start_logits", "end_logits")

    @property
    def threshold(self) -> float:
        return float(self.bundle.manifest.task_params.get("no_answer_threshold", 0.1))

    def ask(self, question: str, context: str, top_k: int = 3, max_answer_tokens: int = MAX_ANSWER_TOKENS,
            threshold: float | None = None, progress: Progress | None = None,
            should_stop: ShouldStop | None = None) -> list[Answer]:
        return self.ask_many([(question, context)], top_k, max_answer_tokens, threshold, progress,
                             should_stop)[0]

    def ask_many(self, pairs: Sequence[tuple[str, str]], top_k: int = 3, max_answer_tokens: int = MAX_ANSWER_TOKENS,
                 threshold: float | None = None, progress: Progress | None = None,
                 should_stop: ShouldStop | None = None) -> list[list[Answer]]:
        """Answers for many (question, context) pairs, their windows batched together."""
        limit = self.threshold if threshold is None else threshold
        for _, context in pairs:
            self.check_length(context)
        questions = self.tokenizer.encode_many([q for q, _ in pairs])
        contexts = self.tokenizer.encode_many([c for _, c in pairs])
        # a question never takes more than half a window (else a long one leaves no room for context)
        longest = min(MAX_QUESTION_TOKENS, self.max_length // 2)
        windows = self.windows(contexts, [q.ids[:longest] for q in questions])
        outputs = self.run(windows, progress, should_stop)
        best = collect_spans(windows, outputs, contexts, max_answer_tokens, [c for _, c in pairs])
        return [rank_answers(context, spans, limit, top_k) for (_, context), spans in zip(pairs, best, strict=True)]


def collect_spans(windows: Sequence[Window], outputs: Sequence[dict[str, np.ndarray]], contexts: Sequence[Tokens],
                  max_answer_tokens: int, texts: Sequence[str]) -> list[dict[tuple[int, int], float]]:
    """Per context: character span -> best score over every window that proposed it. A span across a
    blank line (a heading glued to the next paragraph's first words) is never an answer."""
    best: list[dict[tuple[int, int], float]] = [{} for _ in contexts]
    for w, out in zip(windows, outputs, strict=True):
        n, lo = w.end - w.start, w.text_offset
        p_start = _context_softmax(out["start_logits"], lo, n)
        p_end = _context_softmax(out["end_logits"], lo, n)
        ctx = contexts[w.item]
        for i, j, score in _spans(p_start[lo:lo + n], p_end[lo:lo + n], max_answer_tokens):
            key = _whole_words(ctx, w.start + i, w.start + j)
            if score > best[w.item].get(key, -1.0) and not PARAGRAPH_BREAK.search(texts[w.item], *key):
                best[w.item][key] = score
    return best


def _whole_words(tokens: Tokens, first: int, last: int) -> tuple[int, int]:
    """Character span of tokens first..last widened to whole words, so an answer is never "Swi" of "Swiss"."""
    words = tokens.words
    while first > 0 and words[first] >= 0 and words[first - 1] == words[first]:
        first -= 1
    while last + 1 < len(words) and words[last] >= 0 and words[last + 1] == words[last]:
        last += 1
    return int(tokens.offsets[first, 0]), int(tokens.offsets[last, 1])


def rank_answers(context: str, spans: dict[tuple[int, int], float], threshold: float, top_k: int) -> list[Answer]:
    """The best ``top_k`` spans at or above the threshold, each widened over any pattern entity it cuts;
    a span that widens into one already given is not repeated."""
    answers: list[Answer] = []
    seen: set[tuple[int, int]] = set()
    for (s, e), score in sorted(spans.items(), key=lambda kv: -kv[1]):
        if len(answers) == top_k or score < threshold:
            break
        s, e = widen_to_patterns(context, s, e)
        if e > s and (s, e) not in seen:
            seen.add((s, e))
            answers.append(Answer(context[s:e], s, e, round(score, 6)))
    return answers


def widen_to_patterns(context: str, start: int, end: int) -> tuple[int, int]:
    """An answer never cuts an e-mail address, URL, IBAN, card, IP or phone number in half: the model
    reads "marie.dupont@example.org" as several words and may stop after any of them."""
    for entity in patterns_touching(context, start, end):
        start, end = min(start, entity.start), max(end, entity.end)
    return start, end


def _context_softmax(logits: np.ndarray, lo: int, n: int) -> np.ndarray:
    """Softmax over [CLS] and the window's context tokens; question and [SEP] get nothing."""
    masked = np.full(logits.shape, -np.inf, dtype=np.float64)
    masked[0] = logits[0]
    masked[lo:lo + n] = logits[lo:lo + n]
    return softmax(masked)


def _spans(p_start: np.ndarray, p_end: np.ndarray, max_len: int):
    """Top (i, j, p_start[i] * p_end[j]) with i <= j < i + max_len, among the best starts and ends."""
    starts = np.argsort(-p_start)[:CANDIDATES]
    ends = np.argsort(-p_end)[:CANDIDATES]
    for i in starts:
        for j in ends:
            if i <= j < i + max_len:
                yield int(i), int(j), float(p_start[i] * p_end[j])
