"""Who appears where: every entity across the result store, with the documents and mentions it has.

For the folder view (filter by type or text, click an entity to see its documents and open one at the
mention) and for ``sqzdesk entities``. Built from the stored results, one per document (the latest
analysis of each path, whatever models made it), with the analyst's decisions applied: a rejected
mention is not counted, an added one is. The same entity is the same type and the same text compared
case- and space-insensitively ("Jane  Doe" and "JANE DOE" are one); it is shown by its most frequent
spelling. No Qt.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqzdesk.batch.decisions import Verdict
from sqzdesk.batch.results import FileResult
from sqzdesk.batch.store import ResultStore

ENTITY_INDEX_COLUMNS = ["text", "label", "documents", "mentions", "paths"]


@dataclass(frozen=True)
class Mention:
    path: Path
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class IndexedEntity:
    text: str                     # the most frequent spelling
    label: str
    mentions: tuple[Mention, ...]  # in path, then text order

    @property
    def key(self) -> tuple[str, str]:
        return entity_key(self.label, self.text)

    @property
    def paths(self) -> tuple[Path, ...]:
        """The documents it appears in, each once, in path order."""
        return tuple(dict.fromkeys(m.path for m in self.mentions))

    @property
    def documents(self) -> int:
        return len(self.paths)

    def to_row(self) -> dict[str, Any]:
        """The ``sqzdesk entities`` record (JSONL; CSV joins the paths with "; ")."""
        return {"text": self.text, "label": self.label, "documents": self.documents,
                "mentions": len(self.mentions), "paths": [str(p) for p in self.paths]}


def entity_key(label: str, text: str) -> tuple[str, str]:
    return label, " ".join(text.split()).casefold()


def latest_results(store: ResultStore, key: str | None = None) -> list[FileResult]:
    """One done result per path: the most recent (any model key unless ``key`` is given)."""
    latest: dict[str, FileResult] = {}
    for result in store.results(key, failed=False):
        have = latest.get(str(result.path))
        if have is None or result.analysed_at > have.analysed_at:
            latest[str(result.path)] = result
    return [latest[p] for p in sorted(latest)]


def entity_index(store: ResultStore, *, key: str | None = None, labels: Collection[str] | None = None,
                 contains: str | None = None, paths: Iterable[str | Path] | None = None) -> list[IndexedEntity]:
    """Every entity in the store, most documents first, then most mentions, then by text.

    ``labels``: only these types; ``contains``: only entities whose text contains this (case-insensitive);
    ``paths``: only documents at or under these paths.
    """
    import os

    under = [os.path.abspath(p) for p in paths] if paths is not None else None
    groups: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for result in latest_results(store, key):
        where = os.path.abspath(result.path)
        if under is not None and not any(where == u or where.startswith(u.rstrip(os.sep) + os.sep) for u in under):
            continue
        decisions = {(d.start, d.end): d for d in store.decisions(result.sha256)} if result.sha256 else {}
        spans: dict[tuple[int, int], tuple[str, str]] = {}
        for e in result.entities:
            d = decisions.get((e.start, e.end))
            if d is not None and d.text != e.text:
                d = None  # stale: the decision was made on other text
            if d is not None and d.verdict is Verdict.REJECTED:
                continue
            spans[(e.start, e.end)] = (d.label if d is not None else e.label, e.text)
        for (start, end), d in decisions.items():
            if d.verdict is Verdict.ADDED and (start, end) not in spans:
                spans[(start, end)] = (d.label, d.text)
        for (start, end), (label, text) in sorted(spans.items()):
            groups[entity_key(label, text)].append(Mention(result.path, start, end, text))
    needle = contains.casefold() if contains else None
    out = []
    for (label, folded), mentions in groups.items():
        if labels is not None and label not in labels:
            continue
        if needle is not None and needle not in folded:
            continue
        spelling = Counter(m.text for m in mentions).most_common(1)[0][0]
        out.append(IndexedEntity(spelling, label, tuple(mentions)))
    out.sort(key=lambda e: (-e.documents, -len(e.mentions), e.text.casefold(), e.label))
    return out
