"""Document readers on real files written to tmp_path: round trips, encodings, and every refusal."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import tempfile
import textwrap
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from pdfmaker import (
    LINE_HEIGHT,
    MARGIN,
    PAGE_HEIGHT,
    make_encrypted_pdf,
    make_pdf,
    make_placed_pdf,
    make_scanned_pdf,
)

from sqzdesk.documents import (
    DEFAULT_MAX_BYTES,
    SUPPORTED_SUFFIXES,
    Document,
    DocumentError,
    Page,
    PasswordRequired,
    TextQuality,
    WrongPassword,
    read_bytes,
    read_document,
    zipguard,
)

REPO = Path(__file__).resolve().parents[1]


def error_of(path: Path, **kwargs) -> str:
    """The DocumentError message read_document gives for ``path`` (fails the test if it reads)."""
    with pytest.raises(DocumentError) as info:
        read_document(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and message == message.strip()
    return message


# --- plain text and encodings -----------------------------------------------------------------------


def test_txt_round_trip_normalises_newlines(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"line one\r\nline two\rline three\n")
    document = read_document(path)
    assert document == Document(path=path, text="line one\nline two\nline three\n", format="txt")
    assert document.pages == () and document.page_at(0) is None


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", "Zoë paid €12 for the naïve café's crème brûlée."),
        ("utf-8-sig", "Zoë paid €12 for the naïve café's crème brûlée."),
        ("utf-16", "Привет, мир. Zoë — 東京."),  # Python writes a little-endian BOM
        ("utf-16-be-bom", "Привет, мир. Zoë — 東京."),
        ("utf-16-le-no-bom", "A Windows tool wrote this without a BOM.\nSecond line."),
        ("latin-1", "Le café était très bon, déjà vu à Noël. Garçon, l'addition!"),
        ("cp1252", "“Smart quotes” and an en dash – are Windows-1252, not Latin-1."),
    ],
)
def test_txt_encodings(tmp_path, encoding, text):
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    elif encoding == "utf-16-le-no-bom":
        data = text.encode("utf-16-le")
    else:
        data = text.encode(encoding)
    path = tmp_path / "encoded.txt"
    path.write_bytes(data)
    assert read_document(path).text == text


def test_very_long_line(tmp_path):
    path = tmp_path / "one-line.text"
    path.write_text("word " * 2_000_000, encoding="utf-8")  # 10 MB, no newline at all
    assert len(read_document(path).text) == 10_000_000


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_zero_byte_file(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert error_of(path) == "empty file"


def test_binary_data_with_txt_suffix(tmp_path):
    png_header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4
    path = tmp_path / "photo.txt"
    path.write_bytes(png_header)
    assert error_of(path) == "binary data, not text"


def test_control_characters_without_nul_are_binary(tmp_path):
    path = tmp_path / "garbage.txt"
    path.write_bytes(bytes(range(1, 32)) * 40)
    assert error_of(path) == "binary data, not text"


# --- markdown -------------------------------------------------------------------------------------------


def test_markdown_reads_as_prose(tmp_path):
    source = """---
title: Minutes
---
# Budget *review* #

The **committee** met on _Tuesday_; see [the report](https://example.org/r(1)) and `run_job --fast`.
![chart](chart.png)
<!-- reviewer note: hidden -->
- first *point*
* second point
1. numbered point

> Quoted __text__ here.

***
| Item | Cost |
|------|-----:|
| Desk | 120 |

```python
x = a * b * c  # *kept* verbatim
```
snake_case_name stays, 2 * 3 = 6 stays, \\*escaped\\* stars stay.
[ref]: https://example.org
Line<br>break and <span class="x">inline html</span>.
"""
    path = tmp_path / "minutes.md"
    path.write_text(source, encoding="utf-8")
    assert read_document(path).text.split("\n") == [
        "Budget review",
        "",
        "The committee met on Tuesday; see the report and run_job --fast.",
        "",  # the image line
        "",  # the comment line
        "- first point",
        "* second point",
        "1. numbered point",
        "",
        "Quoted text here.",
        "",
        "Item\tCost",
        "Desk\t120",
        "",
        "x = a * b * c  # *kept* verbatim",
        "snake_case_name stays, 2 * 3 = 6 stays, *escaped* stars stay.",
        "Line break and inline html.",
        "",
    ]


def read_nasty(path, text: str) -> str:
    """Read markup that never closes. What is asserted is the text: markup that opens nothing stays
    text. No clock: a reader gone quadratic on these shows as a slow suite, not a flaky assertion."""
    path.write_text(text, encoding="utf-8")
    return read_document(path).text


def test_markdown_pathological_lines(tmp_path):
    patterns = ("*a ", "_a ", "[a](", "[[", "`x", "<a ", "<!--", "~~a ")
    text = read_nasty(tmp_path / "nasty.markdown", "".join(pattern * 20_000 for pattern in patterns))
    assert text.startswith("*a *a ") and text.endswith(" ~~a ~~a ")
    for pattern in ("*a ", "_a ", "[a](", "[[", "<a ", "<!--", "~~a "):
        assert text.count(pattern.strip()) >= 20_000


# --- html -------------------------------------------------------------------------------------------------


def test_html_visible_text_with_block_structure(tmp_path):
    page = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Not shown</title>
<style>p { color: red }</style><script>var x = "<p>not shown</p>";</script></head>
<body><h1>Quarterly   report</h1>
<p>Revenue rose <b>12&nbsp;%</b> &amp; costs fell.</p><div>Second<br>line</div>
<template><p>never rendered</p></template>
<ul><li>alpha</li><li>beta</li></ul>
<table><tr><th>Name</th><th>Role</th></tr><tr><td>Ana</td><td>Chair</td></tr></table>
<p>5 < 6 and <a href="/x?a=1>2" title='t'>a link</a>.<!-- hidden --></p>
</body></html>"""
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    document = read_document(path)
    assert document.format == "html"
    assert document.text == (
        "Quarterly report\n\n"
        "Revenue rose 12 % & costs fell.\n\n"
        "Second\nline\n\n"
        "alpha\nbeta\n\n"
        "Name\tRole\nAna\tChair\n\n"
        "5 < 6 and a link."
    )


def test_html_meta_charset_is_honoured(tmp_path):
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head>'
    page += "<body><p>Привет, как дела?</p></body></html>"
    path = tmp_path / "ru.htm"
    path.write_bytes(page.encode("cp1251"))
    assert read_document(path).text == "Привет, как дела?"


def test_html_without_closing_head_still_shows_body(tmp_path):
    path = tmp_path / "sloppy.html"
    path.write_bytes(b"<html><head><title>T</title><p>Body text survives.")
    assert read_document(path).text == "Body text survives."


def test_html_pathological_markup(tmp_path):
    # Each of these makes CPython 3.11's html.parser quadratic (or raise) on raw input.
    nasty = "".join(p * 20_000 for p in ('<a b="x" c', "<a\n", "<!--", "<![", "<a b='>", "&#"))
    text = read_nasty(tmp_path / "nasty.html", nasty)
    assert text.startswith('<a b="x" c<a b="x" c') and text.endswith("&#&#&#")


# --- pdf --------------------------------------------------------------------------------------------------


def test_pdf_round_trip_and_page_numbers(tmp_path):
    pages = ["Opening statement.\nSecond line of page one.", "", "The witness arrived on page three."]
    document = read_document(make_pdf(tmp_path / "hearing.pdf", pages))
    assert document.format == "pdf"
    # The two lines of page one are one paragraph: "Second" would not have fitted after "statement."
    assert document.text == "Opening statement. Second line of page one.\n\n\n\nThe witness arrived on page three."
    assert [page.number for page in document.pages] == [1, 2, 3]
    expected_pages = ["Opening statement. Second line of page one.", "", "The witness arrived on page three."]
    for page, expected in zip(document.pages, expected_pages, strict=True):
        assert document.text[page.start : page.end] == expected
    hit = document.text.index("witness")
    assert document.page_at(hit) == 3
    assert document.page_at(0) == 1
    assert document.page_at(len(document.text)) == 3
    assert document.page_at(-1) is None and document.page_at(len(document.text) + 1) is None


def test_pdf_text_on_page_two_maps_to_page_two(tmp_path):
    document = read_document(make_pdf(tmp_path / "two.pdf", ["Alpha page.", "Bravo page.\nStill bravo."]))
    assert document.page_at(document.text.index("Bravo")) == 2
    assert document.page_at(document.text.index("Still")) == 2
    assert document.page_at(document.text.index("Alpha")) == 1
    separator = document.pages[0].end  # the blank line between pages counts as the earlier page
    assert document.page_at(separator) == 1


# Lines about as full as a typeset page's (Helvetica 12 pt, 468 pt of text width).
_FULL = "The committee met on Tuesday to discuss the budget and the delegation was led by"


def _pdf_text(tmp_path: Path, *pages: str) -> str:
    return read_document(make_pdf(tmp_path / "reflow.pdf", list(pages))).text


def test_pdf_name_and_sentence_broken_across_lines_read_as_one_line(tmp_path):
    text = _pdf_text(tmp_path, f"{_FULL} Angela\nMerkel, who spoke for an hour about the state of the roads in\nthe north.")
    assert text == (f"{_FULL} Angela Merkel, who spoke for an hour about the state of the roads in the north.")


def test_pdf_url_and_email_broken_across_lines_are_joined_and_found_as_one_entity(tmp_path):
    from sqzdesk.engine.patterns import find_patterns

    text = _pdf_text(tmp_path, f"{_FULL} the source (https://github.c\nom/mozilla/pdf.j\ns) and write to "
                                "angela.merkel@exam\nple.de for more.")
    assert "(https://github.com/mozilla/pdf.js) and write to angela.merkel@example.de for more." in text
    found = {(e.label, e.text) for e in find_patterns(text)}
    assert ("URL", "https://github.com/mozilla/pdf.js") in found
    assert ("EMAIL", "angela.merkel@example.de") in found
    assert not any(e.text in ("s", "https://github.c") for e in find_patterns(text))


def test_pdf_address_that_ends_before_the_line_break_keeps_its_space(tmp_path):
    text = _pdf_text(tmp_path, "The committee met on Tuesday to discuss the budget, see (https://example.org),\n"
                               "and the delegation was led by the chair who spoke at length about the plan.")
    assert "(https://example.org), and the delegation" in text


def test_pdf_hyphenation_across_lines(tmp_path):
    text = _pdf_text(
        tmp_path,
        "The committee met on Tuesday to discuss the budget with the inter-\n"
        "national delegation, the self-\n"
        "appointed chair and the Franco-\n"
        "German group on long-\n"
        "term plans; long-term plans were agreed by the co-\n"
        "operation board.",
    )
    # PDFium itself marks the first hyphen as a line-end hyphen; the rules decide the rest.
    assert "with the international delegation" in text
    assert "the self-appointed chair" in text  # a prefix written with a hyphen
    assert "the Franco-German group" in text  # the second part is capitalised
    assert "on long-term plans" in text  # the hyphenated form appears elsewhere
    assert "co-operation board" in text


def test_pdf_hyphen_dropped_when_the_joined_word_is_used_elsewhere(tmp_path):
    text = _pdf_text(tmp_path, "The committee met on Tuesday to discuss the budget and the good co-\n"
                               "operation between them, and cooperation was the word of the day for all.")
    assert "the good cooperation between them" in text


def test_pdf_paragraph_breaks_are_kept(tmp_path):
    text = _pdf_text(
        tmp_path,
        f"{_FULL}\nthe chair.\nA new paragraph after a short line, which is long enough to fill the\n"
        "line.\n\nAfter a blank line the text goes on with a sentence that is long and\n"
        "    indented paragraph starts here.",
    )
    assert text.split("\n") == [
        f"{_FULL} the chair.",  # "A" would have fitted after "the chair.": the line ended a paragraph
        "A new paragraph after a short line, which is long enough to fill the line.",
        "After a blank line the text goes on with a sentence that is long and",
        "indented paragraph starts here.",
    ]


def test_pdf_reflowed_offsets_select_the_right_text_on_the_right_page(tmp_path):
    document = read_document(make_pdf(tmp_path / "pages.pdf", [
        f"{_FULL} Angela\nMerkel on page one.", f"{_FULL} Emmanuel\nMacron on page two and the inter-\nnational press."
    ]))
    for name, page in (("Angela Merkel", 1), ("Emmanuel Macron", 2), ("international", 2)):
        start = document.text.index(name)
        assert document.text[start : start + len(name)] == name
        assert document.page_at(start) == page and document.page_at(start + len(name)) == page
    for page in document.pages:
        assert "\n" not in document.text[page.start : page.end]
    assert document.text[document.pages[0].end : document.pages[1].start] == "\n\n"


def test_pdf_two_columns_read_left_column_first(tmp_path):
    left = ["The left column starts", "here and it runs on", "down the page until", "it ends right here."]
    right = ["The right column comes", "second and it runs on", "down the page until", "the page is over."]
    placed = []
    for row, (a, b) in enumerate(zip(left, right, strict=True)):  # written row by row, interleaved
        y = PAGE_HEIGHT - MARGIN - LINE_HEIGHT * row
        placed += [(MARGIN, y, a), (330.0, y, b)]
    text = read_document(make_placed_pdf(tmp_path / "columns.pdf", [placed])).text
    assert text == " ".join(left) + "\n" + " ".join(right)


def test_encrypted_pdf_needs_password(tmp_path):
    path = make_encrypted_pdf(tmp_path / "locked.pdf", ["Top secret."], user_password="hunter2")
    assert error_of(path) == "password required"
    with pytest.raises(PasswordRequired):
        read_document(path)
    with pytest.raises(WrongPassword, match="^wrong password$"):
        read_document(path, password="hunter3")
    with pytest.raises(PasswordRequired):
        read_bytes(path.read_bytes(), "pdf")


def test_encrypted_pdf_opens_with_its_password(tmp_path):
    path = make_encrypted_pdf(tmp_path / "locked.pdf", ["Top secret.", "Page two."], user_password="hunter2")
    document = read_document(path, password="hunter2")
    assert document.text == "Top secret.\n\nPage two."
    assert document.page_at(document.text.index("two")) == 2
    assert read_bytes(path.read_bytes(), ".pdf", password="hunter2").text == document.text
    # The owner password opens it too; a password given for a file that needs none is ignored.
    assert read_document(path, password="owner").text == document.text
    plain = make_pdf(tmp_path / "plain.pdf", ["Open to all."])
    assert read_document(plain, password="anything").text == "Open to all."


def test_encrypted_pdf_with_a_non_ascii_password(tmp_path):
    """Revision-2 files take the password in the writer's code page: tried as UTF-8, then Latin-1."""
    path = make_encrypted_pdf(tmp_path / "locked.pdf", ["Geheim."], user_password="Grüße")
    assert read_document(path, password="Grüße").text == "Geheim."
    with pytest.raises(WrongPassword):
        read_document(path, password="Grusse")


def test_password_ignored_by_formats_without_one(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Plain text here.", encoding="utf-8")
    assert read_document(path, password="x").text == "Plain text here."


def test_encrypted_pdf_fixture_is_genuine(tmp_path):
    """The hand-written encryption is real: PDFium decrypts it with the right password."""
    import pypdfium2 as pdfium

    path = make_encrypted_pdf(tmp_path / "locked.pdf", ["Top secret."], user_password="hunter2")
    pdf = pdfium.PdfDocument(path, password="hunter2")
    try:
        textpage = pdf[0].get_textpage()
        assert textpage.get_text_range().strip() == "Top secret."
    finally:
        pdf.close()


def test_pdf_with_only_an_owner_password_opens(tmp_path):
    path = make_encrypted_pdf(
        tmp_path / "restricted.pdf", ["Printing is restricted.", "Page two."], user_password=""
    )
    document = read_document(path)
    assert document.text == "Printing is restricted.\n\nPage two."
    assert document.page_at(document.text.index("two")) == 2


def test_scanned_pdf_has_no_text_layer(tmp_path, monkeypatch):
    """Without the ``ocr`` extra (made to look absent here; test_ocr reads scans with it)."""
    from sqzdesk.documents import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    hint = 'install OCR with pip install "sqzdesk[ocr]"'
    assert error_of(make_scanned_pdf(tmp_path / "scan.pdf", 3)) == f"no text layer on 3 pages (scanned?): {hint}"
    assert error_of(make_scanned_pdf(tmp_path / "one.pdf", 1)) == f"no text layer on 1 page (scanned?): {hint}"


def test_truncated_pdf(tmp_path):
    data = make_pdf(tmp_path / "full.pdf", ["First page.", "Second page."]).read_bytes()
    path = tmp_path / "half.pdf"
    path.write_bytes(data[: len(data) // 2])
    assert error_of(path).startswith("damaged PDF: ")


def test_not_a_pdf(tmp_path):
    path = tmp_path / "fake.pdf"
    path.write_bytes(b"This is a text file with the wrong name.")
    assert error_of(path) == "not a PDF file (no %PDF header)"


# --- docx -------------------------------------------------------------------------------------------------


def write_docx(path: Path) -> Path:
    word = docx.Document()
    word.add_heading("Minutes", level=1)
    word.add_paragraph("The chair opened the meeting.")
    table = word.add_table(rows=3, cols=3)
    for row, values in zip(table.rows, [("Name", "Role", "Vote"), ("Ana", "Chair", "Yes")], strict=False):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "Absent (both)"
    table.cell(2, 2).text = "—"
    word.add_paragraph("Second paragraph, after the table.")
    word.save(path)
    return path


def test_docx_round_trip_with_table(tmp_path):
    document = read_document(write_docx(tmp_path / "minutes.docx"))
    assert document.format == "docx"
    assert document.text == (
        "Minutes\n"
        "The chair opened the meeting.\n"
        "Name\tRole\tVote\n"
        "Ana\tChair\tYes\n"
        "Absent (both)\t—\n"
        "Second paragraph, after the table."
    )


def test_docx_text_beyond_plain_runs(tmp_path):
    """Hyperlinks, tracked insertions and content controls hold text; deletions do not."""
    word = docx.Document()
    first = word.add_paragraph("First.")
    control = (
        f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>In a content control</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    revised = (
        f'<w:p {nsdecls("w")}><w:r><w:t xml:space="preserve">Kept </w:t></w:r>'
        "<w:hyperlink><w:r><w:t>link</w:t></w:r></w:hyperlink>"
        '<w:ins w:id="1" w:author="a"><w:r><w:t xml:space="preserve"> inserted</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="a"><w:r><w:delText> deleted</w:delText></w:r></w:del></w:p>'
    )
    first._p.addnext(parse_xml(control))
    first._p.addnext(parse_xml(revised))
    path = tmp_path / "revised.docx"
    word.save(path)
    assert read_document(path).text == "First.\nKept link inserted\nIn a content control"


def test_docx_that_is_not_a_zip(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_text("Plain text saved with the wrong extension.", encoding="utf-8")
    assert error_of(path) == "not a DOCX file (not a zip archive)"


def test_docx_in_an_ole_container(tmp_path):
    """Password-protected .docx files (and old .doc files) are OLE compound files, not zips."""
    path = tmp_path / "protected.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert error_of(path) == "not a DOCX file (password-protected, or an old-style .doc)"


def add_member(source: Path, target: Path, name: str, size: int, skip: str = "") -> Path:
    """Copy a real .docx (leaving out member ``skip``) and add one member of ``size`` zero bytes,
    written in chunks: fast, and small on disk."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            if info.filename != skip:
                out.writestr(info, original.read(info))
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with out.open(info, "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for start in range(0, size, len(chunk)):
                member.write(chunk[: min(len(chunk), size - start)])
    return target


def test_docx_zip_bomb_by_total_size(tmp_path):
    source = write_docx(tmp_path / "real.docx")
    bomb = add_member(source, tmp_path / "bomb.docx", "word/media/zeros.bin", 201 * 1024 * 1024)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    assert error_of(bomb).startswith("DOCX looks like a zip bomb (would expand to 20")


def test_docx_zip_bomb_by_ratio(tmp_path):
    source = write_docx(tmp_path / "real.docx")
    bomb = add_member(source, tmp_path / "ratio.docx", "word/media/zeros.bin", 8 * 1024 * 1024)
    assert error_of(bomb).startswith("DOCX looks like a zip bomb (a part expands ")


def test_docx_member_lying_about_its_size_cannot_exhaust_memory(tmp_path):
    """A part whose headers claim 1 KB but which inflates to 150 MB passes every header check;
    python-docx alone would allocate over 300 MB for this 190 KB file."""
    source = write_docx(tmp_path / "real.docx")
    name = "docProps/thumbnail.jpeg"  # a part python-docx loads (the package relationships name it)
    data = bytearray(
        add_member(source, tmp_path / "lying.docx", name, 150 * 1024 * 1024, skip=name).read_bytes()
    )
    claimed = 1000
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(name)
    patch = (zlib.crc32(bytes(claimed)), info.compress_size, claimed)  # CRC, sizes of the first 1000 bytes
    struct.pack_into("<III", data, info.header_offset + 14, *patch)  # local file header
    entry = data.find(b"PK\x01\x02")
    while entry >= 0:  # central directory
        (name_length,) = struct.unpack_from("<H", data, entry + 28)
        if data[entry + 46 : entry + 46 + name_length] == name.encode():
            struct.pack_into("<III", data, entry + 16, *patch)
        entry = data.find(b"PK\x01\x02", entry + 4)
    path = tmp_path / "lying.docx"
    path.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        document = read_document(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert document.text.startswith("Minutes\n")
    assert peak < 50 * 1024 * 1024


def test_docx_total_limit_is_adjustable(tmp_path, monkeypatch):
    monkeypatch.setattr(zipguard, "MAX_UNCOMPRESSED_BYTES", 1024)
    assert error_of(write_docx(tmp_path / "small.docx")).startswith(
        "DOCX looks like a zip bomb (would expand to "
    )


def test_docx_without_main_document(tmp_path):
    source = write_docx(tmp_path / "real.docx")
    path = tmp_path / "hollow.docx"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as out:
        for info in original.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, original.read(info))
    assert error_of(path) == "not a Word document: word/document.xml is missing"


def test_plain_zip_with_docx_name(tmp_path):
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as out:
        out.writestr("readme.txt", "just a zip")
    assert error_of(path) == "not a DOCX file (a zip archive, but not an Office document)"


def test_corrupt_docx_member(tmp_path):
    data = bytearray(write_docx(tmp_path / "real.docx").read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start, start + min(info.compress_size, 64)):
        data[offset] ^= 0xFF
    path = tmp_path / "corrupt.docx"
    path.write_bytes(bytes(data))
    assert error_of(path).startswith("damaged DOCX: ")


# --- files and limits -------------------------------------------------------------------------------------


def test_over_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 3000)
    assert error_of(path, max_bytes=1024) == "file is 2.9 KB, over the 1 KB limit"
    assert read_document(path, max_bytes=3000).text == "x" * 3000
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


def test_size_message_in_megabytes(tmp_path):
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:  # sparse: the size check happens before reading
        handle.truncate(int(61.2 * 1024 * 1024))
    assert error_of(path) == "file is 61.2 MB, over the 50 MB limit"


def test_directory(tmp_path):
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    assert error_of(folder) == "this is a folder, not a file"
    assert error_of(tmp_path) == "this is a folder, not a file"


def test_missing_file(tmp_path):
    assert error_of(tmp_path / "gone.pdf") == "file not found (moved or deleted?)"


def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("classified", encoding="utf-8")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("this user can read a chmod 000 file (running as root?)")
        assert error_of(path) == "permission denied: cannot read this file"
    finally:
        path.chmod(0o600)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can switch users")
def test_unreadable_file_for_an_unprivileged_user():
    """Root reads anything, so as root check the refusal from a child that dropped to nobody."""
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)
        path = Path(folder) / "secret.txt"
        path.write_text("classified", encoding="utf-8")
        path.chmod(0)
        child = textwrap.dedent(
            """
            import os, sys
            from sqzdesk.documents import DocumentError, read_document
            os.setgid(65534)
            os.setuid(65534)
            try:
                read_document(sys.argv[1])
            except DocumentError as err:
                print(err)
            """
        )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        result = subprocess.run(
            [sys.executable, "-c", child, str(path)], capture_output=True, text=True, env=env, timeout=60
        )
    assert result.stdout.strip() == "permission denied: cannot read this file", result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_named_pipe_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert error_of(fifo) == "not a regular file (a device, pipe or socket)"


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "sheet.XYZ"
    path.write_text("a,b", encoding="utf-8")
    assert error_of(path) == "unsupported file type .XYZ"
    bare = tmp_path / "README"
    bare.write_text("hello", encoding="utf-8")
    assert error_of(bare) == "unsupported file type (no extension)"


def test_suffix_is_case_insensitive(tmp_path):
    path = tmp_path / "SHOUT.TXT"
    path.write_text("quiet please", encoding="utf-8")
    assert read_document(path).format == "txt"


def test_read_bytes_from_memory():
    document = read_bytes(b"# Hi *there*", "MD")
    assert (document.text, document.format, document.path) == ("Hi there", "md", Path("<memory>.md"))
    assert read_bytes(b"plain", ".txt", path=Path("x.txt")).path == Path("x.txt")
    with pytest.raises(DocumentError, match="unsupported file type .doc"):
        read_bytes(b"data", ".doc")


def test_page_at_without_pages():
    document = Document(path=Path("x.txt"), text="abc", format="txt")
    assert document.page_at(1) is None
    paged = Document(Path("x.pdf"), "ab\n\ncd", "pdf", (Page(1, 0, 2), Page(2, 4, 6)))
    assert [paged.page_at(i) for i in range(7)] == [1, 1, 1, 1, 2, 2, 2]


def test_document_error_is_one_line():
    assert str(DocumentError("damaged PDF:\n  bad\txref ")) == "damaged PDF: bad xref"


def test_public_api():
    import sqzdesk.documents as documents

    assert {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"} == SUPPORTED_SUFFIXES
    assert set(documents.__all__) == {
        "DEFAULT_MAX_BYTES", "SUPPORTED_SUFFIXES", "Document", "DocumentError", "Page", "read_bytes", "read_document",
        "PasswordRequired", "WrongPassword", "TextQuality", "Part", "PartKind",
    }  # fmt: skip
    assert issubclass(documents.PasswordRequired, DocumentError) and issubclass(documents.WrongPassword, DocumentError)


def test_reflow_without_character_boxes_uses_the_text_alone():
    """Where PDFium's indices do not line up with its text (no boxes), sentence ends and capitals decide."""
    from sqzdesk.documents.reflow import Line, Vocabulary, reflow_page

    lines = [Line("The witness said that Angela"), Line("Merkel was there at noon on the day."),
             Line("Short."), Line("Next paragraph, write to a@exam"), Line("ple.org today.")]
    assert reflow_page(lines, Vocabulary.of(line.text for line in lines)) == (
        "The witness said that Angela Merkel was there at noon on the day. Short.\n"
        "Next paragraph, write to a@example.org today."
    )


# --- text quality -------------------------------------------------------------------------------------------


def test_clean_pdf_text_is_ok(tmp_path):
    document = read_document(make_pdf(tmp_path / "clean.pdf", [
        f"{_FULL} Angela\nMerkel, who spoke for an hour about the state of the roads.", "A second page of text."
    ]))
    assert document.quality is TextQuality.OK and document.quality_reason == ""


def test_pdf_whose_text_is_vowelless_garbage_is_low_quality(tmp_path):
    """What a font without a Unicode map gives: glyph numbers read as letters."""
    garbage = "Xkqzt vbnrtp Qwrtzp lkjhgf Zxcvbn mnbvcx Plkjhg Trwqxz ghjkl Vbnmk\nSdfghj Wrtzpq Klmnbv"
    document = read_document(make_pdf(tmp_path / "garbage.pdf", [garbage, garbage]))
    assert document.quality is TextQuality.LOW
    assert document.quality_reason == "100% of the longer words have no vowels"


def test_pdf_whose_text_is_symbol_soup_is_low_quality(tmp_path):
    soup = "!#$%&*+<=>?@[]^_{|}~ ()*+,-./:;<=> ?@[\\]^_ {|}~!# $%&'()*+ ,-./:;"
    document = read_document(make_pdf(tmp_path / "soup.pdf", [soup]))
    assert document.quality is TextQuality.LOW
    assert document.quality_reason.endswith("of the characters are symbols")


def test_undecodable_glyphs_are_low_quality():
    from sqzdesk.documents.quality import text_quality

    quality, reason = text_quality("Report \ue001\ue002\ue003 \ufffd\ufffd\ufffd \x01\x02 " * 10)
    assert quality is TextQuality.LOW and "undecodable glyphs" in reason
    assert text_quality("Short \ue001") == (TextQuality.OK, "")  # too little to judge
    assert text_quality("Строго секретно: доклад комиссии о бюджете на следующий год. " * 3) == (TextQuality.OK, "")
    assert text_quality("The rhythm of the crypt: strengths, twelfths and lengths. " * 3) == (TextQuality.OK, "")


def test_pdf_table_rows_stay_rows(tmp_path):
    """Cells far apart on one baseline are a table row, not two columns: each row stays one line."""
    rows = [("2015-07-01", "EUR", "USD", "1.8070"), ("2015-07-02", "EUR", "USD", "1.8140"),
            ("2015-07-03", "EUR", "USD", "1.8210"), ("2015-07-04", "EUR", "USD", "1.8280")]
    placed = [(MARGIN, PAGE_HEIGHT - MARGIN, "The exchange rates for the first days of July were as follows.")]
    for number, row in enumerate(rows, start=1):
        y = PAGE_HEIGHT - MARGIN - LINE_HEIGHT * number
        placed += [(MARGIN + 120.0 * column, y, cell) for column, cell in enumerate(row)]
    # Page 2: the rows alone (nothing crosses the gaps, but the cells are too narrow to be columns).
    text = read_document(make_placed_pdf(tmp_path / "table.pdf", [placed, placed[1:]])).text
    first, second = text.split("\n\n")
    assert first.split("\n") == ["The exchange rates for the first days of July were as follows.",
                                  *(" ".join(row) for row in rows)]
    assert second.split("\n") == [" ".join(row) for row in rows]
