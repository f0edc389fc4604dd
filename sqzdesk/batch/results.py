"""The outcome for one file, shared by the store, the runner, the exports, the CLI and the batch panel.

Typed all the way: a :class:`FileResult` holds the engine's :class:`Analysis` (Sentiment,
SentenceSentiment, Entity); plain dicts exist only at the edges, in :meth:`FileResult.to_record` (the
``batch --out`` line), the store's JSON column (:meth:`Analysis.from_record` reads it back) and the
export tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqzdesk.engine.analysis import Analysis
from sqzdesk.engine.results import Entity, SentenceSentiment, Sentiment


class FileStatus(StrEnum):
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class FileResult:
    """The file's :class:`Analysis`, or a one-line ``error`` (then ``analysis`` is None).

    ``reused`` marks a result taken from the store instead of analysed in this run; ``is_file`` is False
    for scan problems (a symlink loop, an unreadable folder, a missing path), which are reported but
    never stored: they are not files with content to key a result by.
    """

    path: Path
    sha256: str | None
    analysis: Analysis | None = None
    error: str | None = None
    seconds: float = 0.0
    analysed_at: float = 0.0
    reused: bool = False
    is_file: bool = True

    @property
    def status(self) -> FileStatus:
        return FileStatus.FAILED if self.error is not None else FileStatus.DONE

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def _done(self) -> Analysis | None:
        return None if self.failed else self.analysis

    @property
    def sentiment(self) -> Sentiment | None:
        """The document's sentiment; None when failed, or when no sentence has prose to judge."""
        analysis = self._done
        return analysis.sentiment if analysis is not None else None

    @property
    def sentences(self) -> tuple[SentenceSentiment, ...]:
        analysis = self._done
        return analysis.sentences if analysis is not None else ()

    @property
    def entities(self) -> tuple[Entity, ...]:
        analysis = self._done
        return analysis.entities if analysis is not None else ()

    def to_record(self) -> dict[str, Any]:
        """The ``batch --out`` JSONL line: the analyze fields plus sha256 and error (null when fine)."""
        analysis = self._done
        fields = analysis.to_record() if analysis is not None else {"sentiment": None, "sentences": [],
                                                                     "entities": []}
        record = {"path": str(self.path), "sha256": self.sha256, "sentiment": fields["sentiment"],
                  "sentences": fields["sentences"], "entities": fields["entities"]}
        if "classify" in fields:  # custom classifiers were asked for
            record["classify"] = fields["classify"]
        return {**record, "error": self.error}



