"""Builders for DOCX packages in tests: WordprocessingML snippets (paragraphs, runs, cells, tables) and
whole packages made from them, for tests/test_docx_reader.py and tests/test_docx_parity.py."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from sqzdesk.documents import DocumentError, read_bytes

W = nsdecls("w")
MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
WPS = 'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
V = 'xmlns:v="urn:schemas-microsoft-com:vml"'
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def package(*blocks: str) -> bytes:
    """A python-docx document whose body holds ``blocks`` (raw XML, each declaring its namespaces)."""
    word = docx.Document()
    sect_pr = word.element.body.sectPr
    for block in blocks:
        sect_pr.addprevious(parse_xml(block))
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def repack(data: bytes, changes: dict[str, bytes | str | None]) -> bytes:
    """``data`` with the members named in ``changes`` replaced, added, or removed (value None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            if info.filename not in changes:
                copy.writestr(info.filename, original.read(info))
        for name, value in changes.items():
            if value is not None:
                copy.writestr(name, value)
    return out.getvalue()


def member(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode("utf-8")


def text_of(data: bytes) -> str:
    return read_bytes(data, ".docx").text


def error_of(data: bytes) -> str:
    with pytest.raises(DocumentError) as info:
        read_bytes(data, ".docx")
    return str(info.value)


def p(*runs: str, attrs: str = "") -> str:
    return f"<w:p {W}{attrs}>{''.join(runs)}</w:p>"


def r(inner: str) -> str:
    return f"<w:r>{inner}</w:r>"


def t(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def tc(*content: str, span: int | str | None = None, vmerge: str | None = None, props: str = "") -> str:
    pr = props
    if span is not None:
        pr += f'<w:gridSpan w:val="{span}"/>'
    if vmerge is not None:
        pr += "<w:vMerge/>" if vmerge == "" else f'<w:vMerge w:val="{vmerge}"/>'
    inner = "".join(content) or "<w:p/>"
    return f"<w:tc>{f'<w:tcPr>{pr}</w:tcPr>' if pr else ''}{inner}</w:tc>"


def tr(*cells: str, props: str = "") -> str:
    return f"<w:tr>{f'<w:trPr>{props}</w:trPr>' if props else ''}{''.join(cells)}</w:tr>"


def tbl(*rows: str, cols: int = 3) -> str:
    grid = "".join('<w:gridCol w:w="1000"/>' for _ in range(cols))
    return f"<w:tbl {W}><w:tblPr/><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def cell_p(text: str) -> str:
    return f"<w:p>{t(text)}</w:p>"
