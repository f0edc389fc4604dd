"""Cut a long document into the chunks the streaming analysis works through one after the other.

Why chunks: results of a 200-page report should appear while the rest is still running, a cancel should
not throw away what is done, a question asked meanwhile should not wait for a whole document, and no
single engine call (tokenizing, sentence splitting) should run long enough to starve a GUI thread of the
interpreter. Chunks end at the strongest boundary found near the target size (blank line, then sentence
end, then line break, then a space), so a sentence or a name is rarely cut in two. Every caller (the
GUI, ``sqzdesk analyze``, the batch runner) cuts the same way, so they all get the same results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHUNK_CHARS = 3_000
# Strongest boundary first; each match ends where the next chunk should start.
_BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"[.!?][\"'”’)\]]*\s+"),
    re.compile(r"\n\s*"),
    re.compile(r"\s+"),
)


@dataclass(frozen=True)
class Chunk:
    start: int
    end: int


def split_chunks(text: str, target: int = CHUNK_CHARS) -> list[Chunk]:
    """Consecutive chunks covering ``text`` exactly, each at most ``target`` characters long."""
    chunks, start, n = [], 0, len(text)
    while n - start > target:
        end = _cut_point(text, start, start + target)
        chunks.append(Chunk(start, end))
        start = end
    if start < n or not chunks:
        chunks.append(Chunk(start, n))
    return chunks


def _cut_point(text: str, start: int, limit: int) -> int:
    """Where to end a chunk that starts at ``start`` and may not pass ``limit``."""
    floor = start + (limit - start) // 2  # never make a chunk shorter than half the target
    for pattern in _BOUNDARIES:
        best = None
        for m in pattern.finditer(text, floor, limit):
            best = m
        if best is not None and best.end() > start:
            return min(best.end(), limit)
    return limit
