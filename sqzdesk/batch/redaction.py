"""Redacted text: entities replaced by ``[PER]`` labels, pseudonyms ("Person 1") or a mask, with an offset map.

:func:`plan_redaction` decides *what* goes (found entities of the chosen types, the analyst's decisions
applied: accepted and added spans always, rejected ones never); :func:`replacements` and :func:`render`
decide *what replaces it*. Every redacted export (text, Markdown, HTML, DOCX, see
:mod:`sqzdesk.batch.redacted_export`), ``sqzdesk redact``, ``batch --redact`` and the GUI's export go
through these, so they agree on the spans.

Choices made for privacy review rather than for neatness:

* every mention: once a name is found anywhere in a document, each whole-word occurrence of the same
  text is redacted too (a model that tags "Jane Doe" in one sentence often misses her in the next);
* overlapping spans are merged into one placeholder (labelled by a reviewed span, else the longest), so
  no fragment of either survives between them;
* a span the analyst rejected is never redacted, not even as a repeated mention of another entity's
  text; a span the analyst accepted or added always is, whatever the chosen types (the types choose among
  the spans nobody has reviewed);
* pseudonyms are per (type, name), the name compared case- and space-insensitively, numbered in order of
  first appearance; one :class:`Pseudonyms` shared by a whole batch keeps them consistent across files.

The :class:`Redaction` maps offsets both ways, so entities and sentence spans computed on the original
text can be shown on the redacted one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from sqzdesk.batch.decisions import Decision, Source, Verdict, split_stale
from sqzdesk.engine.manifest import ENTITY_TYPES
from sqzdesk.engine.patterns import IDENTIFIER_TYPES
from sqzdesk.engine.results import Entity

# What a redaction removes unless told otherwise: people, organisations, places and every identifier
# (not MISC, whose names are products and events as often as people, and not DATE).
DEFAULT_REDACT_TYPES: frozenset[str] = frozenset({"PER", "ORG", "LOC", *IDENTIFIER_TYPES})
REDACTABLE_TYPES: tuple[str, ...] = (*ENTITY_TYPES, *IDENTIFIER_TYPES, "DATE")
MASK = "\u2588" * 5  # one width for every span: a mask as long as the name would tell its length


class RedactionMode(StrEnum):
    LABELS = "labels"          # [PER], [EMAIL]
    PSEUDONYMS = "pseudonyms"  # Person 1, Organisation 2: the text still reads, who is who is kept
    MASK = "mask"              # █████ for every span: not even the type is left


PSEUDONYM_NOUNS = {
    "PER": "Person", "ORG": "Organisation", "LOC": "Place", "MISC": "Name", "EMAIL": "Email", "PHONE": "Phone",
    "URL": "URL", "IP": "IP address", "IBAN": "IBAN", "CARD": "Card", "SSN": "SSN", "NINO": "NI number",
    "NHS": "NHS number", "ID": "ID number", "ADDRESS": "Address", "DATE": "Date",
}


class Pseudonyms:
    """Same (type, name) -> same pseudonym, for as long as this object lives (a document, or a batch)."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], str] = {}
        self._counts: Counter[str] = Counter()

    def name(self, label: str, text: str) -> str:
        key = (label, " ".join(text.split()).casefold())
        if key not in self._names:
            self._counts[label] += 1
            self._names[key] = f"{PSEUDONYM_NOUNS.get(label, label.title())} {self._counts[label]}"
        return self._names[key]


@dataclass(frozen=True)
class PlannedSpan:
    """One span to redact (original offsets). ``verdict`` is None for a span nobody reviewed;
    ``repeated``: found as another whole-word mention of a redacted span's text."""

    start: int
    end: int
    label: str
    source: Source
    verdict: Verdict | None = None
    repeated: bool = False


@dataclass(frozen=True)
class RedactionPlan:
    text: str
    spans: tuple[PlannedSpan, ...]  # sorted, non-overlapping
    kept: tuple[Decision, ...]      # rejected decisions that applied: left in the clear
    stale: tuple[Decision, ...]     # decisions whose text is no longer at their offsets: not applied

    def surfaces(self) -> list[str]:
        """The distinct redacted texts, longest first (for sweeping copies outside the main text)."""
        return sorted({self.text[s.start:s.end] for s in self.spans}, key=lambda t: (-len(t), t))


def plan_redaction(text: str, entities: Iterable[Entity], types: Collection[str],
                   decisions: Iterable[Decision] = (), *, every_mention: bool = True) -> RedactionPlan:
    """What to redact in ``text``: found ``entities`` of the chosen ``types`` and the analyst's ``decisions``
    (those of this text; stale ones are reported, not applied)."""
    matching, stale = split_stale(decisions, text)
    by_span = {(d.start, d.end): d for d in matching}  # the last decision on a span wins
    matching = list(by_span.values())
    rejected = [(d.start, d.end) for d in matching if d.verdict is Verdict.REJECTED]

    def clear(start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in rejected)

    chosen: list[PlannedSpan] = []
    used: set[tuple[int, int]] = set()
    for e in entities:
        if e.end <= e.start:
            continue
        d = by_span.get((e.start, e.end))
        if d is not None:
            used.add((e.start, e.end))
            if d.redacts:
                chosen.append(PlannedSpan(e.start, e.end, d.label, Source.of_label(e.label), d.verdict))
        elif e.label in types and clear(e.start, e.end):
            chosen.append(PlannedSpan(e.start, e.end, e.label, Source.of_label(e.label)))
    chosen += [PlannedSpan(d.start, d.end, d.label, d.source, d.verdict)
               for d in matching if d.redacts and (d.start, d.end) not in used]
    spans = list(chosen)
    if every_mention:
        firsts: dict[tuple[str, str], PlannedSpan] = {}
        for span in chosen:
            firsts.setdefault((text[span.start:span.end], span.label), span)
        for (surface, label), origin in firsts.items():
            if not surface.strip():
                continue
            spans += [PlannedSpan(start, end, label, origin.source, None, True)
                      for start, end in mentions(text, surface) if clear(start, end)]
    return RedactionPlan(text, tuple(_merge(spans)), tuple(d for d in matching if not d.redacts), tuple(stale))


def mentions(text: str, surface: str) -> list[tuple[int, int]]:
    """Every whole-word occurrence of ``surface`` in ``text`` (case-sensitive): the repeats a redaction
    covers, and the spans the GUI's "apply to every mention" records a decision for."""
    if not surface.strip():
        return []
    pattern = re.compile(r"(?<!\w)" + re.escape(surface) + r"(?!\w)")
    return [m.span() for m in pattern.finditer(text)]


def _merge(spans: Sequence[PlannedSpan]) -> list[PlannedSpan]:
    """Overlapping spans become one, described by a reviewed member if there is one (the analyst's
    label and decision are what the audit must show), else by its longest (a found span before a repeat)."""
    merged: list[tuple[int, int, PlannedSpan]] = []

    def rank(p: PlannedSpan) -> tuple[bool, int, bool]:
        return p.verdict is not None, p.end - p.start, not p.repeated

    for span in sorted(spans, key=lambda p: (p.start, -(p.end - p.start), p.repeated)):
        if merged and span.start < merged[-1][1]:
            start, end, best = merged[-1]
            merged[-1] = (start, max(end, span.end), span if rank(span) > rank(best) else best)
        else:
            merged.append((span.start, span.end, span))
    return [replace(best, start=start, end=end) for start, end, best in merged]


def replacements(plan: RedactionPlan, mode: RedactionMode,
                 pseudonyms: Pseudonyms | None = None) -> list[tuple[PlannedSpan, str]]:
    """Each planned span with the text that replaces it."""
    names = pseudonyms if pseudonyms is not None else Pseudonyms()
    out = []
    for span in plan.spans:
        if mode is RedactionMode.PSEUDONYMS:
            new = names.name(span.label, plan.text[span.start:span.end])
        elif mode is RedactionMode.MASK:
            new = MASK
        else:
            new = f"[{span.label}]"
        out.append((span, new))
    return out


def render(plan: RedactionPlan, mode: RedactionMode = RedactionMode.LABELS,
           pseudonyms: Pseudonyms | None = None) -> Redaction:
    """The redacted text with its offset map."""
    return _apply(plan.text, [(p.start, p.end, p.label, new) for p, new in replacements(plan, mode, pseudonyms)])


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
    """Replace every entity whose label is in ``types`` by ``[LABEL]`` (no decisions)."""
    return render(plan_redaction(text, entities, types, every_mention=every_mention))


def _apply(text: str, spans: Sequence[tuple[int, int, str, str]]) -> Redaction:
    """(start, end, label, replacement) of sorted, non-overlapping spans -> the redacted text and map."""
    pieces, out, pos, shift = [], [], 0, 0
    for start, end, label, new in spans:
        pieces += [text[pos:start], new]
        new_start = start + shift
        out.append(RedactedSpan(start, end, new_start, new_start + len(new), label))
        shift += len(new) - (end - start)
        pos = end
    pieces.append(text[pos:])
    return Redaction("".join(pieces), tuple(out))
