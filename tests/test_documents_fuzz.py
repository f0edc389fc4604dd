"""Property tests: no input makes a reader raise anything but a one-line DocumentError.

Besides raw random bytes (which mostly fail the first sanity check), real PDFs and DOCX files with a
few bytes flipped or the tail cut off reach deep into PDFium, zipfile, lxml and python-docx, and
markup-heavy text exercises the Markdown and HTML strippers.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pdfmaker import make_pdf

from sqzdesk.documents import SUPPORTED_SUFFIXES, Document, DocumentError, read_bytes, read_document
from sqzdesk.documents.decoding import normalise_newlines

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reads_or_refuses(data: bytes, suffix: str) -> Document | None:
    """Read ``data``; a refusal must be a DocumentError with a one-line, non-fallback message."""
    try:
        document = read_bytes(data, suffix)
    except DocumentError as err:
        message = str(err)
        assert message and "\n" not in message and message == message.strip()
        # The registry's last-resort wrapper says "unexpected error"; reaching it means a reader
        # let an exception through that it should have mapped to a proper reason.
        assert not message.startswith("unexpected error"), (message, repr(err.__cause__))
        return None
    assert isinstance(document.text, str)
    previous_end = 0
    for number, page in enumerate(document.pages, start=1):
        assert page.number == number
        assert previous_end <= page.start <= page.end <= len(document.text)
        previous_end = page.end
    return document


def _real_pdf() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        pages = ["Fuzzing starts here.\nSecond line.", "Page two (with parentheses).", "Third page."]
        return make_pdf(Path(folder) / "seed.pdf", pages).read_bytes()


def _real_docx() -> bytes:
    word = docx.Document()
    word.add_paragraph("A paragraph to damage.")
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "cell"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "merged"
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


SEEDS = {".pdf": _real_pdf(), ".docx": _real_docx()}

MAGIC_PREFIXES = [
    b"",
    b"%PDF-1.7\n",
    b"PK\x03\x04",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"<html>",
    b"# ",
]


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
@FUZZ
@given(prefix=st.sampled_from(MAGIC_PREFIXES), body=st.binary(max_size=2048))
def test_arbitrary_bytes_only_raise_document_error(suffix, prefix, body):
    reads_or_refuses(prefix + body, suffix)


@st.composite
def damaged(draw, seed: bytes) -> bytes:
    """``seed`` with a few bytes overwritten and possibly the tail cut off."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    cut = draw(st.one_of(st.none(), st.integers(1, len(data))))
    return bytes(data[:cut])


@pytest.mark.parametrize("suffix", sorted(SEEDS))
@FUZZ
@given(data=st.data())
def test_damaged_real_files_only_raise_document_error(suffix, data):
    reads_or_refuses(data.draw(damaged(SEEDS[suffix])), suffix)


MARKUP = st.text(alphabet=st.sampled_from(list("<>/!?-[]()*_`#~&;:\"'=|\\ \n\tabpé€")), max_size=400)


@pytest.mark.parametrize("suffix", [".md", ".html"])
@FUZZ
@given(text=MARKUP)
def test_markup_soup_is_handled(suffix, text):
    assume(text)
    reads_or_refuses(text.encode("utf-8"), suffix)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("round-trip")


# Control characters (category Cc) are excluded: a text made mostly of them is binary by design.
PRINTABLE = st.text(
    alphabet=st.one_of(st.characters(exclude_categories=("Cs", "Cc")), st.sampled_from("\n\r\t")),
    min_size=1,
    max_size=300,
)


@settings(max_examples=100, deadline=None)
@given(text=PRINTABLE)
def test_unicode_text_round_trips_through_a_utf8_file(folder, text):
    assume(not text.startswith("\ufeff"))  # a leading U+FEFF is indistinguishable from a BOM
    path = folder / "round-trip.txt"
    path.write_bytes(text.encode("utf-8"))
    assert read_document(path).text == normalise_newlines(text)
