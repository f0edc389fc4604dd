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

from sqzdesk.engine.bundle import Bundle
from sqzdesk.engine.patterns import patterns_touching
from sqzdesk.engine.results import Answer
from sqzdesk.engine.sentences import PARAGRAPH_BREAK
from sqzdesk.engine.task import DEFAULT_BATCH_SIZE, TaskModel
from sqzdesk.engine.tokens import PIECE_CHARS, Tokens
from sqzdesk.engine.windows import Progress, ShouldStop, Window, softmax

MAX_QUESTION_TOKENS = 64
CANDIDATES = 20
# Longest answer, in tokens. Calibrated on the QA validation split (shipped int8 bundle, 2,749 questions,
# model outputs computed once and spans re-ranked; F1 at each setting's best no-answer threshold):
# 30 -> 56.66, 20 -> 56.80, 17 -> 56.88, 15 -> 57.01, 12 -> 57.11, 10 -> 56.92. A length prior
# (score x exp(-b x length)) only lost F1 (b = 0.02 / 0.05 / 0.1 / 0.2 -> 56.62 / 56.43 / 56.18 / 55.11)
# though it raised EM. 15 keeps the long-document (COVID paper) answers that 12 starts to cut.
# Checked again on the v2 model (case input; its epoch-1.0 point, int8, same split and method): 10 -> 64.46,
# 12 -> 65.03, 15 -> 65.09, 20 -> 64.97, 30 -> 64.91 (COVID papers 38.99 / 43.27 / 47.83 / 48.84 / 50.94).
MAX_ANSWER_TOKENS = 15
# Long contexts: only the windows that rank best against the question are read (QAModel.ask_many).
# Calibrated on the long-document validation of bench/qa_long.py (103 COVID-QA questions on 4 whole
# papers, 150 new_wiki questions on 5 whole articles; shipped int8 bundle; F1 at its threshold): every
# window (9,125) F1 29.59; the best 2 / 3 / 4 / 6 / 8 windows: 39.75 / 39.92 / 37.86 / 35.75 / 34.89 with
# 18 / 12 / 9 / 6 / 4.5x fewer windows read. Reading fewer is better, not just faster: every extra window
# is a chance for a confident wrong span. Widening to more windows while the best answer scored under
# 0.05 / 0.1 / 0.2 / 0.5 (first 3, 2 more at a time) gave 37.77 / 34.48 / 32.08 / 29.59: not kept.
# (Those were re-ranked from one full read; run end to end, batched as the engine batches, the best 3
# give F1 38.09 against 29.59, and a question on a 20-page PDF is 13.8x faster: bench/RESULTS_qa_long.md.)
# Recalibrated on the QA v2.1 model (same set, end to end as the engine batches, F1 at its threshold): the
# best 2 / 3 / 4 / 6 / 8 windows 50.98 / 52.30 / 53.99 / 53.12 / 49.97. A better reader can use one more
# window before the extra chances of a confident wrong span cost more than they find.
READ_WINDOWS = 4
# (question, context) pairs answered in one ask_many call by `ask --stdin` and the engine-level evaluation
# (`modelbuild engine-eval --task qa`): their windows share model batches, and int8 activations are
# quantised per batch, so both must batch alike for the evaluation to give what users get.
PAIRS_PER_CALL = 16
# A long context's tokens are kept for the next question on it (the text itself is the key): on a 1 MB text
# encoding it (library call and case classes) took 1.8 s of a 2.5 s question on an AVX2 machine, on a
# 20-page PDF 60 of 330 ms. Texts up to a tokenizer piece are cheap to encode and not kept, so `ask --stdin`
# over many short contexts does not churn the cache; two texts (~10 MB of arrays for a 1 MB text).
CACHED_CONTEXTS = 2


class QAModel(TaskModel):
    task = "qa"
    per_token = ("start_logits", "end_logits")

    def __init__(self, bundle: Bundle, threads: int = 0, batch_size: int = DEFAULT_BATCH_SIZE):
        super().__init__(bundle, threads, batch_size)
        self._contexts: dict[str, Tokens] = {}  # the last CACHED_CONTEXTS long contexts, least recent first

    @property
    def threshold(self) -> float:
        return float(self.bundle.manifest.task_params.get("no_answer_threshold", 0.1))

    def ask(self, question: str, context: str, top_k: int = 3, max_answer_tokens: int = MAX_ANSWER_TOKENS,
            threshold: float | None = None, progress: Progress | None = None,
            should_stop: ShouldStop | None = None, read_all: bool = False) -> list[Answer]:
        return self.ask_many([(question, context)], top_k, max_answer_tokens, threshold, progress,
                             should_stop, read_all)[0]

    def ask_many(self, pairs: Sequence[tuple[str, str]], top_k: int = 3, max_answer_tokens: int = MAX_ANSWER_TOKENS,
                 threshold: float | None = None, progress: Progress | None = None,
                 should_stop: ShouldStop | None = None, read_all: bool = False) -> list[list[Answer]]:
        """Answers for many (question, context) pairs, their windows batched together.

        A long context is not read whole: its windows are ranked against the question (:func:`bm25`) and
        only the best ``READ_WINDOWS`` are read (``read_all``: every window, as before)."""
        limit = self.threshold if threshold is None else threshold
        for _, context in pairs:
            self.check_length(context)
        questions = self.tokenizer.encode_many([q for q, _ in pairs])
        contexts = [self._context_tokens(c) for _, c in pairs]
        # a question never takes more than half a window (else a long one leaves no room for context)
        longest = min(MAX_QUESTION_TOKENS, self.max_length // 2)
        prefixes = [q.ids[:longest] for q in questions]
        windows = self.windows(contexts, prefixes)
        texts = [c for _, c in pairs]
        if read_all:
            outputs = self.run(windows, progress, should_stop)
            best = collect_spans(windows, outputs, contexts, max_answer_tokens, texts)
        else:
            best = self._read_ranked(windows, contexts, prefixes, texts, max_answer_tokens, progress, should_stop)
        return [rank_answers(context, spans, limit, top_k) for context, spans in zip(texts, best, strict=True)]

    def _context_tokens(self, text: str) -> Tokens:
        """The tokens of a context, from the cache when the same long text was asked about just before."""
        if len(text) <= PIECE_CHARS:
            return self.tokenizer.encode(text)
        cache = self._contexts
        tokens = cache.pop(text, None)
        if tokens is None:
            tokens = self.tokenizer.encode(text)
            for array in (tokens.ids, tokens.offsets, tokens.words, tokens.cases):
                if array is not None:
                    array.flags.writeable = False  # shared by later questions: nobody may change it
        cache[text] = tokens  # last used last: the first is the one to drop
        while len(cache) > CACHED_CONTEXTS:
            del cache[next(iter(cache))]
        return tokens

    def _read_ranked(self, windows: list[Window], contexts: Sequence[Tokens], prefixes: Sequence[np.ndarray],
                     texts: Sequence[str], max_answer_tokens: int, progress: Progress | None,
                     should_stop: ShouldStop | None) -> list[dict[tuple[int, int], float]]:
        """Only the ``READ_WINDOWS`` windows of each context that :func:`rank_windows` puts first."""
        per_item: list[list[Window]] = [[] for _ in contexts]
        for w in windows:
            per_item[w.item].append(w)
        chosen = [w for k, ws in enumerate(per_item) for w in rank_windows(ws, contexts[k], prefixes[k])[:READ_WINDOWS]]
        outputs = self.run(chosen, progress, should_stop)
        return collect_spans(chosen, outputs, contexts, max_answer_tokens, texts)


def rank_windows(windows: Sequence[Window], context: Tokens, question: np.ndarray) -> list[Window]:
    """The windows of one context, most relevant to the question first (BM25 over their tokens; ties
    keep text order). A context of up to ``READ_WINDOWS`` windows is read whole anyway."""
    if len(windows) <= READ_WINDOWS:
        return list(windows)
    scores = bm25([context.ids[w.start:w.end] for w in windows], question)
    order = sorted(range(len(windows)), key=lambda i: (-scores[i], i))
    return [windows[i] for i in order]


def bm25(passages: Sequence[np.ndarray], query: np.ndarray, k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """Okapi BM25 of each passage (token ids) for the query's distinct ids, with IDF over these passages:
    words in every window ("the", "what") count for little, the question's rare words for much."""
    terms = sorted({int(t) for t in query})  # not np.unique: it needs numpy.ma, which the binary leaves out
    n = len(passages)
    lengths = np.array([len(p) for p in passages], dtype=np.float64)
    avg = max(1.0, float(lengths.mean())) if n else 1.0
    tf = np.array([[np.count_nonzero(p == t) for t in terms] for p in passages], dtype=np.float64).reshape(n, -1)
    df = (tf > 0).sum(0)
    idf = np.log((n - df + 0.5) / (df + 0.5) + 1.0)
    norm = tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[:, None] / avg))
    return (norm * idf).sum(1)


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
    """The best ``top_k`` spans at or above the threshold, each widened over any pattern entity it cuts.
    A span inside one already given, or holding one, is not offered: "new nation" and "a new nation,
    conceived in Liberty" under "a new nation" would send the reader to the same place three times."""
    answers: list[Answer] = []
    for (s, e), score in sorted(spans.items(), key=lambda kv: -kv[1]):
        if len(answers) == top_k or score < threshold:
            break
        s, e = widen_to_patterns(context, *_trim(context, s, e))
        if e > s and not any((a.start <= s and e <= a.end) or (s <= a.start and a.end <= e) for a in answers):
            answers.append(Answer(context[s:e], s, e, round(score, 6)))
    return answers


_LEADING, _TRAILING = " \t\n.,;:!?", " \t\n,;:"


def _trim(context: str, start: int, end: int) -> tuple[int, int]:
    """No answer starts with the punctuation that ended the sentence before it (". Zurich") or ends
    with a comma; a closing "." or "!" may belong to an abbreviation ("Inc.") and stays."""
    while start < end and context[start] in _LEADING:
        start += 1
    while end > start and context[end - 1] in _TRAILING:
        end -= 1
    return start, end


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
