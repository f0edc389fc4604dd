"""The analyst's review of one open document: its decisions, kept in the result store as they are made.

Qt-free on purpose: the tab turns key presses and menu choices into calls here, and draws what these
return; the rules (what "accept" means for a span nothing found, which spans "every mention" covers,
what a restored decision may be applied to) are tested without widgets.

Why the writes happen on the GUI thread: each decision is one small row committed with an fsync
(:meth:`~sqzdesk.batch.store.ResultStore.record_decision`), a few milliseconds, made at the pace of a
person pressing keys. Writing it *before* the highlight changes means what the analyst sees is what is on
disk: a ``kill -9`` loses at most the decision being made, never one already shown. A writer thread would
add a window where the screen shows a decision the disk does not hold, and ordering to get right between an
accept and its undo, to save milliseconds nobody waits on. (Reading a whole folder's index or forgetting,
which can take seconds, runs off the GUI thread: see :mod:`sqzdesk.gui.background`.)
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqzdesk.batch.decisions import Decision, Source, Verdict, restore
from sqzdesk.batch.redaction import REDACTABLE_TYPES, mentions
from sqzdesk.batch.store import ResultStore
from sqzdesk.engine import Entity

# What an analyst can label an added span with: the model's types, then the identifiers the rules know.
ADDABLE_LABELS: tuple[str, ...] = REDACTABLE_TYPES
_LEADING = " \t\r\n\u2029\"'\u201c\u2018"
_TRAILING = _LEADING + ",;:!?\u201d\u2019"


@dataclass(frozen=True)
class Target:
    """A span the analyst can decide on: a found entity (``found``) or a span with a decision only."""

    start: int
    end: int
    label: str
    text: str
    source: Source
    found: bool
    decision: Decision | None = None

    @property
    def verdict(self) -> Verdict | None:
        return self.decision.verdict if self.decision is not None else None


@dataclass(frozen=True)
class ReviewCounts:
    """How far the review is: found entities not decided on yet, and each verdict."""

    unreviewed: int = 0
    accepted: int = 0
    rejected: int = 0
    added: int = 0


class ReviewSession:
    """The decisions on one document's content (``sha256``), restored from and written to ``store``.

    On opening, decisions made on exactly this content come back; those of the previous version of the
    file at this path whose text is still at the same offsets are *carried*: kept for this content
    (recorded again under its sha256, so they no longer depend on the old version's rows); the rest are
    *stale*: listed for the analyst, never applied.
    """

    def __init__(self, store: ResultStore, path: Path, sha256: str, text: str) -> None:
        self.store, self.path, self.sha256, self.text = store, path, sha256, text
        self.decisions: dict[tuple[int, int], Decision] = {}
        self.stale: tuple[Decision, ...] = ()
        self.carried = 0
        self.reload()

    def reload(self) -> None:
        """Read this document's decisions again (after opening, or after a Forget)."""
        restored = restore(self.store, self.path, self.sha256, self.text)
        self.decisions = {(d.start, d.end): d for d in restored.current}
        for d in restored.carried:
            kept = d.moved_to(self.sha256)
            self.store.record_decision(kept)
            self.decisions[(d.start, d.end)] = kept
        self.carried = len(restored.carried)
        self.stale = restored.stale

    # ---- deciding --------------------------------------------------------------------------------

    def record(self, start: int, end: int, label: str, verdict: Verdict, source: Source) -> Decision:
        """Write one decision (on disk before this returns: see the module docstring) and keep it."""
        decision = Decision(self.sha256, start, end, label, self.text[start:end], verdict, source, time.time(),
                            str(self.path))
        self.store.record_decision(decision)
        self.decisions[(start, end)] = decision
        return decision

    def decide(self, target: Target, accept: bool, label: str | None = None) -> Decision:
        """Accept (a span nothing found becomes *added*) or reject one target."""
        verdict = Verdict.REJECTED if not accept else Verdict.ACCEPTED if target.found else Verdict.ADDED
        return self.record(target.start, target.end, label or target.label, verdict, target.source)

    def decide_every_mention(self, target: Target, accept: bool,
                             found: Mapping[tuple[int, int], Entity]) -> list[Decision]:
        """The same decision on every whole-word mention of the target's text (the rule the redaction's
        every-mention sweep uses, :func:`~sqzdesk.batch.redaction.mentions`): a mention the model or a
        rule found keeps its own label and source; one nothing found is the analyst's."""
        out = []
        for start, end in mentions(self.text, target.text):
            entity = found.get((start, end))
            span = Target(start, end, entity.label if entity else target.label, target.text,
                          Source.of_label(entity.label) if entity else Source.ANALYST, entity is not None)
            out.append(self.decide(span, accept))
        return out

    def add(self, start: int, end: int, label: str, found: Entity | None = None) -> Decision:
        """A span the analyst marked. Exactly a found entity's span: that entity accepted with this label."""
        if found is not None:
            return self.record(start, end, label, Verdict.ACCEPTED, Source.of_label(found.label))
        return self.record(start, end, label, Verdict.ADDED, Source.ANALYST)

    def undo(self, start: int, end: int) -> Decision | None:
        """The span goes back to undecided; returns the decision removed (None if there was none)."""
        if (start, end) not in self.decisions:
            return None
        self.store.remove_decision(self.sha256, start, end)
        return self.decisions.pop((start, end))

    # ---- reading ---------------------------------------------------------------------------------

    def counts(self, found_spans: Iterable[tuple[int, int]]) -> ReviewCounts:
        """Per state: the found entities (each span once) and the analyst's spans."""
        found = set(found_spans)
        verdicts = [d.verdict for d in self.decisions.values()]
        decided_found = sum(1 for span in self.decisions if span in found)
        return ReviewCounts(unreviewed=len(found) - decided_found,
                            accepted=verdicts.count(Verdict.ACCEPTED), rejected=verdicts.count(Verdict.REJECTED),
                            added=verdicts.count(Verdict.ADDED))


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A selection without the spaces, quotes and separators a drag often takes along at either end (a
    full stop stays: "Acme Inc." is a name)."""
    while start < end and text[start] in _LEADING:
        start += 1
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    return start, end
