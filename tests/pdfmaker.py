"""Write small but real PDFs for tests: a genuine text layer, a text-less "scan", an image-only scan of
printed text for OCR, an encrypted file.

``make_pdf`` and ``make_scanned_pdf`` use PDFium itself (through ``pypdfium2.raw``) so the files are
exactly what a real producer writes. PDFium cannot encrypt, so ``make_encrypted_pdf`` writes the file
by hand with the PDF standard security handler (revision 2, 40-bit RC4), using only the standard
library; the tests check PDFium really opens it with the right password, so the fixture is honest.
"""

from __future__ import annotations

import ctypes
import hashlib
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

PAGE_WIDTH = 612.0  # US Letter, in points
PAGE_HEIGHT = 792.0
FONT_SIZE = 12.0
LINE_HEIGHT = 16.0
MARGIN = 72.0


def make_pdf(path: str | Path, pages: list[str]) -> Path:
    """Write a PDF with one page per string; each line of a string becomes one Helvetica text object.

    Helvetica is one of the 14 standard fonts with WinAnsi encoding, so keep the text to Latin-1.
    """
    return make_placed_pdf(path, [[(MARGIN, PAGE_HEIGHT - MARGIN - LINE_HEIGHT * number, line)
                                   for number, line in enumerate(text.split("\n")) if line] for text in pages])


def make_placed_pdf(path: str | Path, pages: list[list[tuple[float, float, str]]]) -> Path:
    """Write a PDF whose text objects stand where the test says: ``(x, y, text)`` in points from the
    page's bottom left, in the order given (so a test can write two columns line by line, interleaved)."""
    document = pdfium_c.FPDF_CreateNewDocument()
    font = pdfium_c.FPDFText_LoadStandardFont(document, b"Helvetica")
    try:
        for index, placed in enumerate(pages):
            page = pdfium_c.FPDFPage_New(document, index, PAGE_WIDTH, PAGE_HEIGHT)
            try:
                for x, y, text in placed:
                    _add_text_at(document, page, font, text, x, y)
                _generate(page)
            finally:
                pdfium_c.FPDF_ClosePage(page)
    finally:
        pdfium_c.FPDFFont_Close(font)
    return _save(document, path)


def make_scanned_pdf(path: str | Path, n_pages: int) -> Path:
    """Write ``n_pages`` pages that each hold only a filled grey rectangle: no text layer at all."""
    document = pdfium_c.FPDF_CreateNewDocument()
    for index in range(n_pages):
        page = pdfium_c.FPDFPage_New(document, index, PAGE_WIDTH, PAGE_HEIGHT)
        try:
            rect = pdfium_c.FPDFPageObj_CreateNewRect(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, 300.0)
            pdfium_c.FPDFPageObj_SetFillColor(rect, 128, 128, 128, 255)
            pdfium_c.FPDFPath_SetDrawMode(rect, pdfium_c.FPDF_FILLMODE_ALTERNATE, False)
            pdfium_c.FPDFPage_InsertObject(page, rect)
            _generate(page)
        finally:
            pdfium_c.FPDF_ClosePage(page)
    return _save(document, path)


def _add_text_at(document, page, font, line: str, x: float, y: float) -> None:
    text_object = pdfium_c.FPDFPageObj_CreateTextObj(document, font, FONT_SIZE)
    encoded = (line + "\x00").encode("utf-16-le")
    buffer = (ctypes.c_ushort * (len(encoded) // 2)).from_buffer_copy(encoded)
    if not pdfium_c.FPDFText_SetText(text_object, buffer):
        raise RuntimeError(f"PDFium refused the text {line!r}")
    pdfium_c.FPDFPageObj_Transform(text_object, 1, 0, 0, 1, x, y)
    pdfium_c.FPDFPage_InsertObject(page, text_object)  # the page now owns the object


def _generate(page) -> None:
    if not pdfium_c.FPDFPage_GenerateContent(page):
        raise RuntimeError("PDFium could not generate the page content stream")


def _save(raw_document, path: str | Path) -> Path:
    path = Path(path)
    document = pdfium.PdfDocument(raw_document)  # the wrapper takes ownership and closes it
    try:
        document.save(path)
    finally:
        document.close()
    return path


# --- image-only "scans" for OCR ----------------------------------------------------------------------


def make_image_pdf(path: str | Path, pages: list[str], dpi: int = 300, noise: float = 0.01, seed: int = 0) -> Path:
    """Write a scan of ``pages``: each is printed as by :func:`make_pdf` (Helvetica 12 pt, one line per
    line), rendered by PDFium to a grey image at ``dpi``, speckled with ``noise`` (that share of the
    pixels set to random grey, from ``seed``: the same file every run) and stored as an image-only PDF
    by Pillow (JPEG in the PDF, as scanners write). Needs Pillow and numpy (the ``ocr`` extra brings them).
    """
    import numpy as np
    from PIL import Image

    path = Path(path)
    source = make_pdf(path.with_name(path.stem + ".text.pdf"), pages)
    rng = np.random.default_rng(seed)
    images = []
    document = pdfium.PdfDocument(source)
    try:
        for index in range(len(document)):
            page = document[index]
            try:
                bitmap = page.render(scale=dpi / 72.0, grayscale=True, fill_color=(255, 255, 255, 255))
                pixels = bitmap.to_numpy().reshape(bitmap.height, bitmap.width).copy()
                bitmap.close()
            finally:
                page.close()
            speckles = rng.random(pixels.shape) < noise
            pixels[speckles] = rng.integers(0, 256, int(speckles.sum()), dtype=np.uint8)
            images.append(Image.fromarray(pixels, "L"))
    finally:
        document.close()
    source.unlink()
    images[0].save(path, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:])
    return path


def join_pdfs(path: str | Path, sources: list[Path]) -> Path:
    """Write one PDF with the pages of ``sources`` in order (a text page then a scanned one, say)."""
    joined = pdfium.PdfDocument.new()
    try:
        for source in sources:
            document = pdfium.PdfDocument(source)
            try:
                joined.import_pages(document)
            finally:
                document.close()
        joined.save(path)
    finally:
        joined.close()
    return Path(path)


# --- encrypted PDFs, written by hand ----------------------------------------------------------------

# The 32-byte padding string from the PDF specification (ISO 32000-1, 7.6.3.3, Algorithm 2).
_PASSWORD_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
_FILE_ID = hashlib.md5(b"sqzdesk test fixture").digest()
_PERMISSIONS = -4  # every permission granted; bits 1-2 must be 0 and the upper bits 1


def make_encrypted_pdf(
    path: str | Path, pages: list[str], user_password: str = "secret", owner_password: str = "owner"
) -> Path:
    """Write a PDF encrypted with 40-bit RC4 (standard security handler, revision 2).

    With a non-empty ``user_password`` a reader must ask for it; with ``user_password=""`` the file
    opens without one (only the owner password restricts it), as many real "protected" PDFs do.
    Passwords must be Latin-1 (revision 2 predates Unicode passwords).
    """
    user = _pad(user_password)
    owner_key = hashlib.md5(_pad(owner_password)).digest()[:5]
    o_entry = _rc4(owner_key, user)
    key = hashlib.md5(user + o_entry + _PERMISSIONS.to_bytes(4, "little", signed=True) + _FILE_ID).digest()[
        :5
    ]
    u_entry = _rc4(key, _PASSWORD_PAD)

    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    encrypt_id = font_id + 1
    page_ids = [3 + 2 * i for i in range(n_pages)]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % i for i in page_ids)
        + b"] /Count %d >>" % n_pages,
        font_id: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        encrypt_id: b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (o_entry.hex().encode(), u_entry.hex().encode(), _PERMISSIONS),
    }
    for page_id, text in zip(page_ids, pages, strict=True):
        content_id = page_id + 1
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content_id, font_id)
        )
        stream = _rc4(_object_key(key, content_id), _content_stream(text))
        objects[content_id] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for object_id in sorted(objects):
        offsets[object_id] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (object_id, objects[object_id])
    xref_at = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for object_id in range(1, size):
        out += b"%010d 00000 n \n" % offsets[object_id]
    file_id = _FILE_ID.hex().encode()
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt %d 0 R /ID [<%s> <%s>] >>\n" % (
        size, encrypt_id, file_id, file_id
    )  # fmt: skip
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    path = Path(path)
    path.write_bytes(bytes(out))
    return path


def _content_stream(text: str) -> bytes:
    lines = [b"BT /F1 %d Tf %d TL %d %d Td" % (FONT_SIZE, LINE_HEIGHT, MARGIN, PAGE_HEIGHT - MARGIN)]
    for line in text.split("\n"):
        escaped = line.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        lines.append(b"(%s) Tj T*" % escaped)
    lines.append(b"ET")
    return b"\n".join(lines)


def _pad(password: str) -> bytes:
    return (password.encode("latin-1") + _PASSWORD_PAD)[:32]


def _object_key(key: bytes, object_id: int, generation: int = 0) -> bytes:
    """Algorithm 1: per-object RC4 key from the file key, object number and generation."""
    salt = object_id.to_bytes(3, "little") + generation.to_bytes(2, "little")
    return hashlib.md5(key + salt).digest()[: min(len(key) + 5, 16)]


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)
