"""Sentence spans for per-sentence sentiment.

Blank lines always end a sentence (headings, list items and paragraphs are separate); inside a block
pysbd finds sentence ends. Spans are character offsets into the original text, trimmed of whitespace.
Huge blocks are cut first so a pathological file cannot stall the segmenter.
"""

from __future__ import annotations

import re
from functools import lru_cache

# A blank line: no entity and no answer runs across one (see entities.py, qa.py)
PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")
BLOCK_BREAK = re.compile(r"\n[ \t\r\f\v]*\n|\n(?=[ \t]*(?:[-*•·]|\d+[.)])\s)")
MAX_BLOCK = 5_000
MAX_SENTENCE = 2_000


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def _blocks(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in BLOCK_BREAK.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return out


def _cut(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Split [start, end) into pieces of at most ``limit`` chars, preferring newlines, then spaces."""
    pieces = []
    while end - start > limit:
        window = text[start:start + limit]
        cut = max(window.rfind("\n"), window.rfind(" "))
        stop = start + cut + 1 if cut > limit // 4 else start + limit
        pieces.append((start, stop))
        start = stop
    pieces.append((start, end))
    return pieces


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _segment(text: str, start: int, end: int) -> list[tuple[int, int]]:
    block = text[start:end]
    try:
        parts = _segmenter().segment(block)
    except Exception:  # pysbd has edge cases on odd input; a block is still a fine unit
        parts = [block]
    out, cursor = [], 0
    for part in parts:
        piece = part.strip()
        if not piece:
            continue
        at = block.find(piece, cursor)
        if at < 0:  # the segmenter altered the text: keep the rest of the block as one span
            out.append((start + cursor, end))
            return out
        out.append((start + at, start + at + len(piece)))
        cursor = at + len(piece)
    return out


def split_sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) spans covering the text's sentences, in order, never overlapping."""
    spans = []
    for b_start, b_end in _blocks(text):
        for p_start, p_end in _cut(text, b_start, b_end, MAX_BLOCK):
            for s_start, s_end in _segment(text, p_start, p_end):
                for c_start, c_end in _cut(text, s_start, s_end, MAX_SENTENCE):
                    trimmed = _trim(text, c_start, c_end)
                    if trimmed and any(ch.isalnum() for ch in text[trimmed[0]:trimmed[1]]):
                        spans.append(trimmed)
    return spans
