"""PDF reader (pypdfium2): text per page reflowed into paragraphs, pages joined by a blank line.

Each page's printed lines, with where PDFium says they were printed, go through :mod:`.reflow`, so a
sentence, name, address or hyphenated word cut at a line end reads as one; page spans are recorded over
the reflowed text, so every offset still maps to its page.

A page with no text layer that draws something (a scan) is rendered and read by OCR when the optional
``ocr`` extra is installed (:mod:`.ocr`); its lines go through the same reflow and its :class:`Page` is
marked ``ocr``. Without the extra such pages stay empty with a warning that says how to get it (or, when
no page has text, that is the error).

PDFium is not thread-safe, so every call into it from this module runs under :data:`PDFIUM_LOCK`;
other parts of the app that call PDFium (page rendering) should take the same lock. PDFium objects
hold native memory, so pages, text pages and the document are closed explicitly, even on errors.
"""

from __future__ import annotations

import ctypes
import re
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from . import ocr
from .model import Document, DocumentError, Page, PasswordRequired, WrongPassword
from .ocr import OcrUnavailable, ReadCancelled, ReadHooks
from .reflow import Box, Line, Vocabulary, reflow_page

PDFIUM_LOCK = threading.Lock()
PAGE_SEPARATOR = "\n\n"
# PDFium accepts the header anywhere in about the first kilobyte (some producers prepend junk); look a
# little further than it does, so this clearer message never rejects a file PDFium would open.
_HEADER_WINDOW = 1100

# Control characters PDFium sometimes emits (NUL padding, form feeds, private markers); tab and
# newline are layout and stay.
_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\ufffe\uffff]")

# How PDFium marks a hyphen it saw ending a line.
_LINE_END_HYPHENS = "\x02\ufffe"

_LOAD_ERRORS = {
    pdfium_c.FPDF_ERR_FORMAT: "damaged PDF: not a valid PDF file, or it is truncated",
    pdfium_c.FPDF_ERR_SECURITY: "encrypted PDF: this kind of encryption is not supported",
    pdfium_c.FPDF_ERR_FILE: "damaged PDF: the file could not be read",
    pdfium_c.FPDF_ERR_PAGE: "damaged PDF: a page could not be loaded",
}


def read_pdf(data: bytes, path: Path, password: str | None = None, *, hooks: ReadHooks | None = None) -> Document:
    """Extract the text layer; pages without one are read by OCR when the ``ocr`` extra is installed.

    Raises for damaged PDFs, unsupported encryption, a scan without the OCR extra (the reason says how to
    get it) or one where OCR finds nothing, :class:`PasswordRequired` / :class:`WrongPassword` for a PDF
    that needs a password, and :class:`~.ocr.ReadCancelled` when ``hooks.should_stop`` says so. OCR takes
    seconds a page, so callers with a window read on a worker thread and pass ``hooks`` for progress.
    """
    if b"%PDF" not in data[:_HEADER_WINDOW]:
        raise DocumentError("not a PDF file (no %PDF header)")
    hooks = hooks or ReadHooks()
    with PDFIUM_LOCK:
        document = _open(data, password)
    try:
        with PDFIUM_LOCK:
            page_lines, drawn = _extract_pages(document)
        scanned = [i for i, lines in enumerate(page_lines) if not lines and drawn[i]]
        warnings: list[str] = []
        read_by_ocr: set[int] = set()
        if scanned:
            try:
                if not ocr.available():
                    raise OcrUnavailable(ocr.install_hint())
                read_by_ocr = _ocr_pages(document, scanned, page_lines, hooks)
            except OcrUnavailable as exc:
                warnings.append(_no_ocr_message(len(scanned), len(page_lines), str(exc)))
    finally:
        with PDFIUM_LOCK:
            document.close()
    vocabulary = Vocabulary.of(line.text for lines in page_lines for line in lines)
    page_texts = [reflow_page(lines, vocabulary) for lines in page_lines]
    if not any(text.strip() for text in page_texts):
        count = len(page_texts)
        if warnings:
            raise DocumentError(warnings[0])
        if scanned:
            raise DocumentError(f"no text found by OCR on {_pages(count)} (blank or unreadable scan?)")
        raise DocumentError(f"no text layer and nothing printed ({_pages(count)} blank)")
    pages: list[Page] = []
    offset = 0
    for index, text in enumerate(page_texts):
        if index:
            offset += len(PAGE_SEPARATOR)
        pages.append(Page(number=index + 1, start=offset, end=offset + len(text), ocr=index in read_by_ocr))
        offset += len(text)
    return Document(path=path, text=PAGE_SEPARATOR.join(page_texts), format="pdf", pages=tuple(pages),
                    warnings=tuple(warnings))


def _no_ocr_message(scanned: int, total: int, reason: str) -> str:
    """The one line for scanned pages that OCR cannot read (not installed, or broken): how to get it."""
    where = _pages(scanned) if scanned == total else f"{scanned} of {total} pages"
    return f"no text layer on {where} (scanned?): {reason}"


def _pages(count: int) -> str:
    return f"{count} page{'s' if count != 1 else ''}"


def _ocr_pages(document: pdfium.PdfDocument, scanned: list[int], page_lines: list[list[Line]],
               hooks: ReadHooks) -> set[int]:
    """Fill ``page_lines`` for the scanned pages by OCR, one page at a time, and return their indices.

    PDFium renders a page under the lock; OCR runs outside it (seconds a page), so other PDFium users
    are not held up meanwhile."""
    total = len(scanned)
    for done, index in enumerate(scanned):
        hooks.check()
        hooks.report(done, total, index + 1)
        with PDFIUM_LOCK:
            image, scale, height = _render(document, index)
        try:
            page_lines[index] = ocr.recognise(image, scale, height)
        except (ReadCancelled, OcrUnavailable):
            raise
        except DocumentError as exc:
            raise DocumentError(f"page {index + 1}: {exc}") from exc
    hooks.check()
    hooks.report(total, total, scanned[-1] + 1)
    return set(scanned)


def _render(document: pdfium.PdfDocument, index: int) -> tuple[Any, float, float]:
    """Page ``index`` as a BGR pixel array for OCR, with the scale used (pixels per point) and the page's
    height in points: :data:`~.ocr.RENDER_DPI`, less for a page so large it would pass
    :data:`~.ocr.MAX_SIDE_PX`."""
    page = document[index]
    try:
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            raise DocumentError(f"damaged PDF: page {index + 1} has no size")
        scale = min(ocr.RENDER_DPI / 72.0, ocr.MAX_SIDE_PX / max(width, height))
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255), may_draw_forms=False)
        try:
            image = bitmap.to_numpy().copy()  # the bitmap's memory goes with it
        finally:
            bitmap.close()
        return image, scale, height
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"damaged PDF: page {index + 1} could not be rendered ({_short(exc)})") from exc
    finally:
        page.close()


def _extract_pages(document: pdfium.PdfDocument) -> tuple[list[list[Line]], list[bool]]:
    """Each page's printed lines, and whether the page draws anything at all (a page with no text layer
    that draws something is a scan, or text turned into outlines: worth OCR; an empty page is not)."""
    pages, drawn = [], []
    try:
        for index in range(len(document)):
            lines, objects = _page_text(document, index)
            pages.append(lines)
            drawn.append(objects > 0)
    except pdfium.PdfiumError as exc:
        raise DocumentError(f"damaged PDF: {_short(exc)}") from exc
    return pages, drawn


def _open(data: bytes, password: str | None) -> pdfium.PdfDocument:
    """Open with the given password, else with the empty one (which also unlocks PDFs that only restrict
    editing/printing).

    PDFium takes the password as bytes and the PDF standard leaves their encoding to the producer: newer
    files (AES-256) use UTF-8, older ones (RC4, AES-128) whatever the writer's code page was, so a
    non-ASCII password is tried as UTF-8, then as Latin-1.
    """
    candidates = [b""]
    if password:
        candidates = [password.encode("utf-8")]
        latin = password.encode("latin-1", errors="ignore")
        if latin != candidates[0] and latin.decode("latin-1") == password:
            candidates.append(latin)
        candidates.append(b"")  # a file that needs no password opens whatever was typed
    error = pdfium_c.FPDF_ERR_SUCCESS
    for candidate in candidates:
        raw = pdfium_c.FPDF_LoadMemDocument64(data, len(data), candidate + b"\x00")
        if raw and pdfium_c.FPDF_GetPageCount(raw) >= 1:
            return pdfium.PdfDocument(raw)  # the wrapper closes it; read_pdf keeps ``data`` alive meanwhile
        error = pdfium_c.FPDF_GetLastError()
        if raw:
            pdfium_c.FPDF_CloseDocument(raw)
        if error != pdfium_c.FPDF_ERR_PASSWORD:
            break
    if error == pdfium_c.FPDF_ERR_PASSWORD:
        raise WrongPassword() if password else PasswordRequired()
    if error in _LOAD_ERRORS:
        raise DocumentError(_LOAD_ERRORS[error])
    if error == pdfium_c.FPDF_ERR_SUCCESS:  # "loaded" but the page tree is empty
        raise DocumentError("damaged PDF: it has no pages")
    raise DocumentError("damaged PDF: it could not be opened")


def _page_text(document: pdfium.PdfDocument, index: int) -> tuple[list[Line], int]:
    """The page's printed lines and how many page objects (text, images, paths) it has."""
    page = document[index]
    try:
        objects = pdfium_c.FPDFPage_CountObjects(page.raw)
        textpage = page.get_textpage()
        try:
            return _lines(textpage, _all_text(textpage)), objects
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


def _lines(textpage: pdfium.PdfTextPage, text: str) -> list[Line]:
    """The page's printed lines, each with its position when PDFium's character indices line up.

    PDFium ends a line with a generated CR LF, but reports a hyphen that ends a line (a word split across
    lines) as U+FFFE (older builds: U+0002) and runs straight on into the next line; both end a line
    here, the hyphen written as "-" for the reflow's hyphenation rule. A wide gap between
    two words on one baseline (two columns PDFium read as one line) also ends one, so the reflow can
    order the columns.
    """
    raw = textpage.raw
    geometry = len(text) == pdfium_c.FPDFText_CountChars(raw)
    spans: list[tuple[int, int, bool]] = []  # begin, end, after a wide gap on the same printed line
    start, after_gap = 0, False
    index = 0
    while index < len(text):
        char = text[index]
        if char in "\r\n":
            spans.append((start, index, after_gap))
            if char == "\r" and text[index + 1 : index + 2] == "\n":
                index += 1
            start, after_gap = index + 1, False
        elif char in _LINE_END_HYPHENS:
            spans.append((start, index + 1, after_gap))
            start, after_gap = index + 1, False
        elif geometry and char == " " and 0 < index < len(text) - 1 and _column_gap(raw, index):
            spans.append((start, index, after_gap))
            start, after_gap = index + 1, True
        index += 1
    spans.append((start, len(text), after_gap))
    lines = []
    for begin, end, gap in spans:
        cleaned = _CONTROL.sub("", text[begin:end].replace("\x02", "-").replace("\ufffe", "-"))
        if not cleaned.strip():
            continue
        line = _line(raw, text, begin, end, cleaned) if geometry else Line(cleaned)
        lines.append(replace(line, after_gap=gap) if gap else line)
    return lines


def _line(raw, text: str, begin: int, end: int, cleaned: str) -> Line:
    """``cleaned`` with the box of its first and last printed characters and the width of its first word."""
    printed = [i for i in range(begin, end) if not text[i].isspace() and text[i] not in _LINE_END_HYPHENS]
    if not printed:
        return Line(cleaned)
    first, last = printed[0], printed[-1]
    word_end = first
    while word_end + 1 < end and not text[word_end + 1].isspace():
        word_end += 1
    left = _box(raw, first)
    right = _box(raw, last)
    word = _box(raw, word_end)
    x, y = ctypes.c_double(), ctypes.c_double()
    size = pdfium_c.FPDFText_GetFontSize(raw, first)
    if left is None or right is None or word is None or size <= 0 \
            or not pdfium_c.FPDFText_GetCharOrigin(raw, first, x, y):
        return Line(cleaned)
    return Line(cleaned, Box(left=left[0], right=right[1], baseline=y.value, size=size,
                             first_word_width=word[1] - left[0]))


def _box(raw, index: int) -> tuple[float, float] | None:
    """Left and right edge of one character, or None where PDFium has no box for it."""
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    if not pdfium_c.FPDFText_GetCharBox(raw, index, left, right, bottom, top):
        return None
    return left.value, right.value


def _column_gap(raw, index: int) -> bool:
    """A space between two words on one baseline that stand far apart (a gutter between columns)."""
    before, after = _box(raw, index - 1), _box(raw, index + 1)
    size = pdfium_c.FPDFText_GetFontSize(raw, index - 1)
    return before is not None and after is not None and size > 0 and after[0] - before[1] > 3 * size


def _short(exc: BaseException) -> str:
    """PDFium's own wording without pypdfium2's trailing punctuation, as a lower-case clause."""
    message = str(exc).strip().rstrip(".") or "unreadable page"
    return message[0].lower() + message[1:]
