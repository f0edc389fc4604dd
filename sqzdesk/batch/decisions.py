"""The analyst's review decisions: accept or reject what the model and the rules found, add what they missed.

A decision belongs to the document's *content* (its sha256), not to its path: reopening the file, or the
same file copied elsewhere, brings the decisions back, and an edited file (new content) does not silently
inherit decisions made on other text. Offsets are into the extracted text (``Document.text``), like every
offset in the app, and each decision keeps the text it was made on, so :meth:`Decision.matches` can tell
when the text at its offsets is no longer what the analyst saw (an edited file, or a reader that now
extracts the document differently): such a decision is *stale*, shown to the analyst, never applied.

The store side (one row per decision, written as it is made) is in :class:`~sqzdesk.batch.store.ResultStore`;
this module has the typed values, the staleness check and the decisions file of ``sqzdesk redact
--decisions`` (JSON lines, one decision each, the same fields as the store's rows). No Qt.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from sqzdesk.engine.patterns import PATTERN_TYPES


class Verdict(StrEnum):
    ACCEPTED = "accepted"   # a found entity the analyst confirmed: it is redacted
    REJECTED = "rejected"   # a found entity that is not one: it stays in the clear
    ADDED = "added"         # a span the analyst marked that nothing had found: it is redacted


class Source(StrEnum):
    """Who proposed the span: the NER model, a pattern rule, or the analyst (an added span)."""

    MODEL = "model"
    RULE = "rule"
    ANALYST = "analyst"

    @classmethod
    def of_label(cls, label: str) -> Source:
        """A found entity's source from its label: the pattern types are the rules'."""
        return cls.RULE if label in PATTERN_TYPES else cls.MODEL


@dataclass(frozen=True)
class Decision:
    """One decision on ``text[start:end]`` of the document whose content hashes to ``sha256``.

    ``path`` is where the document was when the decision was made: only used to find the decisions of
    an earlier version of an edited file (:func:`restore`), never to key them.
    """

    sha256: str
    start: int
    end: int
    label: str
    text: str
    verdict: Verdict
    source: Source
    decided_at: float = 0.0
    path: str | None = None

    @property
    def redacts(self) -> bool:
        """Accepted and added spans are redacted; rejected ones are kept in the clear."""
        return self.verdict is not Verdict.REJECTED

    def matches(self, text: str) -> bool:
        """Whether the document text still holds this decision's text at its offsets (else: stale)."""
        return 0 <= self.start < self.end <= len(text) and text[self.start:self.end] == self.text

    def moved_to(self, sha256: str) -> Decision:
        """The same decision for another version of the document (the GUI's "keep" on a carried one)."""
        return replace(self, sha256=sha256)

    def to_record(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "start": self.start, "end": self.end, "label": self.label,
                "text": self.text, "decision": self.verdict.value, "source": self.source.value,
                "decided_at": self.decided_at, "path": self.path}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Decision:
        """Raises ValueError (one line) for a record that is not a decision."""
        try:
            start, end = int(record["start"]), int(record["end"])
            decision = cls(str(record["sha256"]), start, end, str(record["label"]), str(record["text"]),
                           Verdict(record["decision"]), Source(record.get("source", Source.ANALYST)),
                           float(record.get("decided_at") or 0.0), record.get("path"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a decision ({type(exc).__name__}: {exc})") from None
        if not 0 <= start < end or len(decision.text) != end - start:
            raise ValueError(f"not a decision (span {start}-{end} does not fit its text)")
        return decision


@dataclass(frozen=True)
class RestoredDecisions:
    """What reopening a document brings back (see :func:`restore`).

    ``current``: decisions made on exactly this content that still match its text: apply them.
    ``carried``: decisions made on an earlier version of the file at this path whose text is still at
    the same offsets: the GUI may offer to keep them (``store.record_decision(d.moved_to(sha))``).
    ``stale``: decisions (of this content or the earlier version) whose text is no longer at their
    offsets: shown as "no longer matches", never applied.
    """

    current: tuple[Decision, ...] = ()
    carried: tuple[Decision, ...] = ()
    stale: tuple[Decision, ...] = ()


def split_stale(decisions: Iterable[Decision], text: str) -> tuple[list[Decision], list[Decision]]:
    """(decisions that match ``text``, stale ones)."""
    matching: list[Decision] = []
    stale: list[Decision] = []
    for d in decisions:
        (matching if d.matches(text) else stale).append(d)
    return matching, stale


def restore(store: Any, path: str | Path | None, sha256: str, text: str) -> RestoredDecisions:
    """The decisions for a document just opened: those of its content, and those of the previous version
    of the file at ``path`` when its content changed. ``store`` is a :class:`ResultStore`."""
    current, stale = split_stale(store.decisions(sha256), text)
    carried: list[Decision] = []
    if path is not None:
        earlier_matching, earlier_stale = split_stale(store.earlier_decisions(path, sha256), text)
        taken = {(d.start, d.end) for d in current}
        carried = [d for d in earlier_matching if (d.start, d.end) not in taken]
        stale += earlier_stale
    return RestoredDecisions(tuple(current), tuple(carried), tuple(stale))


# ---- the decisions file (``sqzdesk redact --decisions FILE``) -------------------------------------

def write_decisions(decisions: Iterable[Decision], out: IO[str]) -> int:
    """JSON lines, one decision each; returns the count."""
    n = 0
    for d in decisions:
        out.write(json.dumps(d.to_record(), ensure_ascii=False) + "\n")
        n += 1
    return n


def read_decisions(lines: Iterable[str]) -> Iterator[Decision]:
    """Decisions from JSON lines (blank lines skipped); ValueError naming the line for a bad one."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            yield Decision.from_record(record)
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
