"""Sentiment per sentence and per document.

Each sentence is its own input (long ones get several windows, averaged by tokens). Only sentences with
prose get a label: a line of a table of numbers, a timestamp or an exchange rate has no sentiment, and
giving it one ("Negative 0.78" for a CSV of rates) would also drag the document score.

The document rule, one for every caller: a short document (up to ``PASSAGE_CHARS``, about a page: a review,
an e-mail, a comment) is **read in passages**, runs of consecutive prose sentences packed into one model
window (up to ~126 tokens, about a paragraph; a sentence alone when it fills a window by itself), as the
model was trained on whole reviews; its probability of a label is the mean of the passages' probabilities
of it, each passage weighted by its tokens. A longer document's is the mean of its sentences'
probabilities, every sentence counting the same: reading it twice would add ~45% to the analysis of a long
report (bench/e2e.py's 20-page PDF: 10,080 more padded tokens on top of 10,160 for its sentences and
12,160 for its entities) for a gain not measured there; on short documents the second pass costs 28-42%
of the whole analysis (bench/RESULTS_sentiment_rule.md, AVX2, one thread). Either way the label is the
likelier one, and a document whose score is under the bundle's ``neutral_below`` (the line under which a
sentence is shown as uncertain) is **mixed**: it keeps the label as a lean, and every view says "Mixed"
rather than calling a neutral report "Negative 0.51". The sentences keep their own labels, for the chart
and the tint.

Measured on the validation split with the shipped bundle through this engine (`python -m
sqzdesk.modelbuild engine-eval --task sentiment`; 2,593 texts, 1,022 of them reviews of one to dozens of
sentences): reviews 91.19% against 88.55% for the mean of their sentences (which cannot see "I expected to
hate it. I didn't."), all texts 91.32% against 90.28%, single sentences unchanged (SST-2 91.41%). By
length (the whole review read in windows, an experiment beside the engine): +1.8 points under 500
characters, +4.2 for 500-1,500, +4.7 for 1,500-3,000, none for the 16 reviews over 3,000 (87.5% either
way). The mean of the sentences' log-odds gave 89.5% on the reviews.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from sqzdesk.engine.chunks import CHUNK_CHARS
from sqzdesk.engine.results import DocumentSentiment, SentenceSentiment, Sentiment
from sqzdesk.engine.sentences import split_sentences
from sqzdesk.engine.task import TaskModel
from sqzdesk.engine.windows import Cancelled, Progress, ShouldStop, Window, softmax

# Bumped when the document rule changes (2: a document under ``neutral_below`` is mixed; 3: read in
# passages): the result store keys on it, so a stored result made under another rule is analysed again
# rather than shown without it.
DOCUMENT_RULE_VERSION = 3
# Documents up to this long are read in passages (the module docstring says why): one analysis chunk, so a
# short document's passages are never cut at a chunk boundary.
PASSAGE_CHARS = CHUNK_CHARS


def read_in_passages(length: int) -> bool:
    """Whether a document of ``length`` characters gets its sentiment from passages (else from sentences)."""
    return length <= PASSAGE_CHARS


@dataclass(frozen=True)
class Passage:
    """The document rule's unit: consecutive prose sentences read as one input, with its probability of each
    label and its weight in the document (its tokens; 1 for a sentence of a long document, where every
    sentence counts the same)."""

    probs: tuple[float, ...]
    weight: int


@dataclass(frozen=True)
class Reading:
    """A text's sentences (each judged alone) and its passages (for the document rule)."""

    sentences: tuple[SentenceSentiment, ...]
    passages: tuple[Passage, ...]


def pack_passages(lengths: Sequence[int], budget: int) -> list[tuple[int, int]]:
    """[i, j) runs of consecutive sentences whose token counts add up to at most ``budget``; a sentence over
    it stands alone (its windows are averaged, as for any long input)."""
    out: list[tuple[int, int]] = []
    start = used = 0
    for k, n in enumerate(lengths):
        if k > start and used + n > budget:
            out.append((start, k))
            start, used = k, 0
        used += n
    if start < len(lengths):
        out.append((start, len(lengths)))
    return out


def joined_passages(text: str, spans: Sequence[tuple[int, int]],
                    groups: Sequence[tuple[int, int]]) -> tuple[list[tuple[int, int]], list[str]]:
    """The passages of more than one sentence and their texts (the sentences joined by a space); a
    one-sentence passage is that sentence's own reading and needs no second run."""
    joined = [(i, j) for i, j in groups if j - i > 1]
    return joined, [" ".join(text[s:e] for s, e in spans[i:j]) for i, j in joined]


def is_prose(text: str) -> bool:
    """Whether a sentence has real words: at least one run of two letters, and more letters than
    digits. "07/19/2015 21:00:15.469,1.083" and "| 1.2 | 3.4 |" are not prose; "Q3 revenue rose 5%" is."""
    letters = digits = 0
    run = best_run = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            run += 1
            best_run = max(best_run, run)
        else:
            run = 0
            digits += ch.isdigit()
    return best_run >= 2 and letters > digits


def prose_spans(text: str) -> list[tuple[int, int]]:
    """The sentences that get a judgement (sentiment, custom classifiers): those with prose."""
    return [(s, e) for s, e in split_sentences(text) if is_prose(text[s:e])]


class SentimentModel(TaskModel):
    task = "sentiment"

    @property
    def neutral_below(self) -> float:
        """Sentences scored under this are shown as uncertain (the bundle says where)."""
        return float(self.bundle.manifest.task_params.get("neutral_below", 0.0))

    def analyze(self, text: str, progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> DocumentSentiment:
        reading = self.read(text, progress, should_stop, passages=read_in_passages(len(text)))
        return DocumentSentiment(self.document(reading.passages), reading.sentences)

    def read(self, text: str, progress: Progress | None = None, should_stop: ShouldStop | None = None,
             spans: list[tuple[int, int]] | None = None, passages: bool = True) -> Reading:
        """A label and score for every sentence of ``text`` that has prose, in text order, and the passages
        those sentences make (module docstring); with ``passages`` false (a long document's part) every
        sentence is its own passage of weight 1, and the model runs once.

        ``spans``: :func:`prose_spans` of ``text`` when the caller has them already (the analysis splits
        once for sentiment and the custom classifiers, which judge the same sentences)."""
        self.check_length(text)
        if spans is None:
            spans = prose_spans(text)
        if not spans:
            return Reading((), ())
        if should_stop is not None and should_stop():  # sentence splitting is the slow Python part
            raise Cancelled()
        tokens = self.tokenizer.encode_many([text[s:e] for s, e in spans])
        if passages:
            groups = pack_passages([len(t) for t in tokens], self.max_length - 2)
        else:
            groups = [(i, i + 1) for i in range(len(tokens))]
        joined, joined_texts = joined_passages(text, spans, groups)
        joined_tokens = self.tokenizer.encode_many(joined_texts)
        # Two runs, not one: a passage window batched with short sentences would pad every one of them to
        # its length (a 4-sentence review cost 3x), and the sentences' batches stay what they were alone.
        sentence_windows, passage_windows = self.windows(tokens), self.windows(joined_tokens)
        total = len(sentence_windows) + len(passage_windows)

        def part(offset: int) -> Progress | None:
            return None if progress is None else (lambda done, of: progress(offset + done, total))

        probs = self._mean_probs(sentence_windows, self.run(sentence_windows, part(0), should_stop), len(tokens))
        joined_probs = self._mean_probs(passage_windows, self.run(passage_windows, part(len(sentence_windows)),
                                                                  should_stop), len(joined))
        sentences = tuple(self._judge(p, s, e) for p, (s, e) in zip(probs, spans, strict=True))
        row = dict(zip(joined, joined_probs, strict=True))
        return Reading(sentences, tuple(
            Passage(tuple(float(x) for x in row.get((i, j), probs[i])),
                    sum(max(1, len(t)) for t in tokens[i:j]) if passages else 1) for i, j in groups))

    def _mean_probs(self, windows: list[Window], outputs: list[dict[str, np.ndarray]], n: int) -> np.ndarray:
        """Each input's label probabilities: the mean over its windows, weighted by the tokens each holds."""
        probs = np.zeros((n, len(self.labels)))
        weights = np.zeros(n)
        for w, out in zip(windows, outputs, strict=True):
            k = max(1, w.end - w.start)
            probs[w.item] += k * softmax(out["logits"].astype(np.float64))
            weights[w.item] += k
        return probs / np.maximum(weights, 1)[:, None]

    def document(self, passages: Iterable[Passage]) -> Sentiment | None:
        """The document rule (module docstring); None when no passage (no sentence with prose)."""
        return document_sentiment(passages, self.labels, self.neutral_below)

    def _judge(self, p: np.ndarray, start: int, end: int) -> SentenceSentiment:
        best = int(p.argmax())
        return SentenceSentiment(start, end, self.labels[best], float(p[best]))


def document_sentiment(passages: Iterable[Passage], labels: tuple[str, ...],
                       neutral_below: float = 0.0) -> Sentiment | None:
    """The weighted mean over passages of each label's probability; the likelier label with that mean,
    mixed when that mean is under ``neutral_below``."""
    total = np.zeros(len(labels))
    weight = 0
    for p in passages:
        total += p.weight * np.asarray(p.probs, dtype=np.float64)
        weight += p.weight
    if weight == 0:
        return None
    mean = total / weight
    best = int(mean.argmax())
    return Sentiment(labels[best], float(mean[best]), mixed=bool(mean[best] < neutral_below))
