"""A redacted DOCX: the replaced text goes into the document's own runs, so its formatting stays.

The app's offsets are into the text the DOCX reader extracts (:mod:`sqzdesk.documents.docx`): body
paragraphs and table rows in order, one per line, runs concatenated, cells joined by tabs and their
whitespace collapsed. :func:`_layout` walks the package exactly the way the reader does and records, for
each character of that text, the ``<w:t>`` element and index it came from (or none: a tab, a line break,
a space the reader put between cells). Its text must equal the reader's, character for character; where
it does not (a construct the walk does not know), :class:`DocxLayoutError` is raised and the caller falls
back to a plain-text export rather than risk a half-redacted DOCX.

A span is replaced in the first ``<w:t>`` it touches (that run's formatting carries the placeholder), and
its characters are removed from every other ``<w:t>`` it covers; runs, paragraphs, styles and tables are
otherwise left as they were.

A Word file keeps text the reader never shows, and a redacted copy must not: deleted tracked changes
(``w:del``, ``w:moveFrom``) are removed; the redacted texts are also replaced wherever else they occur
as whole words inside one ``<w:t>`` the reader did not read (text boxes, headers, footers, footnotes, comments), in
hyperlink targets and in the document properties, whose author fields are emptied. The text the reader
did read is changed only where the plan says, so a mention the analyst rejected stays. What no sweep can promise is listed in the
README's privacy section (text split oddly across runs outside the body, embedded objects and images).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import docx
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table, _Cell
from docx.types import ProvidesStoryPart
from lxml import etree

from sqzdesk.documents.docx import _RUNS, checked_package, iter_blocks, iter_row_cells

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_RUN_CONTENT = "w:br | w:cr | w:noBreakHyphen | w:ptab | w:t | w:tab"
_W_T = qn("w:t")


class DocxLayoutError(Exception):
    """The DOCX's text could not be mapped back onto its runs; one-line reason."""


@dataclass(frozen=True)
class _Slot:
    """Where one character of the extracted text lives: ``element.text[index]``, or nowhere editable."""

    char: str
    element: BaseOxmlElement | None = None
    index: int = 0


def redact_docx(data: bytes, text: str, spans: Sequence[tuple[int, int, str]],
                surfaces: Sequence[tuple[str, str]]) -> bytes:
    """The package with each ``(start, end, replacement)`` of ``text`` (the reader's text of ``data``)
    replaced in its runs, and each ``(original, replacement)`` of ``surfaces`` swept from the rest."""
    document = docx.Document(io.BytesIO(checked_package(data)))
    slots = _layout(document)
    if "".join(s.char for s in slots) != text:
        raise DocxLayoutError("the document's runs do not give the text that was analysed")
    for start, end, new in sorted(spans, reverse=True):
        _replace(slots[start:end], new)
    body = document.element.body
    for revision in body.xpath(".//w:del | .//w:moveFrom"):
        revision.getparent().remove(revision)
    pairs = [(old, new) for old, new in surfaces if old.strip()]
    # The text the reader saw is governed by the plan alone (a rejected mention stays); the sweep is for
    # the body text it did not see (text boxes, fallback copies) and the other parts.
    _sweep(body, pairs, skip={s.element for s in slots if s.element is not None})
    _sweep_package(document, pairs)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _replace(slots: Sequence[_Slot], new: str) -> None:
    """Remove the slots' characters from their ``<w:t>`` elements, the replacement in the first one."""
    cover: dict[BaseOxmlElement, list[int]] = {}
    order: list[BaseOxmlElement] = []
    for slot in slots:
        if slot.element is None:
            continue
        if slot.element not in cover:
            order.append(slot.element)
            cover[slot.element] = [slot.index, slot.index + 1]
        cover[slot.element][1] = slot.index + 1
    for k, element in enumerate(order):
        first, last = cover[element]
        old = element.text or ""
        element.text = old[:first] + (new if k == 0 else "") + old[last:]
        element.set(_XML_SPACE, "preserve")


def _swept(value: str, pairs: Sequence[tuple[str, str]]) -> str:
    """Each original text replaced where it stands as whole words (so "Ann" leaves "Annual" alone)."""
    if not pairs or not value:
        return value
    table = dict(pairs)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(old) for old, _ in pairs) + r")(?!\w)")
    return pattern.sub(lambda m: table[m.group()], value)


def _sweep(root: BaseOxmlElement, pairs: Sequence[tuple[str, str]],
           skip: AbstractSet[BaseOxmlElement] = frozenset()) -> None:
    """Replace each original text by its replacement in every ``<w:t>`` under ``root`` (but ``skip``)."""
    if not pairs:
        return
    for element in root.iter(_W_T):
        if element in skip or not element.text:
            continue
        value = _swept(element.text, pairs)
        if value != element.text:
            element.text = value
            element.set(_XML_SPACE, "preserve")


def _sweep_package(document: docx.document.Document, pairs: Sequence[tuple[str, str]]) -> None:
    """The other parts (headers, footers, footnotes, comments...), link targets and properties."""
    main = document.part
    for part in main.package.iter_parts():
        if part is main:
            continue
        element = getattr(part, "_element", None)
        if element is not None:
            _sweep(element, pairs)
        elif part.content_type.endswith("+xml") and pairs and part.blob:
            try:
                root = etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
            except etree.XMLSyntaxError:
                continue
            _sweep(root, pairs)
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        for rel in part.rels.values():
            _sweep_target(rel, pairs)
    for rel in main.rels.values():
        _sweep_target(rel, pairs)
    props = document.core_properties
    props.author = ""
    props.last_modified_by = ""
    for name in ("title", "subject", "keywords", "comments", "category"):
        setattr(props, name, _swept(getattr(props, name) or "", pairs))


def _sweep_target(rel: object, pairs: Sequence[tuple[str, str]]) -> None:
    if getattr(rel, "is_external", False):
        # a link target ("mailto:jane@example.org") holds the text without word boundaries around it
        target = rel._target  # type: ignore[attr-defined]
        for old, new in pairs:
            target = target.replace(old, new)
        rel._target = target  # type: ignore[attr-defined]


# ---- the reader's text, character by character ---------------------------------------------------

def _layout(document: docx.document.Document) -> list[_Slot]:
    lines = list(_block_lines(document.element.body, document))
    out: list[_Slot] = []
    for k, line in enumerate(lines):
        if k:
            out.append(_Slot("\n"))
        out += line
    return out


def _block_lines(container: BaseOxmlElement, parent: ProvidesStoryPart) -> Iterator[list[_Slot]]:
    """Mirrors ``documents.docx._block_lines``: the same walk (:func:`~sqzdesk.documents.docx.iter_blocks`)."""
    for block in iter_blocks(container, parent):
        if isinstance(block, Table):
            yield from _table_lines(block)
        else:
            yield _paragraph(block)


def _paragraph(paragraph_element: BaseOxmlElement) -> list[_Slot]:
    slots: list[_Slot] = []
    for run in paragraph_element.xpath(_RUNS):
        for child in run.xpath(_RUN_CONTENT):
            value = str(child)
            if child.tag == _W_T:
                slots += [_Slot(ch, child, i) for i, ch in enumerate(value)]
            else:
                slots += [_Slot(ch) for ch in value]
    return slots


def _table_lines(table: Table) -> Iterator[list[_Slot]]:
    """Mirrors ``documents.docx._table_lines`` (merged cells once, cells joined by tabs)."""
    for cells in iter_row_cells(table):
        line: list[_Slot] = []
        for k, cell in enumerate(cells):
            if k:
                line.append(_Slot("\t"))
            if cell is not None:
                line += _cell(cell)
        yield line


def _cell(cell: _Cell) -> list[_Slot]:
    """Mirrors ``" ".join(" ".join(lines).split())``: words kept, whitespace runs -> one unmapped space."""
    joined: list[_Slot] = []
    for k, line in enumerate(_block_lines(cell._tc, cell)):
        if k:
            joined.append(_Slot(" "))
        joined += line
    words: list[list[_Slot]] = [[]]
    for slot in joined:
        if slot.char.isspace():
            if words[-1]:
                words.append([])
        else:
            words[-1].append(slot)
    out: list[_Slot] = []
    for word in (w for w in words if w):
        if out:
            out.append(_Slot(" "))
        out += word
    return out
