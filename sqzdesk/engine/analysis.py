"""Sentiment and entities of one text together: what the CLI, the batch runner and the GUI all ask for."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqzdesk.engine.entities import EntityModel
from sqzdesk.engine.results import Entity, SentenceSentiment, Sentiment
from sqzdesk.engine.sentiment import SentimentModel
from sqzdesk.engine.windows import Progress, ShouldStop

ANALYZE_TASKS = ("sentiment", "entities")


@dataclass(frozen=True)
class Analysis:
    sentiment: Sentiment | None = None
    sentences: tuple[SentenceSentiment, ...] = ()
    entities: tuple[Entity, ...] = field(default_factory=tuple)

    def to_record(self) -> dict[str, Any]:
        """The CLI contract's fields: sentiment, sentences, entities."""
        return {"sentiment": self.sentiment.to_dict() if self.sentiment else None,
                "sentences": [s.to_dict() for s in self.sentences],
                "entities": [e.to_dict() for e in self.entities]}


class Analyzer:
    """Runs the chosen tasks over a text; either model may be absent (task not requested)."""

    def __init__(self, sentiment: SentimentModel | None = None, entities: EntityModel | None = None):
        if sentiment is None and entities is None:
            raise ValueError("an analyzer needs at least one model")
        self.sentiment, self.entities = sentiment, entities

    @classmethod
    def open(cls, tasks: tuple[str, ...] = ANALYZE_TASKS, dirs: list[Path] | None = None,
             threads: int = 0, max_chars: int | None = None) -> Analyzer:
        """Raises BundleError for the first missing or damaged model."""
        analyzer = cls(SentimentModel.open(dirs, threads) if "sentiment" in tasks else None,
                       EntityModel.open(dirs, threads) if "entities" in tasks else None)
        if max_chars is not None:
            for model in (analyzer.sentiment, analyzer.entities):
                if model is not None:
                    model.max_chars = max_chars
        return analyzer

    def analyze(self, text: str, progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> Analysis:
        """``progress`` gets (permille done, 1000) over both tasks. Raises ValueError on a text with no words."""
        stages = [m for m in (self.sentiment, self.entities) if m is not None]

        def stage_progress(k: int) -> Progress | None:
            if progress is None:
                return None
            return lambda done, total: progress(int(1000 * (k + done / max(1, total)) / len(stages)), 1000)

        result: dict[str, Any] = {}
        for k, model in enumerate(stages):
            if model is self.sentiment:
                doc = model.analyze(text, stage_progress(k), should_stop)
                if doc.overall is None:
                    raise ValueError("no text to analyse")
                result["sentiment"], result["sentences"] = doc.overall, doc.sentences
            else:
                result["entities"] = tuple(model.analyze(text, stage_progress(k), should_stop))
        return Analysis(**result)
