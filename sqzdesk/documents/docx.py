"""DOCX reader (python-docx): the body's paragraphs, table rows and text boxes in document order, then
headers and footers, footnotes, endnotes and comments, each marked as a :class:`~.model.Part` (the order
and why: :func:`assemble`).

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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

import docx
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table, _Cell
from docx.types import ProvidesStoryPart
from lxml import etree

from .model import Document, DocumentError, Part, PartKind
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
# Runs and text boxes inside these are not read: deleted revisions, and the fallback copy of
# markup-compatibility blocks, which repeats the content of the preferred choice (a DrawingML text box's
# VML copy). ``{depth}`` keeps a paragraph's runs apart from those of text boxes anchored in it (read as
# blocks of their own) and a block's text boxes apart from boxes nested in them.
_NOT_READ = "ancestor::w:del or ancestor::w:moveFrom or ancestor::*[local-name()='Fallback']"
_NS = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
_RUNS = etree.XPath(".//w:r[not(" + _NOT_READ + ") and count(ancestor::w:txbxContent) = $depth]", namespaces=_NS)
_BOXES = etree.XPath(".//w:txbxContent[not(" + _NOT_READ + ") and count(ancestor::w:txbxContent) = $depth]",
                     namespaces=_NS)
_ANY_BOX = etree.XPath("boolean(.//w:txbxContent)", namespaces=_NS)
_DEPTH = etree.XPath("count(ancestor::w:txbxContent)", namespaces=_NS)
_HEADERS_FOOTERS = (("w:headerReference", RT.HEADER, PartKind.HEADER, "Header"),
                    ("w:footerReference", RT.FOOTER, PartKind.FOOTER, "Footer"))
_NOTES = ((RT.FOOTNOTES, "w:footnote", "w:footnoteReference", PartKind.FOOTNOTE, "Footnote"),
          (RT.ENDNOTES, "w:endnote", "w:endnoteReference", PartKind.ENDNOTE, "Endnote"))
_XML_NAMES = (".xml", ".rels")  # the members asked for a DOCTYPE
_PROLOG_CHUNK = 16 * 1024


def read_docx(data: bytes, path: Path) -> Document:
    """Check the package, then extract the text of all its stories (see :func:`assemble`)."""
    package = checked_package(data)
    try:
        word_document = docx.Document(io.BytesIO(package))
        text, parts = assemble(word_document, TextMaker())
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
    return Document(path=path, text=text, format="docx", parts=parts)


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


# ---- the stories of a document and their order -----------------------------------------------------

T = TypeVar("T")


class LineMaker(Generic[T]):
    """How the walk below turns WordprocessingML into text. The reader's maker (:class:`TextMaker`) makes
    strings; :mod:`sqzdesk.batch.docx_redact` makes the same text as lists of per-character slots that
    remember which ``<w:t>`` each character came from. One walk for both is what keeps the redactor's
    offsets equal to the reader's. A value ``v`` is a str or a list; ``len(v)`` counts its characters."""

    def __init__(self) -> None:
        self._roots: dict[str, BaseOxmlElement] = {}  # parts python-docx keeps as bytes, parsed once

    def paragraph(self, element: BaseOxmlElement) -> T:
        raise NotImplementedError

    def table(self, table: Table) -> Iterator[T]:
        raise NotImplementedError

    def literal(self, text: str) -> T:
        """Text the reader adds (line breaks between blocks, labels), mapped to nothing in the file."""
        raise NotImplementedError

    def attribute(self, element: BaseOxmlElement, name: str) -> T:
        """The value of an attribute that is shown as text (a comment's author)."""
        raise NotImplementedError

    def concat(self, values: Iterable[T]) -> T:
        raise NotImplementedError

    def text(self, value: T) -> str:
        raise NotImplementedError

    def merge(self, kept: T, copy: T) -> T:
        """``copy`` has the same text as ``kept`` and is left out of the text (a header repeated in
        another section): the result stands for both."""
        return kept

    def root(self, part: Any) -> BaseOxmlElement:
        """The XML of a package part: python-docx's own element, or the part's bytes parsed (footnotes
        and endnotes are parts python-docx has no class for) with python-docx's parser (no entities, no
        network, no DTD; :func:`checked_package` already refused any DOCTYPE)."""
        element = getattr(part, "_element", None)
        if element is not None:
            return element
        name = str(part.partname)
        if name not in self._roots:
            self._roots[name] = parse_xml(part.blob)
        return self._roots[name]

    def parsed(self) -> dict[str, BaseOxmlElement]:
        """The parts :meth:`root` parsed from bytes, by part name (the redactor writes them back)."""
        return self._roots


class TextMaker(LineMaker[str]):
    """The reader's: plain strings."""

    def paragraph(self, element: BaseOxmlElement) -> str:
        return "".join(run.text for run in paragraph_runs(element))

    def table(self, table: Table) -> Iterator[str]:
        return _table_lines(table)

    def literal(self, text: str) -> str:
        return text

    def attribute(self, element: BaseOxmlElement, name: str) -> str:
        return element.get(qn(name)) or ""

    def concat(self, values: Iterable[str]) -> str:
        return "".join(values)

    def text(self, value: str) -> str:
        return value


@dataclass
class _Block(Generic[T]):
    kind: PartKind
    label: str
    content: T
    title: T | None = None  # the label as it starts the block in the text (None: not shown)


def assemble(word_document: DocxDocument, maker: LineMaker[T]) -> tuple[T, tuple[Part, ...]]:
    """The text of every story of the document, in this order, and the span of each as a :class:`Part`:

    1. the body: paragraphs and tables (a row per line) in document order, as they always were, so the
       offsets of a document without the other parts do not change (stored results and decisions point
       into them); a text box (``w:txbxContent``, DrawingML or VML, never both copies) comes right after
       the paragraph or table that anchors it, where Word shows it, as a block of its own;
    2. headers, then footers: page furniture, printed on every page but read once, after the text they
       frame rather than in the middle of it; a header with the same text as one before it (the same on
       every section, or the first-page one repeating the default) is left out, its text mapped onto the
       kept one so a redaction there reaches both;
    3. footnotes, then endnotes, in the order of their references in the body and numbered as Word shows
       them (one never referenced is still read, last: a redacted copy must not keep its text);
    4. comments, last: the reviewers' words about the document, not the document's own.

    Every block but the body's is separated from its neighbours by a blank line, which ends sentences,
    entities and answers (:mod:`sqzdesk.engine.sentences`), so nothing runs from one part into another;
    headers, notes and comments start with their label ("Footnote 2: ", "Comment (Jane Doe): ") in the
    text itself, so the plain text says what each block is and an author's name is analysed, and
    redacted, like any other. Empty stories are left out. Footnote reference marks in the body are
    not turned into text ("[1]" in a sentence would reach the models).
    """
    blocks = [*_body_blocks(word_document, maker), *_header_footer_blocks(word_document, maker),
              *_note_blocks(word_document, maker), *_comment_blocks(word_document, maker)]
    values: list[T] = []
    parts: list[Part] = []
    pos = 0
    for block in blocks:
        value = block.content
        if block.title is not None:  # "Footnote 1: text"; Word starts a note with a space after its mark
            colon = ":" if maker.text(block.content)[:1].isspace() else ": "
            value = maker.concat([block.title, maker.literal(colon), block.content])
        if not len(value):  # type: ignore[arg-type]
            continue
        if values:
            values.append(maker.literal("\n\n"))
            pos += 2
        values.append(value)
        parts.append(Part(block.kind, pos, pos + len(value), block.label))  # type: ignore[arg-type]
        pos += len(value)  # type: ignore[arg-type]
    return maker.concat(values), tuple(parts)


def _story(container: BaseOxmlElement, parent: ProvidesStoryPart, maker: LineMaker[T]) -> list[tuple[bool, list[T]]]:
    """The lines of a story's flow, cut after each block that anchors text boxes, with the boxes'
    lines in between: ``[(is_text_box, lines)]``, none empty."""
    segments: list[tuple[bool, list[T]]] = [(False, [])]
    for block in iter_blocks(container, parent):
        if isinstance(block, Table):
            element = block._tbl
            segments[-1][1].extend(maker.table(block))
        else:
            element = block
            segments[-1][1].append(maker.paragraph(block))
        for box in _BOXES(element, depth=_depth(element)) if _ANY_BOX(element) else ():
            boxes = [(True, lines) for _, lines in _story(box, parent, maker)
                     if any(maker.text(line).strip() for line in lines)]  # an empty box cuts nothing
            if boxes:
                segments += [*boxes, (False, [])]
    return [(is_box, lines) for is_box, lines in segments if lines]


def _joined(maker: LineMaker[T], lines: Sequence[T], separator: str) -> list[T]:
    out: list[T] = []
    for k, line in enumerate(lines):
        if k:
            out.append(maker.literal(separator))
        out.append(line)
    return out


def _flow(maker: LineMaker[T], segments: Sequence[tuple[bool, list[T]]]) -> T:
    """A story other than the body as one block: lines joined by line breaks, text boxes by blank lines."""
    return maker.concat(_joined(maker, [maker.concat(_joined(maker, lines, "\n")) for _, lines in segments], "\n\n"))


def _body_blocks(word_document: DocxDocument, maker: LineMaker[T]) -> Iterator[_Block[T]]:
    segments = _story(word_document.element.body, word_document, maker) or [(False, [])]
    for is_box, lines in segments:
        content = maker.concat(_joined(maker, lines, "\n"))
        yield _Block(PartKind.TEXTBOX if is_box else PartKind.BODY, "Text box" if is_box else "", content)


def _related(part: Any, reltype: str) -> Iterator[tuple[str, Any]]:
    for r_id, rel in part.rels.items():
        if rel.reltype == reltype and not rel.is_external:
            yield r_id, rel.target_part


def _header_footer_blocks(word_document: DocxDocument, maker: LineMaker[T]) -> Iterator[_Block[T]]:
    main = word_document.part
    sections = word_document.element.body.xpath("./w:p/w:pPr/w:sectPr | ./w:sectPr")
    for tag, reltype, kind, name in _HEADERS_FOOTERS:
        refs = [(ref.get(qn("w:type")) or "default", ref.get(qn("r:id")))
                for section in sections for ref in section.iterchildren(qn(tag))]
        refs += [("default", r_id) for r_id, _ in _related(main, reltype)]  # any no section names
        seen: set[int] = set()
        kept: dict[str, _Block[T]] = {}  # text -> its block
        for page_type, r_id in refs:
            part = main.related_parts[r_id]
            if id(part) in seen:
                continue
            seen.add(id(part))
            content = _flow(maker, _story(maker.root(part), word_document, maker))
            text = maker.text(content)
            if not text.strip():
                continue
            if text in kept:
                kept[text].content = maker.merge(kept[text].content, content)
                continue
            label = {"first": f"First-page {name.lower()}", "even": f"Even-page {name.lower()}"}.get(page_type, name)
            kept[text] = _Block(kind, label, content, maker.literal(label))
        yield from kept.values()


def _note_blocks(word_document: DocxDocument, maker: LineMaker[T]) -> Iterator[_Block[T]]:
    body = word_document.element.body
    for reltype, tag, ref_tag, kind, name in _NOTES:
        for _, part in _related(word_document.part, reltype):
            notes = [note for note in maker.root(part).iterchildren(qn(tag))
                     if (note.get(qn("w:type")) or "normal") == "normal"]  # not the separator lines
            order: dict[str | None, int] = {}
            for ref in body.iter(qn(ref_tag)):
                order.setdefault(ref.get(qn("w:id")), len(order))
            notes.sort(key=lambda note: order.get(note.get(qn("w:id")), len(order)))
            number = 0
            for note in notes:
                content = _flow(maker, _story(note, word_document, maker))
                if not maker.text(content).strip():
                    continue
                if note.get(qn("w:id")) in order:
                    number += 1
                    label = f"{name} {number}"
                else:
                    label = f"{name} (not referenced)"
                yield _Block(kind, label, content, maker.literal(label))


def _comment_blocks(word_document: DocxDocument, maker: LineMaker[T]) -> Iterator[_Block[T]]:
    for _, part in _related(word_document.part, RT.COMMENTS):
        for comment in maker.root(part).iterchildren(qn("w:comment")):
            content = _flow(maker, _story(comment, word_document, maker))
            if not maker.text(content).strip():
                continue
            author = (comment.get(qn("w:author")) or "").strip()
            if author:
                title = maker.concat([maker.literal("Comment ("), maker.attribute(comment, "w:author"),
                                      maker.literal(")")])
            else:
                title = maker.literal("Comment")
            yield _Block(PartKind.COMMENT, maker.text(title), content, title)


# ---- blocks, rows and runs ---------------------------------------------------------------------------

def iter_blocks(container: BaseOxmlElement, parent: ProvidesStoryPart) -> Iterator[BaseOxmlElement | Table]:
    """The paragraphs (``w:p`` elements) and tables of a body, cell or content control, in order. Block-level
    content controls (``w:sdt``, used by forms and templates) are unwrapped instead of being skipped."""
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


def _depth(element: BaseOxmlElement) -> int:
    """How many text boxes ``element`` sits in."""
    return int(_DEPTH(element))


def paragraph_runs(paragraph_element: BaseOxmlElement) -> list[BaseOxmlElement]:
    """The runs whose text the paragraph shows: those in hyperlinks, fields, inline content controls and
    tracked insertions too (``Paragraph.text`` skips them), not those of deleted revisions, of the
    fallback copy of markup-compatibility blocks, or of text boxes anchored in the paragraph."""
    return _RUNS(paragraph_element, depth=_depth(paragraph_element))


def _block_lines(container: BaseOxmlElement, parent: ProvidesStoryPart) -> Iterator[str]:
    """Paragraphs and table rows of a cell (or content control) in order."""
    for block in iter_blocks(container, parent):
        if isinstance(block, Table):
            yield from _table_lines(block)
        else:
            yield _TEXT_MAKER.paragraph(block)


def _table_lines(table: Table) -> Iterator[str]:
    """One line per row, cells separated by tabs; a merged cell's text once (:func:`iter_row_cells`)."""
    for cells in iter_row_cells(table):
        yield "\t".join("" if cell is None else _cell_text(cell) for cell in cells)


def _cell_text(cell: _Cell) -> str:
    """A cell flattened onto one line so the row keeps its tab structure; nested tables included."""
    return " ".join(" ".join(_block_lines(cell._tc, cell)).split())


_TEXT_MAKER = TextMaker()  # stateless for paragraphs and tables (only root() caches)
