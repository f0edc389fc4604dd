"""Sentiment per sentence and per document.

Each sentence is its own input (long ones get several windows, averaged by tokens). The document
score is the token-weighted mean of the sentence probabilities, so every part of a long document
counts, not just its first window.
"""

from __future__ import annotations

import numpy as np

from sqzdesk.engine.results import DocumentSentiment, SentenceSentiment, Sentiment
from sqzdesk.engine.sentences import split_sentences
from sqzdesk.engine.task import TaskModel
from sqzdesk.engine.windows import Progress, ShouldStop, softmax


class SentimentModel(TaskModel):
    task = "sentiment"

    def analyze(self, text: str, progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> DocumentSentiment:
        self.check_length(text)
        spans = split_sentences(text)
        if not spans:
            return DocumentSentiment(None, ())
        tokens = self.tokenizer.encode_many([text[s:e] for s, e in spans])
        windows = self.windows(tokens)
        outputs = self.run(windows, progress, should_stop)
        probs = np.zeros((len(spans), len(self.labels)))
        weights = np.zeros(len(spans))
        for w, out in zip(windows, outputs, strict=True):
            n = max(1, w.end - w.start)
            probs[w.item] += n * softmax(out["logits"].astype(np.float64))
            weights[w.item] += n
        probs /= weights[:, None]
        sentences = tuple(self._judge(p, s, e) for p, (s, e) in zip(probs, spans, strict=True))
        overall = (probs * weights[:, None]).sum(0) / weights.sum()
        best = int(overall.argmax())
        return DocumentSentiment(Sentiment(self.labels[best], float(overall[best])), sentences)

    def _judge(self, p: np.ndarray, start: int, end: int) -> SentenceSentiment:
        best = int(p.argmax())
        return SentenceSentiment(start, end, self.labels[best], float(p[best]))
