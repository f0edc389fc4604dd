"""How numbers read on screen, shared by the panels and the status bar."""

from __future__ import annotations


def duration(seconds: float) -> str:
    """"320 ms" or "4.2 s": a fast analysis should not read "0.0 s"."""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"
