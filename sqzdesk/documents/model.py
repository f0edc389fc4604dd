"""Value types shared by every reader: the extracted document, its page spans and the one error type.

Readers return plain text plus optional page spans instead of a richer structure because everything
downstream (sentence splitting, model inference, hit highlighting) works on character offsets into a
single string; page spans are only needed to label a hit "p. 7".
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from enum import StrEnum
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


class PasswordRequired(DocumentError):
    """The file is encrypted with a user password and none was given.

    A distinct type so the GUI can ask for the password and try again, where any other reason is final.
    """

    def __init__(self, message: str = "password required") -> None:
        super().__init__(message)


class WrongPassword(DocumentError):
    """A password was given but does not open the file; the GUI asks again, the CLI reports it."""

    def __init__(self, message: str = "wrong password") -> None:
        super().__init__(message)


class TextQuality(StrEnum):
    """Whether the extracted text looks like language (``ok``) or like undecodable glyphs (``low``).

    Only a flag: analysis still runs on low-quality text, because only the analyst can tell whether
    what little is readable matters.
    """

    OK = "ok"
    LOW = "low"


@dataclass(frozen=True)
class Page:
    """One page of a paged document as a half-open span ``[start, end)`` of ``Document.text``.

    ``ocr``: the page had no text layer and its text was read by OCR from the rendered page, so names
    and numbers in it may be misread (the GUI and ``text --json`` say so).
    """

    number: int
    start: int
    end: int
    ocr: bool = False


class PartKind(StrEnum):
    """Which story of a document a span of its text comes from (see :class:`Part`)."""

    BODY = "body"
    HEADER = "header"
    FOOTER = "footer"
    FOOTNOTE = "footnote"
    ENDNOTE = "endnote"
    COMMENT = "comment"
    TEXTBOX = "textbox"


@dataclass(frozen=True)
class Part:
    """A half-open span ``[start, end)`` of ``Document.text`` read from one story of the file.

    Word files keep headers, notes, comments and text boxes apart from the running text; the reader
    puts them in the one text (they are analysed and redacted like the rest) but separated by blank
    lines, so no sentence or entity crosses from one part into another, and lists them here so a view
    can mark them. ``label`` says which one for people ("Footnote 2", "Comment (Jane Doe)").
    """

    kind: PartKind
    start: int
    end: int
    label: str = ""


@dataclass(frozen=True)
class Document:
    """Extracted plain text of one file; all offsets the app stores point into ``text``."""

    path: Path
    text: str
    format: str
    pages: tuple[Page, ...] = ()
    quality: TextQuality = TextQuality.OK
    quality_reason: str = ""  # why the quality is low, one line; empty when it is ok
    # One-line notes on what the reader could not do (pages left unread: "no text layer on 2 of 5
    # pages (scanned?): install OCR ..."); the document is analysed all the same.
    warnings: tuple[str, ...] = ()
    parts: tuple[Part, ...] = ()  # the stories the text is made of; empty: all of it is body text

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

    def part_at(self, offset: int) -> Part | None:
        """The part holding character ``offset``; ``None`` when the reader lists no parts, or the offset is
        in a blank separator between two parts."""
        for part in self.parts:
            if part.start <= offset < part.end:
                return part
        return None
