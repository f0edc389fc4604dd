"""Error text as one line: what stderr, the result store, the batch table and a tab all show.

Standard library only, so the command line can use it without loading the engine.
"""

from __future__ import annotations


def one_line(reason: object) -> str:
    """``str(reason)`` with every run of whitespace (newlines included) as one space; the exception's
    type name when it has no message."""
    return " ".join(str(reason).split()) or type(reason).__name__


def failure_reason(exc: Exception) -> str:
    """The error text for an input the engine did not answer (``analyze``/``ask`` lines, batch files).

    The engine's own refusals (no words, too long) are the user's to act on and read as they are; anything
    else is an engine failure on that one input, named as such, and the other inputs still go on.
    """
    from sqzdesk.engine.errors import AnalysisError  # here, not above: the CLI imports this module at start

    if isinstance(exc, AnalysisError):
        return one_line(exc)
    return f"analysis failed ({type(exc).__name__}: {one_line(exc)})"
