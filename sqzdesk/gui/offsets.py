"""Code point offsets (the engine's) <-> UTF-16 positions (Qt's text cursors).

Python strings index by code point; ``QTextCursor`` positions count UTF-16 code units, so every
character outside the Basic Multilingual Plane (emoji, some CJK, math symbols) shifts all later Qt
positions by one. Without this mapping a single "🙂" early in a document would make every highlight
after it land one character off. The map stores only where the astral characters are, so the common
all-BMP text costs nothing and a lookup is a binary search.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right


class Utf16Map:
    """Converts offsets into one fixed text between code points and UTF-16 code units."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        # code point index of every astral character, in order
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF] if not text.isascii() else []
        # the UTF-16 position of each astral character (its high surrogate)
        self._astral_u16 = [i + k for k, i in enumerate(self._astral)]

    @property
    def utf16_length(self) -> int:
        return self.length + len(self._astral)

    def to_utf16(self, offset: int) -> int:
        """UTF-16 position of code point ``offset`` (0..len(text), end positions included)."""
        return offset + bisect_left(self._astral, offset)

    def to_code_point(self, position: int) -> int:
        """Code point offset of a UTF-16 position; a position inside a surrogate pair rounds down."""
        k = bisect_right(self._astral_u16, position - 1)  # astral chars starting before ``position``
        if k and self._astral_u16[k - 1] == position - 1:  # between the two halves of a pair
            return position - 1 - (k - 1)
        return position - k
