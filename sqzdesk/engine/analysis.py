"""Sentiment and entities of one text: the one analysis path the GUI, ``sqzdesk analyze`` and batch share.

:meth:`Analyzer.stream` is the analysis: it cuts the text into chunks (:mod:`.chunks`), runs the models on
each, shifts the results to document offsets, merges the pattern entities (e-mail, IBAN...) into the
model's, and yields each chunk's results as soon as they exist, with the document's sentiment so far.
:meth:`Analyzer.analyze` is that stream collected. Because every caller goes through the same stream
(same chunks, same batch size, same pattern merge, same document rule) a file gives the same results in
a GUI tab, in ``analyze`` and in a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqzdesk.engine.chunks import CHUNK_CHARS, split_chunks
from sqzdesk.engine.entities import EntityModel
from sqzdesk.engine.errors import NoText
from sqzdesk.engine.patterns import PATTERN_TYPES, PatternScan, merge_entities
from sqzdesk.engine.results import Entity, SentenceSentiment, Sentiment
from sqzdesk.engine.sentiment import SentimentModel
from sqzdesk.engine.task import TaskModel
from sqzdesk.engine.windows import Cancelled, Progress, ShouldStop

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

    def shifted(self, offset: int) -> Analysis:
        """The same results with every offset moved by ``offset`` (chunk -> document coordinates)."""
        if offset == 0:
            return self
        return Analysis(
            self.sentiment,
            tuple(SentenceSentiment(s.start + offset, s.end + offset, s.label, s.score) for s in self.sentences),
            tuple(Entity(e.start + offset, e.end + offset, e.label, e.text, e.score) for e in self.entities))


@dataclass(frozen=True)
class AnalysisChunk:
    """One chunk's results (document offsets) and the document's sentiment over every chunk so far."""

    start: int
    end: int
    total: int                      # characters in the whole text
    sentences: tuple[SentenceSentiment, ...]
    entities: tuple[Entity, ...]
    document: Sentiment | None      # the document rule over all sentences up to this chunk


class Analyzer:
    """Runs the chosen tasks over a text; either model may be absent (task not requested)."""

    def __init__(self, sentiment: SentimentModel | None = None, entities: EntityModel | None = None,
                 chunk_chars: int = CHUNK_CHARS):
        if sentiment is None and entities is None:
            raise ValueError("an analyzer needs at least one model")
        self.sentiment, self.entities = sentiment, entities
        self.chunk_chars = chunk_chars

    @classmethod
    def open(cls, tasks: Iterable[str] = ANALYZE_TASKS, dirs: list[Path] | None = None,
             threads: int = 0, max_chars: int | None = None) -> Analyzer:
        """Raises BundleError for the first missing or damaged model."""
        tasks = tuple(tasks)
        analyzer = cls(SentimentModel.open(dirs, threads) if "sentiment" in tasks else None,
                       EntityModel.open(dirs, threads) if "entities" in tasks else None)
        if max_chars is not None:
            for model in analyzer.models:
                model.max_chars = max_chars
        return analyzer

    @property
    def models(self) -> tuple[TaskModel, ...]:
        return tuple(m for m in (self.sentiment, self.entities) if m is not None)

    def check(self, text: str) -> None:
        """Raises TextTooLong over the models' limit and NoText for a text without a letter or digit."""
        for model in self.models:
            model.check_length(text)
        if not any(ch.isalnum() for ch in text):
            raise NoText()

    def stream(self, text: str, *, patterns: Iterable[str] = PATTERN_TYPES, progress: Progress | None = None,
               should_stop: ShouldStop | None = None) -> Iterator[AnalysisChunk]:
        """Each chunk's results as soon as they exist, in text order.

        ``patterns``: the pattern entity types merged in (none: model entities only). A model entity
        under a pattern entity is dropped; a pattern entity across a chunk boundary is reported once,
        whole, by the chunk where it starts, and still removes the model's fragments of it from the next
        chunk, so over all chunks the entities are ``merge_entities(model entities, patterns)``.
        ``progress`` gets (permille of the text done, 1000); ``should_stop`` is checked before every
        model batch (Cancelled is raised). Raises TextTooLong or NoText before any work.
        """
        self.check(text)
        total = len(text)
        scan = PatternScan(text, patterns)
        sentences: list[SentenceSentiment] = []
        for chunk in split_chunks(text, self.chunk_chars):
            _checkpoint(should_stop)
            part = self._chunk(text[chunk.start:chunk.end], chunk.start, total, progress, should_stop)
            part = part.shifted(chunk.start)
            found = scan.overlapping(chunk.start, chunk.end)
            entities = part.entities
            if found:
                entities = tuple(e for e in merge_entities(entities, found) if e.start >= chunk.start)
            sentences.extend(part.sentences)
            yield AnalysisChunk(chunk.start, chunk.end, total, part.sentences, entities,
                                self.document_sentiment(sentences))
        if progress is not None:
            progress(1000, 1000)

    def analyze(self, text: str, *, patterns: Iterable[str] = PATTERN_TYPES, progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> Analysis:
        """The whole stream collected into one result (raises what :meth:`stream` raises)."""
        return collect(self.stream(text, patterns=patterns, progress=progress, should_stop=should_stop),
                       self.sentiment is not None)

    def document_sentiment(self, sentences: Iterable[SentenceSentiment]) -> Sentiment | None:
        return self.sentiment.document(sentences) if self.sentiment is not None else None

    def _chunk(self, text: str, offset: int, total: int, progress: Progress | None,
               should_stop: ShouldStop | None) -> Analysis:
        stages = self.models

        def stage_progress(k: int) -> Progress | None:
            if progress is None:
                return None
            return lambda done, of: progress(
                int(1000 * (offset + len(text) * (k + done / max(1, of)) / len(stages)) / max(1, total)), 1000)

        sentences: tuple[SentenceSentiment, ...] = ()
        entities: tuple[Entity, ...] = ()
        for k, model in enumerate(stages):
            _checkpoint(should_stop)
            if isinstance(model, SentimentModel):
                sentences = model.sentences(text, stage_progress(k), should_stop)
            elif isinstance(model, EntityModel):
                entities = tuple(model.analyze(text, stage_progress(k), should_stop))
        return Analysis(None, sentences, entities)


def _checkpoint(should_stop: ShouldStop | None) -> None:
    """A cancel point between pieces of Python work (sentence splitting, tokenizing), besides the one
    before every model batch: the scheduler runs waiting interactive work at each of them."""
    if should_stop is not None and should_stop():
        raise Cancelled()


def collect(chunks: Iterable[AnalysisChunk], with_sentiment: bool = True) -> Analysis:
    """The results of a whole stream: every chunk's sentences and entities, the last document sentiment."""
    sentences: list[SentenceSentiment] = []
    entities: list[Entity] = []
    document = None
    for chunk in chunks:
        sentences.extend(chunk.sentences)
        entities.extend(chunk.entities)
        document = chunk.document
    return Analysis(document if with_sentiment else None, tuple(sentences), tuple(entities))
