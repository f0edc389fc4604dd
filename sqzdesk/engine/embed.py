"""Sentence vectors from the ``embed`` bundle: the base encoder, mean-pooled and L2-normalised in its graph.

The graph's ``embedding`` output is already the sentence-transformers vector of each window (mean over
the attention-masked tokens, ``[CLS]`` and ``[SEP]`` included, then unit length), so the engine only
has to join the windows of a text longer than one window: their vectors are averaged weighted by the
text tokens each window holds, and the mean is normalised again. Custom classifiers
(:mod:`sqzdesk.engine.classify`) read these vectors, per sentence and per document.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sqzdesk.engine.task import TaskModel
from sqzdesk.engine.windows import Progress, ShouldStop

OUTPUT = "embedding"


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; an all-zero row stays zero instead of becoming NaN."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class EmbedModel(TaskModel):
    task = "embed"

    @property
    def dim(self) -> int:
        return int(self.bundle.manifest.architecture["hidden_size"])

    @property
    def sha256(self) -> str:
        """What a classifier head was trained on: the model file's checksum (see classify.Classifier)."""
        return self.bundle.manifest.files["model"].sha256

    def vectors(self, texts: Sequence[str], progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> np.ndarray:
        """float32 [len(texts), dim], each row unit length; windows of one text averaged by tokens."""
        for text in texts:
            self.check_length(text)
        out = np.zeros((len(texts), self.dim), dtype=np.float64)
        if not texts:
            return out.astype(np.float32)
        tokens = self.tokenizer.encode_many(list(texts))
        windows = self.windows(tokens)
        outputs = self.run(windows, progress, should_stop)
        for w, values in zip(windows, outputs, strict=True):
            out[w.item] += max(1, w.end - w.start) * values[OUTPUT].astype(np.float64)
        return normalise(out)
