"""The HTML main-content reference set (tests/data/html_ref) and its word-level score.

Shared by tests/test_html_extract.py and bench/html_extract.py so both report the same numbers. A page's
score is word-level precision / recall / F1 of the extracted text against the hand-made reference: both
are bags of lowercase word tokens (``\\w+``, so punctuation and line layout do not count) with
multiplicity, the usual measure of main-content extraction benchmarks.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REF_DIR = Path(__file__).resolve().parent / "data" / "html_ref"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class RefPage:
    name: str
    html: bytes      # the page as saved, undecoded (the reader does its own charset detection)
    reference: str   # the article text, hand-checked


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float


def ref_pages() -> list[RefPage]:
    """Every page with its reference, in name order."""
    pages = []
    for path in sorted(REF_DIR.glob("*.html.gz")):
        name = path.name.removesuffix(".html.gz")
        reference = (REF_DIR / f"{name}.txt").read_text(encoding="utf-8")
        pages.append(RefPage(name, gzip.decompress(path.read_bytes()), reference))
    return pages


def words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def score(extracted: str, reference: str) -> Score:
    """Word-bag precision, recall and F1 (0 where either side has no words)."""
    got, want = words(extracted), words(reference)
    common = sum((got & want).values())
    if not common:
        return Score(0.0, 0.0, 0.0)
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return Score(precision, recall, 2 * precision * recall / (precision + recall))
