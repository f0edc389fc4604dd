"""Error text as one line: what stderr, the result store, the batch table and a tab all show.

Standard library only, so the command line can use it without loading the engine.
"""

from __future__ import annotations


def one_line(reason: object) -> str:
    """``str(reason)`` with every run of whitespace (newlines included) as one space; the exception's
    type name when it has no message."""
    return " ".join(str(reason).split()) or type(reason).__name__
