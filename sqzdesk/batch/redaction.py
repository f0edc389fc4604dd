"""Redacted text: chosen entity types replaced by ``[PER]``, ``[EMAIL]``, ... with an offset map.

Two choices made for privacy review rather than for neatness:

* every mention: once a name is found anywhere in a document, each whole-word occurrence of the same
  text is redacted too (a model that tags "Jane Doe" in one sentence often misses her in the next);
* overlapping spans are merged into one placeholder (labelled by the longest span), so no fragment of
  either survives between them.

The :class:`Redaction` maps offsets both ways, so entities and sentence spans computed on the original
text can be shown on the redacted one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from sqzdesk.engine.results import Entity


@dataclass(frozen=True)
class RedactedSpan:
    start: int      # in the original text
    end: int
    new_start: int  # the placeholder in the redacted text
    new_end: int
    label: str


@dataclass(frozen=True)
class Redaction:
    text: str
    spans: tuple[RedactedSpan, ...]

    def to_new(self, offset: int) -> int:
        """Original offset -> redacted offset; an offset inside a redacted span lands on its placeholder
        (its start, or its end for the span's own end offset)."""
        i = bisect_right([s.start for s in self.spans], offset) - 1
        if i < 0:
            return offset
        span = self.spans[i]
        if offset >= span.end:
            return offset + span.new_end - span.end
        return span.new_start

    def to_old(self, offset: int) -> int:
        """Redacted offset -> original offset; inside a placeholder -> the redacted span's start."""
        i = bisect_right([s.new_start for s in self.spans], offset) - 1
        if i < 0:
            return offset
        span = self.spans[i]
        if offset >= span.new_end:
            return offset - span.new_end + span.end
        return span.start

    def entity(self, e: Entity) -> Entity | None:
        """An entity of the original text on the redacted text, or None if it was redacted away."""
        if any(e.start < s.end and s.start < e.end for s in self.spans):
            return None
        start = self.to_new(e.start)
        return replace(e, start=start, end=start + (e.end - e.start))


def redact(text: str, entities: Iterable[Entity], types: Collection[str], *,
           every_mention: bool = True) -> Redaction:
    """Replace every entity whose label is in ``types`` by ``[LABEL]``."""
    chosen = [e for e in entities if e.label in types and e.end > e.start]
    spans = [(e.start, e.end, e.label) for e in chosen]
    if every_mention:
        for surface, label in {(e.text, e.label) for e in chosen if e.text.strip()}:
            pattern = re.compile(r"(?<!\w)" + re.escape(surface) + r"(?!\w)")
            spans.extend((m.start(), m.end(), label) for m in pattern.finditer(text))
    merged: list[list] = []  # [start, end, label, length of the span that named it]
    for start, end, label in sorted(spans):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            if end - start > last[3]:
                last[2], last[3] = label, end - start
        else:
            merged.append([start, end, label, end - start])
    pieces, out, pos, shift = [], [], 0, 0
    for start, end, label, _ in merged:
        placeholder = f"[{label}]"
        pieces += [text[pos:start], placeholder]
        new_start = start + shift
        out.append(RedactedSpan(start, end, new_start, new_start + len(placeholder), label))
        shift += len(placeholder) - (end - start)
        pos = end
    pieces.append(text[pos:])
    return Redaction("".join(pieces), tuple(out))
