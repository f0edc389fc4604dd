"""DOCX reader, standard library only: body paragraphs and table rows in document order, one per line.

A .docx is a zip archive (an Office Open XML package), so before any XML is parsed the file is checked
cheaply: that it is a zip at all, that it cannot expand into a zip bomb (see :mod:`.zipguard`, which also
hands back a copy that is safe to inflate), and that it is an Office package with a main document part.

The package is then opened the way python-docx opened it (this module replaced a python-docx based reader
to keep lxml out of the app; tests/test_docx_reader.py holds the outputs recorded from it), so the same
files are read, and refused for the same reasons: the relationships are followed from ``_rels/.rels``;
every part they reach must exist and have a content type in ``[Content_Types].xml``; the Word parts
python-docx parsed (document, styles, numbering, settings, headers, footers, comments, core properties)
must be well-formed XML; and the content type of the main document part tells a Word document from a
workbook, a presentation or a .docm given a .docx name.

Parts are parsed by :mod:`.safexml` (expat, through xml.etree.ElementTree), which accepts and refuses XML
as libxml2 did for python-docx, except that a part declaring a DOCTYPE is now refused before it is parsed
(Office never writes one): no entity can be declared, let alone expanded.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

from . import safexml
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

_MISSING_PART = "damaged DOCX: a part it refers to is missing"
_INVALID_XML = "damaged DOCX: its XML is invalid"
_INVALID_VALUE = "damaged DOCX: a value in it is invalid"
_DOCTYPE = "damaged DOCX: its XML is invalid (it declares a DOCTYPE, which Office files never have)"

# --- the package (Open Packaging Conventions) --------------------------------------------------------------

_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_OFFICE_DOCUMENT = _RELATIONSHIP + "officeDocument"
_IMAGE = _RELATIONSHIP + "image"  # a part reached through one of these is never parsed
_WML = "application/vnd.openxmlformats-officedocument.wordprocessingml."
_WORD_MAIN = _WML + "document.main+xml"
_PARSED_TYPES = frozenset(
    {
        _WORD_MAIN,
        _WML + "styles+xml",
        _WML + "numbering+xml",
        _WML + "settings+xml",
        _WML + "header+xml",
        _WML + "footer+xml",
        _WML + "comments+xml",
        "application/vnd.openxmlformats-package.core-properties+xml",
    }
)

# --- WordprocessingML ----------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCUMENT, _BODY, _P, _R, _T, _BR = (_W + tag for tag in ("document", "body", "p", "r", "t", "br"))
_TBL, _TR, _TC, _TR_PR, _TC_PR = (_W + tag for tag in ("tbl", "tr", "tc", "trPr", "tcPr"))
_GRID_BEFORE, _GRID_SPAN, _V_MERGE = (_W + tag for tag in ("gridBefore", "gridSpan", "vMerge"))
_SDT, _SDT_CONTENT = _W + "sdt", _W + "sdtContent"
_VAL, _TYPE = _W + "val", _W + "type"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# What python-docx's Run.text gives for the other run content it reads (a w:br, unless it is a line
# break, gives nothing: page and column breaks are not text); w:delText, w:sym, w:instrText... give nothing.
_RUN_CHARACTERS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
# Runs inside these are not body text: deleted revisions; text boxes anchored in a paragraph (their
# runs would otherwise be glued into the middle of the anchoring paragraph); and the fallback copy of
# markup-compatibility blocks (mc:Fallback, in any namespace), which repeats the preferred choice.
_NOT_BODY_TEXT = frozenset({_W + "del", _W + "moveFrom", _W + "txbxContent"})
_XML_BLANK = " \t\r\n"


def read_docx(data: bytes, path: Path) -> Document:
    """Check the package, then extract the body text."""
    package = checked_package(data)
    try:
        document = _main_document(package)
        body = document.find(_BODY)
        if body is None:
            raise _unreadable("AttributeError")
        text = "\n".join(_BodyText(document).block_lines(body))
    except DocumentError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DocumentError("damaged DOCX: the zip data is corrupt") from exc
    except Exception as exc:
        # Anything else (MemoryError...) means the same to the user.
        raise _unreadable(type(exc).__name__) from exc
    return Document(path=path, text=text, format="docx")


def checked_package(data: bytes) -> bytes:
    """Refuse non-zips, zip bombs and zips that are not Word packages; return a safe, uncompressed
    copy of the package to read the parts from."""
    if data.startswith(_OLE_MAGIC):
        raise DocumentError("not a DOCX file (password-protected, or an old-style .doc)")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentError("not a DOCX file (not a zip archive)")
    package, names = unpack_safely(data, "DOCX")
    if "[Content_Types].xml" not in names:
        raise DocumentError("not a DOCX file (a zip archive, but not an Office document)")
    if not any(part in names for part in _MAIN_PARTS):
        raise DocumentError("not a Word document: word/document.xml is missing")
    return package


def _unreadable(what: str) -> DocumentError:
    """A structure the reader cannot make sense of. ``what`` names the exception python-docx raised for
    it (AttributeError, TypeError, InvalidXmlError), so the messages stayed as they were."""
    return DocumentError(f"damaged DOCX: its structure could not be read ({what})")


class _Relationship(NamedTuple):
    id: str | None
    type: str | None
    target: str | None
    external: bool


class _Part(NamedTuple):
    name: str  # a part name: "/word/document.xml"
    content_type: str | None
    reached_as: str | None  # the type of the first relationship that led to the part


def _main_document(package: bytes) -> ElementTree.Element:
    """The root element of the main document part, found and checked as python-docx did."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        content_types = _ContentTypes(_parse(_member(archive, "/[Content_Types].xml")))
        package_relationships = _relationships(archive, "/")
        parts = _reachable_parts(archive, package_relationships, content_types)
        by_id = {relationship.id: relationship for relationship in package_relationships}  # a later Id wins
        main = [relationship for relationship in by_id.values() if relationship.type == _OFFICE_DOCUMENT]
        main_name = _part_name("/", main[0].target) if len(main) == 1 and not main[0].external else None
        # python-docx parsed these parts on opening the package, before it looked for the main one;
        # damage in any of them refused the file
        elements: dict[str, ElementTree.Element] = {}
        for part in parts.values():
            if part.content_type in _PARSED_TYPES and part.reached_as != _IMAGE:
                root = _parse(_member(archive, part.name))
                if part.name == main_name:
                    elements[part.name] = root
    if not main:
        raise DocumentError(_MISSING_PART)
    if main_name is None:  # several, or an external one
        raise DocumentError(_INVALID_VALUE)
    part = parts[main_name]
    if part.content_type != _WORD_MAIN:
        for marker, kind in _OTHER_OFFICE_TYPES.items():
            if marker in str(part.content_type):
                raise DocumentError(f"not a Word document: this is {kind} with a .docx name")
        raise DocumentError("not a Word document (unexpected content type)")
    document = elements.get(part.name)
    if document is None or document.tag != _DOCUMENT:  # None: the part was taken for an image
        raise _unreadable("AttributeError")
    return document


def _reachable_parts(
    archive: zipfile.ZipFile, package_relationships: list[_Relationship], content_types: _ContentTypes
) -> dict[str, _Part]:
    """Every part the relationships lead to, depth first from the package's own, in python-docx's order
    (which decides which of several problems is reported)."""
    parts: dict[str, _Part] = {}
    pending = [(iter(package_relationships), "/")]  # relationships still to follow, with their base
    while pending:
        relationships, base = pending[-1]
        relationship = next(relationships, None)
        if relationship is None:
            pending.pop()
            continue
        if relationship.external:
            continue
        name = _part_name(base, relationship.target)
        if name in parts:
            continue
        own_relationships = _relationships(archive, name)
        _member_info(archive, name)
        parts[name] = _Part(name, content_types.of(name), relationship.type)
        pending.append((iter(own_relationships), posixpath.dirname(name)))
    return parts


def _part_name(base: str, target: str | None) -> str:
    """The part a relationship target names, relative to the folder of the part it comes from."""
    if target is None:
        raise _unreadable("TypeError")
    return posixpath.abspath(posixpath.join(base, target))


def _relationships(archive: zipfile.ZipFile, source: str) -> list[_Relationship]:
    """The relationships of part ``source`` ("/" for the package), from its .rels part if it has one."""
    folder, name = posixpath.split(source)
    try:
        xml = archive.read(posixpath.join(folder, "_rels", f"{name}.rels")[1:])
    except KeyError:
        return []
    root = _parse(xml)
    if root.tag != _PR + "Relationships":
        raise _unreadable("AttributeError")
    return [
        _Relationship(
            element.get("Id"),
            element.get("Type"),
            element.get("Target"),
            element.get("TargetMode", "Internal") == "External",
        )
        for element in root.findall(_PR + "Relationship")
    ]


class _ContentTypes:
    """[Content_Types].xml: a content type per part name, else per extension (both case-insensitive)."""

    def __init__(self, root: ElementTree.Element) -> None:
        if root.tag != _CT + "Types":
            raise _unreadable("AttributeError")
        self._overrides = {
            _lower(element.get("PartName")): element.get("ContentType") for element in root.findall(_CT + "Override")
        }
        self._defaults = {
            _lower(element.get("Extension")): element.get("ContentType") for element in root.findall(_CT + "Default")
        }

    def of(self, part_name: str) -> str | None:
        if part_name.lower() in self._overrides:
            return self._overrides[part_name.lower()]
        extension = posixpath.splitext(part_name)[1].removeprefix(".").lower()
        if extension in self._defaults:
            return self._defaults[extension]
        raise DocumentError(_MISSING_PART)


def _lower(value: str | None) -> str:
    if value is None:
        raise _unreadable("AttributeError")
    return value.lower()


def _member_info(archive: zipfile.ZipFile, part_name: str) -> zipfile.ZipInfo:
    try:
        return archive.getinfo(part_name[1:])
    except KeyError:
        raise DocumentError(_MISSING_PART) from None


def _member(archive: zipfile.ZipFile, part_name: str) -> bytes:
    return archive.read(_member_info(archive, part_name))


def _parse(xml: bytes) -> ElementTree.Element:
    try:
        return safexml.parse(xml)
    except safexml.DoctypeXML as exc:
        raise DocumentError(_DOCTYPE) from exc
    except safexml.InvalidXML as exc:
        raise DocumentError(_INVALID_XML) from exc


# --- text ----------------------------------------------------------------------------------------------------


class _BodyText:
    """The text of a main document part, line by line, as the python-docx based reader gave it."""

    def __init__(self, document: ElementTree.Element) -> None:
        self._document = document
        self._parents: dict[ElementTree.Element, ElementTree.Element] | None = None

    def block_lines(self, container: ElementTree.Element) -> Iterator[str]:
        """Paragraphs and table rows of a body (or content control, or cell) in order. Block-level
        content controls (``w:sdt``, used by forms and templates) are unwrapped instead of being skipped."""
        for element in container:
            if element.tag == _P:
                yield self._paragraph_text(element)
            elif element.tag == _TBL:
                yield from self._table_lines(element)
            elif element.tag == _SDT:
                content = element.find(_SDT_CONTENT)
                if content is not None:
                    yield from self.block_lines(content)

    def _paragraph_text(self, paragraph: ElementTree.Element) -> str:
        """All runs of a paragraph, including those in hyperlinks, fields, inline content controls and
        tracked insertions, but none in deletions, text boxes or fallback content."""
        pieces: list[str] = []
        self._collect_runs(paragraph, pieces)
        return "".join(pieces)

    def _collect_runs(self, element: ElementTree.Element, pieces: list[str]) -> None:
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in _NOT_BODY_TEXT or tag == "Fallback" or tag.endswith("}Fallback"):
                continue
            if tag == _R:
                pieces.append(self._run_text(child))
            self._collect_runs(child, pieces)  # a run inside a run counts too, as with python-docx

    def _run_text(self, run: ElementTree.Element) -> str:
        pieces: list[str] = []
        for child in run:
            if child.tag == _T:
                pieces.append(self._text(child))
            elif child.tag == _BR:
                if child.get(_TYPE, "textWrapping") == "textWrapping":
                    pieces.append("\n")
            elif child.tag in _RUN_CHARACTERS:
                pieces.append(_RUN_CHARACTERS[child.tag])
        return "".join(pieces)

    def _text(self, element: ElementTree.Element) -> str:
        """A ``w:t``'s text up to its first child node. python-docx parsed with lxml's
        remove_blank_text, which drops blank text followed by a child node unless xml:space says
        "preserve"; Word never puts anything inside a w:t, but the text stays the same when it does."""
        text = element.text
        if not text:
            return ""
        if len(element) and not text.strip(_XML_BLANK) and not self._preserves_space(element):
            return ""
        return text

    def _preserves_space(self, element: ElementTree.Element) -> bool:
        if self._parents is None:
            self._parents = {child: parent for parent in self._document.iter() for child in parent}
        node: ElementTree.Element | None = element
        while node is not None:
            space = node.get(_XML_SPACE)
            if space in ("preserve", "default"):  # other values are ignored
                return space == "preserve"
            node = self._parents.get(node)
        return False

    def _table_lines(self, table: ElementTree.Element) -> Iterator[str]:
        """One line per row, cells separated by tabs, each merged cell once: a horizontally merged cell
        (``w:gridSpan``) once in its row, a vertically merged one (``w:vMerge``) in its first row, with an
        empty string where it continues. Values are read, and bad ones reported, in the order
        python-docx read them."""
        rows = table.findall(_TR)
        origins: dict[ElementTree.Element, ElementTree.Element] = {}  # each w:tc -> the one with its content
        written: set[ElementTree.Element] = set()
        for index, row in enumerate(rows):
            cells: list[tuple[ElementTree.Element, int]] = []  # (content cell, grid columns it counts for)
            row_cells = row.findall(_TC)
            for position, cell in enumerate(row_cells):
                origin = cell
                if _continues_vertical_merge(cell):
                    if index == 0:
                        raise DocumentError(_INVALID_VALUE)
                    offset = _grid_before(row) + sum(_grid_span(before) for before in row_cells[:position])
                    origin = origins[_cell_at(rows[index - 1], offset)]
                origins[cell] = origin
                cells.append((origin, _grid_span(origin)))
            line: list[str] = []
            previous = None
            for origin, columns in cells:
                if columns < 1 or origin is previous:
                    continue
                previous = origin
                line.append("" if origin in written else self._cell_text(origin))
                written.add(origin)
            yield "\t".join(line)

    def _cell_text(self, cell: ElementTree.Element) -> str:
        """A cell flattened onto one line so the row keeps its tab structure; nested tables included."""
        return " ".join(" ".join(self.block_lines(cell)).split())


def _continues_vertical_merge(cell: ElementTree.Element) -> bool:
    properties = cell.find(_TC_PR)
    merge = None if properties is None else properties.find(_V_MERGE)
    return merge is not None and merge.get(_VAL, "continue") == "continue"


def _grid_span(cell: ElementTree.Element) -> int:
    properties = cell.find(_TC_PR)
    span = None if properties is None else properties.find(_GRID_SPAN)
    return 1 if span is None else _decimal(span)


def _grid_before(row: ElementTree.Element) -> int:
    properties = row.find(_TR_PR)
    before = None if properties is None else properties.find(_GRID_BEFORE)
    return 0 if before is None else _decimal(before)


def _cell_at(row: ElementTree.Element, offset: int) -> ElementTree.Element:
    """The cell of ``row`` that starts at grid column ``offset``."""
    remaining = offset - _grid_before(row)
    for cell in row.findall(_TC):
        if remaining < 0:
            break
        if remaining == 0:
            return cell
        remaining -= _grid_span(cell)
    raise DocumentError(_INVALID_VALUE)


def _decimal(element: ElementTree.Element) -> int:
    value = element.get(_VAL)
    if value is None:
        raise _unreadable("InvalidXmlError")
    try:
        return int(value)
    except ValueError:
        raise DocumentError(_INVALID_VALUE) from None
