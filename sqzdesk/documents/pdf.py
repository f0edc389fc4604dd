"""PDF reader (pypdfium2): text per page, pages joined by a blank line, page spans recorded.

PDFium is not thread-safe, so every call into it from this module runs under :data:`PDFIUM_LOCK`;
other parts of the app that call PDFium (page rendering) should take the same lock. PDFium objects
hold native memory, so pages, text pages and the document are closed explicitly, even on errors.
"""

from __future__ import annotations

import ctypes
import re
import threading
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .decoding import normalise_newlines
from .model import Document, DocumentError, Page

PDFIUM_LOCK = threading.Lock()
PAGE_SEPARATOR = "\n\n"
# PDFium accepts the header anywhere in about the first kilobyte (some producers prepend junk); look a
# little further than it does, so this clearer message never rejects a file PDFium would open.
_HEADER_WINDOW = 1100

# Control characters PDFium sometimes emits (NUL padding, form feeds, private markers); tab and
# newline are layout and stay.
_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\ufffe\uffff]")

_LOAD_ERRORS = {
    pdfium_c.FPDF_ERR_FORMAT: "damaged PDF: not a valid PDF file, or it is truncated",
    pdfium_c.FPDF_ERR_SECURITY: "encrypted PDF: this kind of encryption is not supported",
    pdfium_c.FPDF_ERR_FILE: "damaged PDF: the file could not be read",
    pdfium_c.FPDF_ERR_PAGE: "damaged PDF: a page could not be loaded",
}


def read_pdf(data: bytes, path: Path) -> Document:
    """Extract the text layer. Raises for encrypted, damaged and text-less (scanned) PDFs."""
    if b"%PDF" not in data[:_HEADER_WINDOW]:
        raise DocumentError("not a PDF file (no %PDF header)")
    with PDFIUM_LOCK:
        page_texts = _extract_pages(data)
    if not any(text.strip() for text in page_texts):
        count = len(page_texts)
        raise DocumentError(f"no text layer — scanned? ({count} page{'s' if count != 1 else ''})")
    pages: list[Page] = []
    offset = 0
    for number, text in enumerate(page_texts, start=1):
        if number > 1:
            offset += len(PAGE_SEPARATOR)
        pages.append(Page(number=number, start=offset, end=offset + len(text)))
        offset += len(text)
    return Document(path=path, text=PAGE_SEPARATOR.join(page_texts), format="pdf", pages=tuple(pages))


def _extract_pages(data: bytes) -> list[str]:
    document = _open(data)
    try:
        return [_page_text(document, index) for index in range(len(document))]
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"damaged PDF: {_short(exc)}") from exc
    finally:
        document.close()


def _open(data: bytes) -> pdfium.PdfDocument:
    """Open with the empty password, which also unlocks PDFs that only restrict editing/printing."""
    try:
        return pdfium.PdfDocument(data, password="")
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise DocumentError("encrypted PDF: a password is needed") from exc
        if exc.err_code in _LOAD_ERRORS:
            raise DocumentError(_LOAD_ERRORS[exc.err_code]) from exc
        if exc.err_code == pdfium_c.FPDF_ERR_SUCCESS:  # "loaded" but the page tree is empty
            raise DocumentError("damaged PDF: it has no pages") from exc
        raise DocumentError("damaged PDF: it could not be opened") from exc


def _page_text(document: pdfium.PdfDocument, index: int) -> str:
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return _clean(_all_text(textpage))
        finally:
            textpage.close()
    finally:
        page.close()


def _all_text(textpage: pdfium.PdfTextPage) -> str:
    """Every character on the page, in PDFium's reading order.

    Calls ``FPDFText_GetText`` directly rather than ``get_text_range()``, which recurses once per
    unmapped character (a hostile page can exhaust the stack) and asserts on buffer sizes, and rather
    than ``get_text_bounded()``, which loses text placed outside the page box.
    """
    count = pdfium_c.FPDFText_CountChars(textpage.raw)
    if count <= 0:
        return ""
    # PDFium needs count + 1 UTF-16 units; twice that costs nothing and leaves room should a PDFium
    # build ever write surrogate pairs for characters outside the BMP.
    capacity = 2 * count + 2
    buffer = (ctypes.c_ushort * capacity)()
    written = min(pdfium_c.FPDFText_GetText(textpage.raw, 0, count, buffer), capacity)
    if written <= 1:
        return ""
    units = bytes(memoryview(buffer).cast("B")[: 2 * (written - 1)])
    return units.decode("utf-16-le", errors="replace")


def _clean(text: str) -> str:
    # PDFium reports a hyphen that ends a line (a word split across lines) as U+0002.
    return _CONTROL.sub("", normalise_newlines(text).replace("\x02", "-"))


def _short(exc: BaseException) -> str:
    """PDFium's own wording without pypdfium2's trailing punctuation, as a lower-case clause."""
    message = str(exc).strip().rstrip(".") or "unreadable page"
    return message[0].lower() + message[1:]
