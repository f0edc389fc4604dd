"""Issue 15: typeset PDFs of public-domain texts (tests/data/pdf, SOURCES.md there) read as analysts need them.

LibreOffice set these with justified, automatically hyphenated paragraphs, a two-column section under
full-width text, and a narrow page where names, a URL and e-mail addresses wrap; each string below was
checked by hand against the printed lines PDFium reports (quoted in the comments).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sqzdesk.documents import read_document
from sqzdesk.documents.model import Document
from sqzdesk.documents.reflow import Box, Line, Vocabulary, reflow_page
from sqzdesk.engine.patterns import find_patterns

DATA = Path(__file__).parent / "data" / "pdf"


@pytest.fixture(scope="module")
def gettysburg() -> Document:
    return read_document(DATA / "gettysburg.pdf")


@pytest.fixture(scope="module")
def constitution() -> Document:
    return read_document(DATA / "constitution.pdf")


def _entities(text: str) -> set[tuple[str, str]]:
    return {(e.label, e.text) for e in find_patterns(text)}


def test_files_are_small_and_listed() -> None:
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for pdf in sorted(DATA.glob("*.pdf")):
        assert pdf.stat().st_size < 200_000, pdf.name
        assert f"`{pdf.name}`" in sources, pdf.name


def test_gettysburg_sentences_and_names_read_as_one_line(gettysburg: Document) -> None:
    text = gettysburg.text
    # printed "...our fathers" / "brought forth on this continent, a new nation," / "conceived in ..."
    assert ("Four score and seven years ago our fathers brought forth on this continent, a new nation, "
            "conceived in Liberty, and dedicated to the proposition that all men are created equal.\n") in text
    # printed "The Bliss copy, the last one Abraham Lincoln" / "wrote out, ..."
    assert "the last one Abraham Lincoln wrote out, is the text most often quoted" in text


def test_gettysburg_hyphenation(gettysburg: Document) -> None:
    text = gettysburg.text
    assert "as a final resting place" in text  # printed "fi-" / "nal"
    assert "from these honored dead" in text  # "hon-" / "ored"
    assert "the Library of Congress" in text  # "Li-" / "brary"
    assert "a great battle-field of that war" in text  # the source's own hyphen, mid-line


def test_gettysburg_url_and_email_are_one_entity(gettysburg: Document) -> None:
    text = gettysburg.text
    # printed "shows the drafts at https://" / "www.loc.gov/exhibits/gettysburg-address/ and"
    assert "drafts at https://www.loc.gov/exhibits/gettysburg-address/ and answers" in text
    # printed "ask.a.librarian.gettys-" / "burg@example.org within a week."
    assert "sent to ask.a.librarian.gettysburg@example.org within a week." in text
    found = _entities(text)
    assert ("URL", "https://www.loc.gov/exhibits/gettysburg-address/") in found
    assert ("EMAIL", "ask.a.librarian.gettysburg@example.org") in found


def test_constitution_two_column_section_reads_as_paragraphs(constitution: Document) -> None:
    text = constitution.text
    # the left column under the full-width preamble: "...in a Congress of the" / "United States, which ..."
    assert ("All legislative Powers herein granted shall be vested in a Congress of the United States, which "
            "shall consist of a Senate and House of Representatives.\nSection. 2.\n") in text
    # the paragraph runs from the foot of the left column ("...of that State in") to the top of the right
    assert "an Inhabitant of that State in which he shall be chosen. The actual Enumeration" in text
    assert text.index("Section. 1.") < text.index("Section. 2.") < text.index("the State of New Hampshire")


def test_constitution_hyphenation_and_compounds(constitution: Document) -> None:
    text = constitution.text
    assert "the first Meeting of the Congress of the United States" in text  # "Con-" / "gress"
    assert "until such enumeration shall be made" in text  # "enumera-" / "tion"
    assert "Providence Plantations one, Connecticut five, New-York six" in text  # "Con-" / "necticut"
    assert "North Carolina five" in text  # "Car-" / "olina"
    assert "Rhode-Island and Providence Plantations" in text  # the 1787 spelling keeps its hyphen


def test_constitution_url_hyphenated_by_the_typesetter_and_email(constitution: Document) -> None:
    text = constitution.text
    # printed "see https://www.ar-" / "chives.gov/founding-docs/constitution-transcript for details"
    assert "see https://www.archives.gov/founding-docs/constitution-transcript for details" in text
    # printed "write to reading.-" / "room@example.org with corrections."
    assert "write to reading.room@example.org with corrections." in text
    found = _entities(text)
    assert ("URL", "https://www.archives.gov/founding-docs/constitution-transcript") in found
    assert ("EMAIL", "reading.room@example.org") in found


@pytest.mark.parametrize("name", ["gettysburg", "constitution"])
def test_page_offsets_select_each_page(name: str) -> None:
    document = read_document(DATA / f"{name}.pdf")
    pages = document.pages
    assert len(pages) >= 2
    assert pages[0].start == 0 and pages[-1].end == len(document.text)
    for before, after in zip(pages, pages[1:], strict=False):
        assert document.text[before.end:after.start] == "\n\n"
    first = {"gettysburg": ("Four score", "Abraham Lincoln, November 19, 1863.", "The Bliss copy"),
             "constitution": ("We the People", "Section. 3.", "The Senate of the United States")}[name]
    assert first[0] in document.text[pages[0].start:pages[0].end]
    assert document.text[pages[1].start:pages[1].end].startswith(first[1])
    where = document.text.index(first[2])
    assert [p.number for p in pages if p.start <= where < p.end] == [len(pages)]


def _line(text: str, right: float, baseline: float) -> Line:
    return Line(text, Box(left=72.0, right=right, baseline=baseline, size=10.0, first_word_width=20.0))


def _placed(text: str, left: float, right: float, baseline: float, size: float = 10.0) -> Line:
    return Line(text, Box(left=left, right=right, baseline=baseline, size=size, first_word_width=4 * size))


def test_a_centred_title_broken_inside_its_phrase_is_one_line_and_other_breaks_stay() -> None:
    """Both real PDFs' titles (PDFium's boxes for Gettysburg: 60.7-251.3 then 120.6-191.7, size 15, in a
    column 56.7-260.9) read as one line; a centred heading over its subtitle, a left-aligned address block
    and a justified line before an indented paragraph keep their breaks."""
    vocabulary = Vocabulary.of([])
    body = [_placed("Four score and seven years ago our fathers brought forth on this", 56.7, 260.9, 480.0),
            _placed("continent a new nation, conceived in Liberty, and dedicated to", 56.7, 260.9, 468.0)]
    title = [_placed("Dedication of the Cemetery at", 60.7, 251.3, 521.6, 15.0),
             _placed("Gettysburg", 120.6, 191.7, 503.6, 15.0)]
    assert reflow_page(title + body, vocabulary).startswith("Dedication of the Cemetery at Gettysburg\nFour")
    heading = [_placed("Annual Report of the Finance Committee 2023", 60.0, 257.6, 521.6, 15.0),
               _placed("Prepared in March", 115.0, 202.6, 503.6, 15.0)]
    assert reflow_page(heading + body, vocabulary).startswith("Annual Report of the Finance Committee 2023\n"
                                                              "Prepared in March\nFour")
    address = [_placed("Acme Corporation,", 56.7, 140.0, 521.6), _placed("12 Main Street,", 56.7, 130.0, 509.6),
               _placed("Springfield", 56.7, 115.0, 497.6)]
    assert reflow_page(address + body, vocabulary).startswith("Acme Corporation,\n12 Main Street,\nSpringfield\n")
    indented = [_placed("the members present voted on the motion, the minutes say, and then,", 56.7, 260.9, 480.0),
                _placed("The chair closed the meeting at noon and thanked the members.", 66.7, 250.0, 468.0)]
    assert reflow_page(indented, vocabulary) == ("the members present voted on the motion, the minutes say, and "
                                                 "then,\nThe chair closed the meeting at noon and thanked the members.")


def test_url_that_ends_the_line_is_not_glued_to_the_next_word() -> None:
    vocabulary = Vocabulary.of([])
    lines = [_line("The minutes are online, see https://example.org/a", 400.0, 700.0),
             _line("for details of the vote and the amendments.", 380.0, 688.0)]
    assert reflow_page(lines, vocabulary) == ("The minutes are online, see https://example.org/a for details of "
                                              "the vote and the amendments.")
    cut = [_line("The minutes are online, see https://github.c", 400.0, 700.0),
           _line("om/mozilla/pdf.j", 160.0, 688.0), _line("s) for the vote.", 150.0, 676.0)]
    assert "https://github.com/mozilla/pdf.js) for the vote." in reflow_page(cut, vocabulary)
    dot = [_line("The minutes are online, see https://www.loc.", 400.0, 700.0), _line("gov today.", 150.0, 688.0)]
    assert "https://www.loc.gov today." in reflow_page(dot, vocabulary)
