"""Flag a text layer that is mostly garbage, so the analyst knows the results rest on unreadable text.

A PDF whose fonts carry no Unicode map extracts as private-use or replacement characters, as control
characters, or as letters that are really glyph numbers ("Xkqzt vbnrtp"). The readers cannot repair
that (only OCR could), but they can say so. The rules, on the non-space characters of the whole text
(texts under :data:`MIN_CHARS` are too short to judge and count as ok):

* **undecodable**: more than 10 % are private-use (U+E000-U+F8FF and planes 15-16), replacement
  (U+FFFD), control or unassigned characters;
* **symbols**: fewer than half are letters or digits (a font mapped to punctuation: ``!"#$%&'()``);
* **no vowels**: of the Latin-script words of five letters or more (at least :data:`MIN_WORDS` of them),
  more than 30 % have no vowel (``a e i o u y``, accented ones included). Real text in languages written
  in the Latin alphabet has very few such words; other scripts are not judged by this rule.

Only a flag: the document is analysed all the same.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from .model import Document, TextQuality

MIN_CHARS = 40
MIN_WORDS = 10
_LATIN_WORD = re.compile(r"\b[A-Za-z\u00c0-\u024f]{5,}\b")
_VOWELS = frozenset("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿāăąēĕėęěīĭįıōŏőœūŭůűų")


def assess(document: Document) -> Document:
    """The document with ``quality``/``quality_reason`` set from its text (see the module rules)."""
    quality, reason = text_quality(document.text)
    if quality is document.quality and reason == document.quality_reason:
        return document
    return replace(document, quality=quality, quality_reason=reason)


def text_quality(text: str) -> tuple[TextQuality, str]:
    """``(quality, reason)`` for one text; the reason is empty when the quality is ok."""
    printed = [char for char in text if not char.isspace()]
    if len(printed) < MIN_CHARS:
        return TextQuality.OK, ""
    bad = sum(1 for char in printed if _undecodable(char))
    if bad > 0.10 * len(printed):
        return TextQuality.LOW, (f"{_percent(bad, len(printed))} of the characters are undecodable glyphs "
                                 "(private-use, replacement or control characters)")
    alnum = sum(1 for char in printed if char.isalnum())
    if alnum < 0.5 * len(printed):
        return TextQuality.LOW, f"{_percent(len(printed) - alnum, len(printed))} of the characters are symbols"
    words = _LATIN_WORD.findall(text)
    if len(words) >= MIN_WORDS:
        vowelless = sum(1 for word in words if not _VOWELS.intersection(word.lower()))
        if vowelless > 0.30 * len(words):
            return TextQuality.LOW, f"{_percent(vowelless, len(words))} of the longer words have no vowels"
    return TextQuality.OK, ""


def _undecodable(char: str) -> bool:
    if char == "\ufffd":
        return True
    category = unicodedata.category(char)
    return category in ("Co", "Cn", "Cc", "Cs")


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%"
