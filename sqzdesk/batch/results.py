"""The outcome for one file, shared by the store, the runner, the exports, the CLI and the batch panel."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DONE, FAILED = "done", "failed"


@dataclass(frozen=True)
class FileResult:
    """Analysis fields in the CLI contract's shape (plain dicts), or a one-line ``error``.

    ``reused`` marks a result taken from the store instead of analysed in this run; ``is_file`` is False
    for scan problems (a symlink loop, an unreadable folder, a missing path), which are reported but
    never stored: they are not files with content to key a result by.
    """

    path: Path
    sha256: str | None
    sentiment: dict[str, Any] | None = None
    sentences: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    analysed_at: float = 0.0
    reused: bool = False
    is_file: bool = True

    @property
    def status(self) -> str:
        return FAILED if self.error is not None else DONE

    @property
    def failed(self) -> bool:
        return self.error is not None

    def to_record(self) -> dict[str, Any]:
        """The ``batch --out`` JSONL line: the analyze fields plus sha256 and error (null when fine)."""
        return {"path": str(self.path), "sha256": self.sha256, "sentiment": self.sentiment,
                "sentences": self.sentences, "entities": self.entities, "error": self.error}


def one_line(reason: object) -> str:
    """Error text as one line (the store, the table and stderr all show it on a single line)."""
    return " ".join(str(reason).split()) or type(reason).__name__
