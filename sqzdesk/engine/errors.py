"""Why the engine declines a text: typed, so callers never have to guess from a bare ValueError.

Each ``str(error)`` is a one-line reason a user can act on; the CLI prints it, the batch store keeps it
and the GUI shows it in the tab. A bug inside the engine is never one of these, so callers can tell
"this input cannot be analysed" from "something broke".
"""

from __future__ import annotations


class AnalysisError(Exception):
    """An input the engine cannot analyse."""


class NoText(AnalysisError):
    """The text has no letters or digits at all (empty, blank, a page of dashes)."""

    def __init__(self, message: str = "no text to analyse: the document has no words") -> None:
        super().__init__(message)


class TextTooLong(AnalysisError):
    """A text over the analysed-length limit; the message says how to raise it."""
