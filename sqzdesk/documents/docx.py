"""DOCX reader (python-docx): body paragraphs and table rows in document order, one per line.

A .docx is a zip archive, so before python-docx touches it the file is checked cheaply: that it is a
zip at all, that it cannot expand into a zip bomb (see :mod:`.zipguard`, which also hands python-docx
a copy that is safe to inflate), that it is an Office package with a main document part, and that no
XML part in it declares a DOCTYPE (Office never writes one).

python-docx parses with lxml (libxml2) and its own parser settings: entities are not expanded
(``resolve_entities=False``), nothing is fetched over the network and no DTD is loaded (lxml's
defaults), and libxml2 refuses entity amplification on its own. The DOCTYPE check comes on top, for a
clear message: no ``.xml`` or ``.rels`` member that declares one, let alone a billion laughs, reaches
python-docx. Members under other names are not asked: an embedded HTML page (``altChunk``) may well
start with ``<!DOCTYPE html>``, and a part python-docx parses under an odd name still gets the
library's safe settings.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import docx
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table, _Cell
from docx.types import ProvidesStoryPart
from lxml import etree

from .model import Document, DocumentError
from .zipguard import unpack_safely

# Word's own encryption wraps the zip in an OLE compound file, the container of old .doc files too.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAIN_PARTS = ("word/document.xml", "word/document2.xml")  # Word Online sometimes writes the latter
_OTHER_OFFICE_TYPES = {
    "spreadsheetml": "an Excel workbook",
    "presentationml": "a PowerPoint presentation",
    "macroEnabled": "a macro-enabled Word document (.docm)",
}
_DOCTYPE = "damaged DOCX: its XML is invalid (it declares a DOCTYPE, which Office files never have)"
# Runs inside these are not body text: deleted revisions; text boxes anchored in a paragraph (their
# runs would otherwise be glued into the middle of the anchoring paragraph); and the fallback copy of
# markup-compatibility blocks, which repeats the content of the preferred choice.
_RUNS = (
    ".//w:r[not(ancestor::w:del or ancestor::w:moveFrom or ancestor::w:txbxContent"
    " or ancestor::*[local-name()='Fallback'])]"
)
_XML_NAMES = (".xml", ".rels")  # the members asked for a DOCTYPE
_PROLOG_CHUNK = 16 * 1024


def read_docx(data: bytes, path: Path) -> Document:
    """Check the package, then extract the body text."""
    package = checked_package(data)
    try:
        word_document = docx.Document(io.BytesIO(package))
        text = "\n".join(_block_lines(word_document.element.body, word_document))
    except KeyError as exc:
        raise DocumentError("damaged DOCX: a part it refers to is missing") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DocumentError("damaged DOCX: the zip data is corrupt") from exc
    except etree.XMLSyntaxError as exc:
        raise DocumentError("damaged DOCX: its XML is invalid") from exc
    except ValueError as exc:
        raise DocumentError(_value_error_reason(exc)) from exc
    except Exception as exc:
        # python-docx assumes well-formed documents; malformed ones surface as AttributeError,
        # TypeError, IndexError... from deep inside it. They all mean the same thing to the user.
        raise DocumentError(f"damaged DOCX: its structure could not be read ({type(exc).__name__})") from exc
    return Document(path=path, text=text, format="docx")


def checked_package(data: bytes) -> bytes:
    """Refuse non-zips, zip bombs, zips that are not Word packages and parts with a DOCTYPE; return a
    safe, uncompressed copy of the package for python-docx."""
    if data.startswith(_OLE_MAGIC):
        raise DocumentError("not a DOCX file (password-protected, or an old-style .doc)")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentError("not a DOCX file (not a zip archive)")
    package, names = unpack_safely(data, "DOCX")
    if "[Content_Types].xml" not in names:
        raise DocumentError("not a DOCX file (a zip archive, but not an Office document)")
    if not any(part in names for part in _MAIN_PARTS):
        raise DocumentError("not a Word document: word/document.xml is missing")
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        for member in archive.infolist():
            if not member.filename.lower().endswith(_XML_NAMES):
                continue
            with archive.open(member) as part:
                if _declares_doctype(part):
                    raise DocumentError(_DOCTYPE)
    return package


class _Doctype(Exception):
    pass


class _RootElement(Exception):
    pass


class _PrologTarget:
    """lxml parser target that stops at the DOCTYPE, or at the root element (where the prolog ends):
    only the prolog is parsed, and no entity declaration is even read."""

    def doctype(self, name, public_id, system_id):
        raise _Doctype

    def start(self, tag, attrib, nsmap=None):
        raise _RootElement

    def close(self):
        return None


def _declares_doctype(part: IO[bytes]) -> bool:
    """Whether the member is XML with a DOCTYPE. One that is not well-formed up to its root element is
    left to python-docx, which refuses it if it is a part it parses (and ignores it otherwise)."""
    parser = etree.XMLParser(target=_PrologTarget(), resolve_entities=False, no_network=True, load_dtd=False)
    try:
        while chunk := part.read(_PROLOG_CHUNK):
            parser.feed(chunk)
        parser.close()
    except _Doctype:
        return True
    except (_RootElement, etree.XMLSyntaxError):
        pass
    return False


def _value_error_reason(exc: ValueError) -> str:
    """python-docx raises ValueError("file '...' is not a Word file, content type is '...'")."""
    message = str(exc)
    if "not a Word file" in message:
        for marker, kind in _OTHER_OFFICE_TYPES.items():
            if marker in message:
                return f"not a Word document: this is {kind} with a .docx name"
        return "not a Word document (unexpected content type)"
    return "damaged DOCX: a value in it is invalid"


def iter_blocks(container: BaseOxmlElement, parent: ProvidesStoryPart) -> Iterator[BaseOxmlElement | Table]:
    """The paragraphs (``w:p`` elements) and tables of a body, cell or content control, in order. Block-level
    content controls (``w:sdt``, used by forms and templates) are unwrapped instead of being skipped. The
    one walk of the reader and of :mod:`sqzdesk.batch.docx_redact`, whose offsets must match the text."""
    for element in container.iterchildren():
        if element.tag == qn("w:p"):
            yield element
        elif element.tag == qn("w:tbl"):
            yield Table(element, parent)
        elif element.tag == qn("w:sdt"):
            content = element.find(qn("w:sdtContent"))
            if content is not None:
                yield from iter_blocks(content, parent)


def iter_row_cells(table: Table) -> Iterator[list[_Cell | None]]:
    """Each row's cells. A merged cell's text appears once: python-docx repeats a spanned cell in every
    grid column and row it covers; a repeat in the same row is left out, one in a later row is None."""
    seen: set = set()  # <w:tc> elements already given; holding them keeps lxml proxies stable
    for row in table.rows:
        cells: list[_Cell | None] = []
        previous = None
        for cell in row.cells:
            element = cell._tc  # the underlying <w:tc>: identity tells a repeated (merged) cell
            if element is previous:
                continue
            previous = element
            cells.append(None if element in seen else cell)
            seen.add(element)
        yield cells


def _block_lines(container: BaseOxmlElement, parent: ProvidesStoryPart) -> Iterator[str]:
    """Paragraphs and table rows of a body (or content control) in order."""
    for block in iter_blocks(container, parent):
        if isinstance(block, Table):
            yield from _table_lines(block)
        else:
            yield _paragraph_text(block)


def _paragraph_text(paragraph_element: BaseOxmlElement) -> str:
    """All runs of a paragraph, including those in hyperlinks, fields, inline content controls and
    tracked insertions, which ``Paragraph.text`` skips."""
    return "".join(run.text for run in paragraph_element.xpath(_RUNS))


def _table_lines(table: Table) -> Iterator[str]:
    """One line per row, cells separated by tabs; a merged cell's text once (:func:`iter_row_cells`)."""
    for cells in iter_row_cells(table):
        yield "\t".join("" if cell is None else _cell_text(cell) for cell in cells)


def _cell_text(cell: _Cell) -> str:
    """A cell flattened onto one line so the row keeps its tab structure; nested tables included."""
    return " ".join(" ".join(_block_lines(cell._tc, cell)).split())
