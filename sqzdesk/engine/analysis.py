"""Sentiment and entities of one text: the one analysis path the GUI, ``sqzdesk analyze`` and batch share.

:meth:`Analyzer.stream` is the analysis: it cuts the text into chunks (:mod:`.chunks`), runs the models on
each, shifts the results to document offsets, merges the pattern entities (e-mail, IBAN...) into the
model's (and the user's term-list matches, :mod:`.terms`), applies the custom classifiers
(:mod:`.classify`) to the sentences sentiment judges, and yields each chunk's results as soon as they
exist, with the document's sentiment and classes so far.
:meth:`Analyzer.analyze` is that stream collected. Because every caller goes through the same stream
(same chunks, same batch size, same pattern merge, same document rule) a file gives the same results in
a GUI tab, in ``analyze`` and in a batch.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sqzdesk.engine.chunks import CHUNK_CHARS, split_chunks
from sqzdesk.engine.classify import ClassifierSet, open_classifiers
from sqzdesk.engine.embed import normalise
from sqzdesk.engine.entities import EntityModel, surnames_as_people
from sqzdesk.engine.errors import NoText
from sqzdesk.engine.manifest import Variant
from sqzdesk.engine.patterns import PATTERN_TYPES, PatternScan, merge_entities
from sqzdesk.engine.results import Classification, Entity, SentenceClasses, SentenceSentiment, Sentiment
from sqzdesk.engine.sentiment import Passage, SentimentModel, prose_spans, read_in_passages
from sqzdesk.engine.task import TaskModel
from sqzdesk.engine.terms import TermMatcher, combine_rules
from sqzdesk.engine.windows import Cancelled, Progress, ShouldStop

ANALYZE_TASKS = ("sentiment", "entities")
CLASSIFY_PREFIX = "classify:"

DocumentClasses = dict[str, Classification | None]  # classifier name -> the document's class (None: no prose)


def parse_tasks(spec: str | Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``sentiment,entities,classify:NAME,...`` -> (model tasks, classifier names); ValueError (one line)."""
    items = [t.strip() for t in (spec.split(",") if isinstance(spec, str) else spec) if t.strip()]
    tasks = tuple(t for t in items if not t.startswith(CLASSIFY_PREFIX))
    names = tuple(dict.fromkeys(t[len(CLASSIFY_PREFIX):].strip() for t in items if t.startswith(CLASSIFY_PREFIX)))
    bad = [t for t in tasks if t not in ANALYZE_TASKS] + (["classify:"] if "" in names else [])
    if not items or bad:
        raise ValueError(f"--tasks takes {','.join(ANALYZE_TASKS)} and classify:NAME, got {','.join(items) or 'nothing'}")
    return tasks, names


@dataclass(frozen=True)
class Analysis:
    sentiment: Sentiment | None = None
    sentences: tuple[SentenceSentiment, ...] = ()
    entities: tuple[Entity, ...] = field(default_factory=tuple)
    classes: tuple[SentenceClasses, ...] = ()              # per judged sentence, when classifiers ran
    document_classes: DocumentClasses | None = None        # None: no classifier was asked for

    def to_record(self) -> dict[str, Any]:
        """The CLI contract's fields: sentiment, sentences, entities; with classifiers also ``classify``
        (document) and a ``classify`` object in each sentence (which then has no ``label``/``score`` when
        sentiment was not asked for). Without classifiers the record is exactly as before."""
        record: dict[str, Any] = {"sentiment": self.sentiment.to_dict() if self.sentiment else None,
                                  "sentences": [s.to_dict() for s in self.sentences],
                                  "entities": [e.to_dict() for e in self.entities]}
        if self.document_classes is None:
            return record
        record["classify"] = {name: c.to_dict() if c else None for name, c in self.document_classes.items()}
        by_span = {(c.start, c.end): c.to_dict() for c in self.classes}
        if self.sentences:
            for s in record["sentences"]:
                s["classify"] = by_span.get((s["start"], s["end"]), {})
        else:
            record["sentences"] = [{"start": c.start, "end": c.end, "classify": c.to_dict()} for c in self.classes]
        return record

    @classmethod
    def from_record(cls, fields: dict[str, Any]) -> Analysis:
        """The typed analysis back from :meth:`to_record`'s fields (the batch store keeps those)."""
        sentiment = fields.get("sentiment")
        sentences, classes = [], []
        for s in fields.get("sentences", ()):
            if "label" in s:
                sentences.append(SentenceSentiment(s["start"], s["end"], s["label"], s["score"]))
            if "classify" in s:
                classes.append(SentenceClasses(s["start"], s["end"], _classes(s["classify"])))
        document = fields.get("classify")
        return cls(Sentiment(**sentiment) if sentiment else None, tuple(sentences),
                   tuple(Entity(**e) for e in fields.get("entities", ())), tuple(classes),
                   None if document is None else {k: Classification(**v) if v else None for k, v in document.items()})

    def shifted(self, offset: int) -> Analysis:
        """The same results with every offset moved by ``offset`` (chunk -> document coordinates)."""
        if offset == 0:
            return self
        return Analysis(
            self.sentiment,
            tuple(SentenceSentiment(s.start + offset, s.end + offset, s.label, s.score) for s in self.sentences),
            tuple(Entity(e.start + offset, e.end + offset, e.label, e.text, e.score) for e in self.entities),
            tuple(SentenceClasses(c.start + offset, c.end + offset, c.classes) for c in self.classes),
            self.document_classes)


def _classes(data: dict[str, Any]) -> dict[str, Classification]:
    return {name: Classification(**value) for name, value in data.items()}


@dataclass(frozen=True)
class AnalysisChunk:
    """One chunk's results (document offsets) and the document's sentiment over every chunk so far."""

    start: int
    end: int
    total: int                      # characters in the whole text
    sentences: tuple[SentenceSentiment, ...]
    entities: tuple[Entity, ...]
    document: Sentiment | None      # the document rule over all passages up to this chunk
    classes: tuple[SentenceClasses, ...] = ()          # this chunk's sentences, by every classifier
    document_classes: DocumentClasses | None = None    # over all sentences up to this chunk; None: no classifier


class Analyzer:
    """Runs the chosen tasks over a text; any model may be absent (task not requested), not all.

    ``classifiers``: custom classifiers applied per judged sentence and per document; ``terms``: the
    user's term lists, matched like the pattern entities.
    """

    def __init__(self, sentiment: SentimentModel | None = None, entities: EntityModel | None = None,
                 chunk_chars: int = CHUNK_CHARS, *, classifiers: ClassifierSet | None = None,
                 terms: TermMatcher | None = None):
        if sentiment is None and entities is None and classifiers is None:
            raise ValueError("an analyzer needs at least one model")
        self.sentiment, self.entities, self.classifiers = sentiment, entities, classifiers
        self.terms = terms if terms is not None else TermMatcher(())
        self.chunk_chars = chunk_chars

    @classmethod
    def open(cls, tasks: Iterable[str] = ANALYZE_TASKS, dirs: list[Path] | None = None,
             threads: int = 0, max_chars: int | None = None, *, terms: TermMatcher | None = None,
             variant: Variant = Variant.ACCURATE) -> Analyzer:
        """``tasks`` as :func:`parse_tasks` reads them (``classify:NAME`` included). Raises BundleError for
        the first missing or damaged model or classifier, ValueError for an unknown task. ``variant``: the
        sentiment and entity models' (where a task has no fast bundle, its accurate one)."""
        model_tasks, names = parse_tasks(tuple(tasks))
        analyzer = cls(SentimentModel.open(dirs, threads, variant) if "sentiment" in model_tasks else None,
                       EntityModel.open(dirs, threads, variant) if "entities" in model_tasks else None,
                       classifiers=open_classifiers(names, dirs, threads) if names else None, terms=terms)
        if max_chars is not None:
            for model in analyzer.models:
                model.max_chars = max_chars
        return analyzer

    @property
    def models(self) -> tuple[TaskModel, ...]:
        embed = self.classifiers.embed if self.classifiers is not None else None
        return tuple(m for m in (self.sentiment, self.entities, embed) if m is not None)

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
        chunk, so over all chunks the entities are ``merge_entities(model entities, patterns)``. The
        term lists' matches join the patterns the same way (``combine_rules``: a term match wins over a
        pattern match it overlaps). With classifiers, each chunk's ``classes`` has every judged sentence's
        classes and ``document_classes`` the document's so far (the normalised mean of all vectors so
        far), like ``document`` for sentiment.
        ``progress`` gets (permille of the text done, 1000); ``should_stop`` is checked before every
        model batch (Cancelled is raised). Raises TextTooLong or NoText before any work.
        """
        self.check(text)
        total = len(text)
        scan = PatternScan(text, patterns)
        terms = _Spans(self.terms.find(text)) if self.terms else None
        passages: list[Passage] = []
        vector_sum: np.ndarray | None = None
        judged = 0
        in_passages = read_in_passages(total)
        people: dict[str, Entity] = {}
        for chunk in split_chunks(text, self.chunk_chars):
            _checkpoint(should_stop)
            part, vectors, read = self._chunk(text[chunk.start:chunk.end], chunk.start, total, progress,
                                              should_stop, in_passages)
            part = part.shifted(chunk.start)
            found = scan.overlapping(chunk.start, chunk.end)
            if terms is not None:
                found = combine_rules(terms.overlapping(chunk.start, chunk.end), found)
            # a surname after its person's full name in an earlier chunk is that person too
            entities = tuple(surnames_as_people(part.entities, people))
            if found:
                entities = tuple(e for e in merge_entities(entities, found) if e.start >= chunk.start)
            passages.extend(read)
            document_classes = None
            if self.classifiers is not None:
                if len(vectors):
                    total_here = vectors.astype(np.float64).sum(axis=0)
                    vector_sum = total_here if vector_sum is None else vector_sum + total_here
                    judged += len(vectors)
                mean = normalise((vector_sum / judged)[None, :])[0] if vector_sum is not None else None
                document_classes = self.classifiers.document(mean)
            yield AnalysisChunk(chunk.start, chunk.end, total, part.sentences, entities,
                                self.document_sentiment(passages), part.classes, document_classes)
        if progress is not None:
            progress(1000, 1000)

    def analyze(self, text: str, *, patterns: Iterable[str] = PATTERN_TYPES, progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> Analysis:
        """The whole stream collected into one result (raises what :meth:`stream` raises)."""
        return collect(self.stream(text, patterns=patterns, progress=progress, should_stop=should_stop),
                       self.sentiment is not None)

    def key_parts(self) -> list[str]:
        """What besides the models' files decides a result: the classifiers' heads and the term lists
        (the batch store keys results by these too)."""
        parts = []
        if self.classifiers is not None:
            parts.append(f"classify={self.classifiers.key()}")
        if self.terms:
            parts.append(f"terms={self.terms.key()}")
        return parts

    def document_sentiment(self, passages: Iterable[Passage]) -> Sentiment | None:
        return self.sentiment.document(passages) if self.sentiment is not None else None

    def _chunk(self, text: str, offset: int, total: int, progress: Progress | None,
               should_stop: ShouldStop | None, in_passages: bool
               ) -> tuple[Analysis, np.ndarray, tuple[Passage, ...]]:
        """The chunk's results (chunk offsets), its judged sentences' vectors (for the document's class) and
        its passages (for the document's sentiment)."""
        stages = self.models

        def stage_progress(k: int) -> Progress | None:
            if progress is None:
                return None
            return lambda done, of: progress(
                int(1000 * (offset + len(text) * (k + done / max(1, of)) / len(stages)) / max(1, total)), 1000)

        sentences: tuple[SentenceSentiment, ...] = ()
        passages: tuple[Passage, ...] = ()
        entities: tuple[Entity, ...] = ()
        classes: tuple[SentenceClasses, ...] = ()
        vectors = np.zeros((0, 0), dtype=np.float32)
        spans = prose_spans(text) if self.sentiment is not None or self.classifiers is not None else []
        for k, model in enumerate(stages):
            _checkpoint(should_stop)
            if isinstance(model, SentimentModel):
                reading = model.read(text, stage_progress(k), should_stop, spans=spans, passages=in_passages)
                sentences, passages = reading.sentences, reading.passages
            elif isinstance(model, EntityModel):
                entities = tuple(model.analyze(text, stage_progress(k), should_stop))
            elif self.classifiers is not None and model is self.classifiers.embed:
                vectors = self.classifiers.embed.vectors([text[s:e] for s, e in spans], stage_progress(k),
                                                         should_stop)
                classes = tuple(SentenceClasses(s, e, c) for (s, e), c in
                                zip(spans, self.classifiers.classify(vectors), strict=True))
        return Analysis(None, sentences, entities, classes), vectors, passages


def _checkpoint(should_stop: ShouldStop | None) -> None:
    """A cancel point between pieces of Python work (sentence splitting, tokenizing), besides the one
    before every model batch: the scheduler runs waiting interactive work at each of them."""
    if should_stop is not None and should_stop():
        raise Cancelled()


def collect(chunks: Iterable[AnalysisChunk], with_sentiment: bool = True) -> Analysis:
    """The results of a whole stream: every chunk's sentences, entities and classes, the last document
    sentiment and classes."""
    sentences: list[SentenceSentiment] = []
    entities: list[Entity] = []
    classes: list[SentenceClasses] = []
    document = None
    document_classes = None
    for chunk in chunks:
        sentences.extend(chunk.sentences)
        entities.extend(chunk.entities)
        classes.extend(chunk.classes)
        document = chunk.document
        document_classes = chunk.document_classes
    return Analysis(document if with_sentiment else None, tuple(sentences), tuple(entities), tuple(classes),
                    document_classes)


class _Spans:
    """Entities of the whole text (non-overlapping, in order), looked up by the chunk they overlap."""

    def __init__(self, entities: list[Entity]):
        self.entities = entities
        self._starts = [e.start for e in entities]
        self._ends = [e.end for e in entities]

    def overlapping(self, start: int, end: int) -> list[Entity]:
        return self.entities[bisect_right(self._ends, start):bisect_left(self._starts, end)]
