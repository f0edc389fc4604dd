"""Value types shared by every reader: the extracted document, its page spans and the one error type.

Readers return plain text plus optional page spans instead of a richer structure because everything
downstream (sentence splitting, model inference, hit highlighting) works on character offsets into a
single string; page spans are only needed to label a hit "p. 7".
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path


class DocumentError(Exception):
    """The one exception a reader raises: a short, human-readable reason for one file.

    The GUI shows ``str(err)`` next to the file name in a list, so the message is forced onto a
    single line (library messages sometimes carry newlines) and carries no traceback-style detail.
    The original exception, if any, stays available as ``__cause__`` for logs.
    """

    def __init__(self, message: str) -> None:
        self.reason = " ".join(str(message).split()) or "unreadable file"
        super().__init__(self.reason)

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Page:
    """One page of a paged document as a half-open span ``[start, end)`` of ``Document.text``."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """Extracted plain text of one file; all offsets the app stores point into ``text``."""

    path: Path
    text: str
    format: str
    pages: tuple[Page, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """Return the number of the page holding character ``offset``.

        ``None`` when the format has no pages or the offset lies outside the text. An offset in the
        blank separator between two pages counts as the earlier page, and ``len(text)`` (the end of a
        span that runs to the end) counts as the last page, so a hit's start or end offset always maps.
        """
        if not self.pages or offset < 0 or offset > len(self.text):
            return None
        index = bisect_right(self.pages, offset, key=lambda page: page.start) - 1
        return self.pages[max(index, 0)].number
