"""Cut a long document into chunks the worker analyses one after the other.

Why chunks: results of a 200-page report should appear while the rest is still running, a cancel should
not throw away what is done, and no single engine call (tokenizing, sentence splitting) should run long
enough to starve the GUI thread of the interpreter. Chunks end at the strongest boundary found near the
target size (blank line, then sentence end, then line break, then a space), so a sentence or a name
is rarely cut in two. Results are shifted back to document offsets here too, pattern entities (e-mail
addresses, IBANs...) are merged into each chunk's model entities the way the batch runner merges them,
and the per-chunk sentiment is combined into one document score the way the engine does it (a
length-weighted mean).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqzdesk.engine import Analysis, Entity, SentenceSentiment, Sentiment
from sqzdesk.engine.patterns import merge_entities

CHUNK_CHARS = 3_000
# Strongest boundary first; each match ends where the next chunk should start.
_BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"[.!?][\"'”’)\]]*\s+"),
    re.compile(r"\n\s*"),
    re.compile(r"\s+"),
)


@dataclass(frozen=True)
class Chunk:
    start: int
    end: int


def split_chunks(text: str, target: int = CHUNK_CHARS) -> list[Chunk]:
    """Consecutive chunks covering ``text`` exactly, each at most ``target`` characters long."""
    chunks, start, n = [], 0, len(text)
    while n - start > target:
        end = _cut_point(text, start, start + target)
        chunks.append(Chunk(start, end))
        start = end
    if start < n or not chunks:
        chunks.append(Chunk(start, n))
    return chunks


def _cut_point(text: str, start: int, limit: int) -> int:
    """Where to end a chunk that starts at ``start`` and may not pass ``limit``."""
    floor = start + (limit - start) // 2  # never make a chunk shorter than half the target
    for pattern in _BOUNDARIES:
        best = None
        for m in pattern.finditer(text, floor, limit):
            best = m
        if best is not None and best.end() > start:
            return min(best.end(), limit)
    return limit


def shift(analysis: Analysis, offset: int) -> Analysis:
    """The chunk's results with every offset moved from chunk- to document-coordinates."""
    if offset == 0:
        return analysis
    return Analysis(
        sentiment=analysis.sentiment,
        sentences=tuple(SentenceSentiment(s.start + offset, s.end + offset, s.label, s.score)
                        for s in analysis.sentences),
        entities=tuple(Entity(e.start + offset, e.end + offset, e.label, e.text, e.score)
                       for e in analysis.entities),
    )


def with_chunk_patterns(part: Analysis, patterns: Sequence[Entity], chunk: Chunk) -> Analysis:
    """A chunk's results (document offsets) with the document's pattern entities merged in.

    ``patterns`` are the pattern entities of the whole text that overlap the chunk (a
    :class:`~sqzdesk.engine.patterns.PatternScan` gives them). Every model entity under one of them is
    dropped, exactly as :func:`~sqzdesk.engine.patterns.merge_entities` does for the batch runner; of the
    patterns, only those starting in this chunk are kept, so one that runs across a chunk boundary is
    reported once, whole, by the chunk where it starts, and still removes the model's fragments of it
    from the next chunk. Over all chunks the entities are merge_entities(model entities, patterns).
    """
    if not patterns:
        return part
    merged = merge_entities(part.entities, patterns)
    return replace(part, entities=tuple(e for e in merged if e.start >= chunk.start))


def combine_sentiment(sentences: Iterable[SentenceSentiment]) -> Sentiment | None:
    """One document label from sentence scores, each weighted by its length.

    The engine weights by tokens; characters are a close stand-in that needs no tokenizer here, and
    combining sentences (not chunk scores) keeps the result independent of where chunks were cut.
    """
    pos = weight = 0.0
    for s in sentences:
        w = max(1, s.end - s.start)
        p_pos = s.score if s.label == "positive" else 1.0 - s.score
        pos += w * p_pos
        weight += w
    if weight == 0:
        return None
    p = pos / weight
    return Sentiment("positive", p) if p >= 0.5 else Sentiment("negative", 1.0 - p)
