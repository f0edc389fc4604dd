"""Builders for DOCX packages in tests: WordprocessingML snippets (paragraphs, runs, cells, tables, text
boxes, note references) and whole packages made from them, with headers, footers, footnotes, endnotes
and comments, for tests/test_docx_*.py."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part as OpcPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from sqzdesk.documents import DocumentError, read_bytes

W = nsdecls("w")
MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
WPS = 'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
V = 'xmlns:v="urn:schemas-microsoft-com:vml"'
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
NOTES_TYPES = {kind: f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}s+xml"
               for kind in ("footnote", "endnote")}


def package(*blocks: str) -> bytes:
    """A python-docx document whose body holds ``blocks`` (raw XML, each declaring its namespaces)."""
    return saved(word_with(*blocks))


def word_with(*blocks: str) -> DocxDocument:
    """The python-docx document of :func:`package`, to add headers, notes and comments to."""
    word = docx.Document()
    sect_pr = word.element.body.sectPr
    for block in blocks:
        sect_pr.addprevious(parse_xml(block))
    return word


def saved(word: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def add_notes(word: DocxDocument, kind: str, *notes: str, ids: Sequence[int] | None = None) -> None:
    """Give ``word`` a footnotes (``kind="footnote"``) or endnotes part holding Word's two separator notes
    and one note per entry of ``notes`` (plain text, or raw block XML starting with "<"), with ids 1, 2...
    or ``ids``. python-docx has no API for notes, so the part is added as a plain package part."""
    paragraphs = []
    for k, note in enumerate(notes):
        note_id = ids[k] if ids is not None else k + 1
        inner = note if note.startswith("<") else (
            f'<w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Ref/></w:r>{t(" " + note)}</w:p>')
        paragraphs.append(f'<w:{kind} w:id="{note_id}">{inner}</w:{kind}>')
    separators = (f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
                  f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
                  f'</w:r></w:p></w:{kind}>')
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:{kind}s {W}>{separators}{"".join(paragraphs)}</w:{kind}s>'
    add_part(word, f"/word/{kind}s.xml", NOTES_TYPES[kind], xml.encode("utf-8"))


def add_part(word: DocxDocument, name: str, content_type: str, blob: bytes) -> None:
    """A part related to the main document part (its relationship type from ``content_type``)."""
    reltype = {NOTES_TYPES["footnote"]: RELATIONSHIP_TYPE.FOOTNOTES,
               NOTES_TYPES["endnote"]: RELATIONSHIP_TYPE.ENDNOTES}[content_type]
    word.part.relate_to(OpcPart(PackURI(name), content_type, blob, word.part.package), reltype)


def note_ref(kind: str, note_id: int) -> str:
    """The run marking where a footnote or endnote is referenced."""
    return f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Reference w:id="{note_id}"/></w:r>'


def textbox(*paragraphs: str, fallback: bool = True) -> str:
    """A run holding a DrawingML text box with ``paragraphs`` (``<w:p>`` XML, no namespace declaration),
    and, as Word writes it, the VML copy of the same box as the fallback."""
    content = f"<w:txbxContent>{''.join(paragraphs)}</w:txbxContent>"
    choice = f"<w:drawing><wps:txbx {WPS}>{content}</wps:txbx></w:drawing>"
    if not fallback:
        return f"<w:r>{choice}</w:r>"
    return (f"<w:r><mc:AlternateContent {MC}><mc:Choice Requires='wps'>{choice}</mc:Choice>"
            f"<mc:Fallback>{vml_textbox(*paragraphs)}</mc:Fallback></mc:AlternateContent></w:r>")


def vml_textbox(*paragraphs: str) -> str:
    """An old-style (VML) text box, the only kind Word 2003 documents have; run content."""
    return f"<w:pict><v:shape {V}><v:textbox><w:txbxContent>{''.join(paragraphs)}</w:txbxContent></v:textbox></v:shape></w:pict>"


def parts_of(data: bytes) -> list[tuple[str, str, str]]:
    """``(kind, label, text)`` of each part the reader lists."""
    document = read_bytes(data, ".docx")
    return [(str(p.kind), p.label, document.text[p.start:p.end]) for p in document.parts]


def xml_members(data: bytes) -> dict[str, str]:
    """Every XML member of a package by name, as text (to grep a redacted copy for what must be gone)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                if name.endswith((".xml", ".rels"))}


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
