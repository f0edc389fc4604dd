"""DOCX files still read the same: random WordprocessingML bodies against texts recorded from the reader
python-docx replaced.

Until issue 14 the app read DOCX with its own standard-library reader (expat, and a re-implementation of
python-docx's package and text rules). Before it was deleted, :func:`corpus` below was run through it and
every outcome (the text, or the one-line refusal) recorded in ``data/docx_parity.json`` together with the
body it was given, so the corpus can change without losing the record. The bodies mix what real
documents hold (runs, tabs and breaks, hyperlinks, fields, content controls, tracked changes, text
boxes, accented, CJK, right-to-left and astral text, XML escapes, merged and nested table cells) in
random order; tests/test_docx_reader.py holds the hand-made cases. Issue 15 changed one thing on
purpose and the record with it: text boxes, left out before, are read as blocks of their own after
the paragraph anchoring them (30 records with a box that holds text changed; every other outcome is as
recorded then).

``python tests/test_docx_parity.py`` writes the record again from the reader in the tree: only for a
deliberate change of behaviour, since the record is what tells a regression.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest
from docx.oxml.ns import nsdecls
from docxkit import package

from sqzdesk.documents import DocumentError, read_bytes

RECORD = Path(__file__).resolve().parent / "data" / "docx_parity.json"
W = nsdecls("w")
R_NS = nsdecls("r")
MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
WPS = 'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'

WORDS = [
    "the", "report", "Angela", "Merkel", "visited", "Paris", "on", "Monday", "revenue", "grew", "12%", "Q3",
    "café", "naïve", "Zürich", "résumé", "Việt", "Straße", "İstanbul", "ΟΔΟΣ", "北京大学", "東京", "한국어",
    "مُحَمَّد", "שָׁלוֹם", "हिन्दी", "😀", "👍🏽", "𝔘𝔫𝔦", "e-mail", "don't", "U.S.A.", "3.14", "$5", "«quote»",
    "—", "…", "&amp;", "&lt;tag&gt;", "&quot;x&quot;", "&#x20AC;", "&#8364;", "[CLS]", "\u00a0", "ﬁne",
]


def _text(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(0, 5))
    text = " ".join(words)
    if rng.random() < 0.3:
        text = rng.choice([" ", "  ", "\t"]) + text
    if rng.random() < 0.3:
        text += rng.choice([" ", "  "])
    return text


def _t(rng: random.Random) -> str:
    space = " xml:space='preserve'" if rng.random() < 0.7 else ""
    return f"<w:t{space}>{_text(rng)}</w:t>"


def _run(rng: random.Random) -> str:
    inner = []
    for _ in range(rng.randint(1, 3)):
        inner.append(rng.choices(
            [_t(rng), "<w:tab/>", "<w:br/>", "<w:br w:type='page'/>", "<w:cr/>", "<w:noBreakHyphen/>",
             "<w:ptab w:relativeTo='margin' w:alignment='right' w:leader='none'/>", "<w:softHyphen/>",
             "<w:delText>deleted</w:delText>", "<w:instrText> PAGE </w:instrText>", "<w:lastRenderedPageBreak/>"],
            weights=[12, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])[0])
    props = "<w:rPr><w:b/></w:rPr>" if rng.random() < 0.2 else ""
    return f"<w:r>{props}{''.join(inner)}</w:r>"


def _inline(rng: random.Random, depth: int = 0) -> str:
    kind = rng.choices(["run", "link", "field", "ins", "del", "moveFrom", "moveTo", "sdt", "smartTag", "box"],
                       weights=[14, 2, 1, 1, 1, 1, 1, 1, 1, 1])[0]
    if kind == "run" or depth > 1:
        return _run(rng)
    inner = "".join(_inline(rng, depth + 1) for _ in range(rng.randint(1, 2)))
    return {
        "link": f"<w:hyperlink {R_NS} r:id='rId99'>{inner}</w:hyperlink>",
        "field": f"<w:fldSimple w:instr=' DATE '>{inner}</w:fldSimple>",
        "ins": f"<w:ins w:id='1' w:author='a'>{inner}</w:ins>",
        "del": f"<w:del w:id='2' w:author='a'>{inner}</w:del>",
        "moveFrom": f"<w:moveFrom w:id='3' w:author='a'>{inner}</w:moveFrom>",
        "moveTo": f"<w:moveTo w:id='4' w:author='a'>{inner}</w:moveTo>",
        "sdt": f"<w:sdt><w:sdtPr/><w:sdtContent>{inner}</w:sdtContent></w:sdt>",
        "smartTag": f"<w:smartTag w:uri='u' w:element='place'>{inner}</w:smartTag>",
        "box": (f"<w:r><mc:AlternateContent {MC}><mc:Choice Requires='wps'><w:drawing><wps:txbx {WPS}>"
                f"<w:txbxContent><w:p>{inner}</w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice>"
                f"<mc:Fallback><w:t>fallback</w:t></mc:Fallback></mc:AlternateContent></w:r>"),
    }[kind]


def _paragraph(rng: random.Random, declare: bool = True) -> str:
    runs = "".join(_inline(rng) for _ in range(rng.randint(0, 4)))
    return f"<w:p {W if declare else ''}>{runs}</w:p>"


def _table(rng: random.Random, depth: int = 0, declare: bool = True) -> str:
    """A grid with random horizontal spans and vertical merges that line up (as Word writes them)."""
    cols, n_rows = rng.randint(1, 3), rng.randint(1, 3)
    # grid columns whose cell above may be continued; now and then one from nowhere (a damaged table)
    merged_above: set[int] = {0} if rng.random() < 0.05 else set()
    rows = []
    for _ in range(n_rows):
        cells, col, next_merged = [], 0, set()
        while col < cols:
            span = rng.randint(1, cols - col) if rng.random() < 0.25 else 1
            props = f"<w:gridSpan w:val='{span}'/>" if span > 1 else ""
            if col in merged_above and rng.random() < 0.5:
                props += "<w:vMerge/>" if rng.random() < 0.5 else "<w:vMerge w:val='continue'/>"
                content = "<w:p/>"
                next_merged.add(col)
            else:
                if rng.random() < 0.3:
                    props += "<w:vMerge w:val='restart'/>"
                    next_merged.add(col)
                blocks = [_paragraph(rng, declare=False) for _ in range(rng.randint(1, 2))]
                if depth == 0 and rng.random() < 0.1:
                    blocks.insert(1, _table(rng, depth + 1, declare=False))
                content = "".join(blocks)
            cells.append(f"<w:tc>{f'<w:tcPr>{props}</w:tcPr>' if props else ''}{content}</w:tc>")
            col += span
        merged_above = next_merged
        rows.append(f"<w:tr>{''.join(cells)}</w:tr>")
    grid = "".join("<w:gridCol w:w='1000'/>" for _ in range(cols))
    return f"<w:tbl {W if declare else ''}><w:tblPr/><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def _block(rng: random.Random) -> str:
    kind = rng.choices(["p", "tbl", "sdt"], weights=[6, 2, 1])[0]
    if kind == "tbl":
        return _table(rng)
    if kind == "sdt":
        return f"<w:sdt {W}><w:sdtPr/><w:sdtContent>{_paragraph(rng, declare=False)}</w:sdtContent></w:sdt>"
    return _paragraph(rng)


def corpus(n: int = 60, seed: int = 14) -> dict[str, list[str]]:
    """``n`` random bodies, each a list of block-level XML elements."""
    rng = random.Random(seed)
    return {f"doc{k:02d}": [_block(rng) for _ in range(rng.randint(1, 6))] for k in range(n)}


def outcome(blocks: list[str]) -> str:
    """The text read from a python-docx document with these body blocks, or "refused: <reason>"."""
    try:
        return read_bytes(package(*blocks), ".docx").text
    except DocumentError as exc:
        return f"refused: {exc}"


def _recorded() -> dict[str, dict]:
    return json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.exists() else {}  # {}: the test below fails


def test_record_covers_what_it_should():
    record = _recorded()
    outcomes = [case["outcome"] for case in record.values()]
    assert len(record) == 60
    assert sum(o.startswith("refused: ") for o in outcomes) < 10  # nearly all are readable documents
    texts = "\n".join(outcomes)
    for needle in ("\t", "北京大学", "😀", "€", "&", "<tag>", "[CLS]", "Việt"):
        assert needle in texts


@pytest.mark.parametrize("name", sorted(_recorded()))
def test_reads_as_recorded(name):
    case = _recorded()[name]
    assert outcome(case["body"]) == case["outcome"]


if __name__ == "__main__":
    record = {name: {"body": blocks, "outcome": outcome(blocks)} for name, blocks in corpus().items()}
    RECORD.parent.mkdir(exist_ok=True)
    RECORD.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{RECORD}: {len(record)} documents", file=sys.stderr)
