"""OCR for PDF pages without a text layer (scans), through the optional ``ocr`` extra. No Qt.

The extra installs RapidOCR 3 (PP-OCR detection and recognition models in ONNX, run by the same
onnxruntime as the app's own models) with OpenCV *headless*: the full ``opencv-python`` wheel carries
its own Qt plugins and points Qt's plugin path at them on import, which breaks PySide6 in the same
process. RapidOCR is never allowed near its downloader: the engine is built from ONNX sessions made here,
from the model files inside the installed wheel, so a missing or damaged file is a one-line error and
never a network request (the app is offline).

Everything from the extra is imported on first use, so the app without it pays nothing and says how to
get it (:data:`INSTALL_HINT`). :func:`recognise` turns one rendered page into printed lines in PDF
points, the same :class:`~.reflow.Line` values the text layer gives, so OCR text goes through the same
reflow into paragraphs.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import DocumentError, Page
from .reflow import Box, Line

INSTALL_HINT = 'install OCR with pip install "sqzdesk[ocr]"'
OCR_PACKAGE = "rapidocr"
# PP-OCR's files as the rapidocr 3.x wheels name them: detection, recognition (its character list is in
# the model's metadata, so no dictionary file is needed).
DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
# Pages are rendered at this resolution: printed body text (9-12 pt) is then 25-35 px high, which the
# recogniser (48 px input) reads best; more only makes detection slower.
RENDER_DPI = 200.0
MAX_SIDE_PX = 2400  # a poster-sized page is rendered smaller rather than into a huge bitmap
MAX_THREADS = 4
DET_SIDE_PX = 1280  # the text detector's input, longest side; recognition reads the rendered page
# Text boxes of one printed line overlap vertically by at least this share of the smaller box.
_SAME_LINE = 0.5
# A gap wider than this many line heights between two boxes of one line: columns or table cells, as the
# text layer's reader splits them (see reflow).
_WIDE_GAP = 3.0
# The detector's box is taller than the type: the font size is about this share of the box height.
_SIZE_SHARE = 0.75

log = logging.getLogger(__name__)


class OcrUnavailable(DocumentError):
    """The ``ocr`` extra is not installed (or its models are missing): the reason says how to fix it."""


class ReadCancelled(DocumentError):
    """Reading stopped because the caller's ``should_stop`` said so (the GUI's Cancel)."""

    def __init__(self, message: str = "reading cancelled") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class ReadHooks:
    """What a slow read reports and how it is stopped; both are called on the reading thread.

    ``progress(done, total, page)``: before OCR of the ``done + 1``-th of ``total`` scanned pages, which
    is page number ``page`` (so a GUI can say "OCR page 3 of 12"), and once more with ``done == total``.
    ``should_stop()``: asked before each page; True stops the read with :class:`ReadCancelled`.
    """

    progress: Callable[[int, int, int], None] | None = None
    should_stop: Callable[[], bool] | None = None

    def report(self, done: int, total: int, page: int) -> None:
        if self.progress is not None:
            self.progress(done, total, page)

    def check(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise ReadCancelled()


def install_hint() -> str:
    """How to get OCR: :data:`INSTALL_HINT`, prefixed in the standalone binary, which never has it."""
    if getattr(sys, "frozen", False):
        return 'the standalone binary has no OCR: install sqzdesk with pip install "sqzdesk[ocr]" to read scans'
    return INSTALL_HINT


def available() -> bool:
    """Whether the extra looks installed (cheap: nothing is imported)."""
    try:
        return importlib.util.find_spec(OCR_PACKAGE) is not None and importlib.util.find_spec("cv2") is not None
    except (ImportError, ValueError):
        return False


def default_threads() -> int:
    """Threads for the OCR sessions: at most :data:`MAX_THREADS` and never more than the machine has."""
    return max(1, min(MAX_THREADS, os.cpu_count() or 1))


_engine: Any = None
_engine_lock = threading.Lock()
_run_lock = threading.Lock()
_threads = default_threads()


def set_threads(threads: int) -> None:
    """Bound the OCR sessions' threads by the engine's (the settings' thread count, ``--threads``); 0 or
    less: the default. Never more than :data:`MAX_THREADS`; takes effect for the next engine."""
    global _threads, _engine
    threads = default_threads() if threads <= 0 else min(int(threads), default_threads())
    with _engine_lock:
        if threads != _threads:
            _threads, _engine = threads, None


def threads() -> int:
    """Threads the next OCR engine gets."""
    return _threads


def engine() -> Any:
    """The shared RapidOCR engine, built on first use; :class:`OcrUnavailable` says why there is none."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = _build(_threads)
        return _engine


def _build(threads: int) -> Any:
    try:
        from rapidocr import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable(f"OCR is not installed ({exc.name or 'rapidocr'} missing): {install_hint()}") from exc
    spec = importlib.util.find_spec(OCR_PACKAGE)
    models = Path(spec.origin).parent / "models" if spec and spec.origin else Path()
    det, rec = _model(models, DET_MODEL, "det"), _model(models, REC_MODEL, "rec")
    if det is None or rec is None:
        missing = [name for name, found in ((DET_MODEL, det), (REC_MODEL, rec)) if found is None]
        raise OcrUnavailable(f"OCR models missing from the installed rapidocr ({', '.join(missing)}): "
                             f"reinstall OCR with pip install \"sqzdesk[ocr]\"")
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)  # it logs every model path at INFO
    # Explicit model paths: RapidOCR then opens these files and never resolves (or fetches) a model of
    # its own; pages are rendered upright, so the orientation classifier is not loaded.
    try:
        engine = RapidOCR(params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.max_side_len": MAX_SIDE_PX,
            "Global.model_root_dir": str(models),
            # Detection on the page scaled to at most DET_SIDE_PX: at full size (RapidOCR's default) the
            # detector misses a short line on a clean white page and takes 3x as long.
            "Det.limit_type": "max",
            "Det.limit_side_len": DET_SIDE_PX,
            "Det.model_path": str(det),
            "Rec.model_path": str(rec),
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })
        engine._load_det_model()  # now, so a damaged model file fails here with this message
        engine._load_rec_model()
        return engine
    except Exception as exc:  # a damaged model file, or a config key renamed by a newer rapidocr
        raise OcrUnavailable(f"OCR could not start ({type(exc).__name__}: {exc}): "
                             f"reinstall OCR with pip install \"sqzdesk[ocr]\"") from exc


def _model(models: Path, name: str, task: str) -> Path | None:
    """The wheel's model file for ``task``: the known name, else the one ``*_<task>_*.onnx`` a newer 3.x
    wheel ships (RapidOCR renames them with each PP-OCR version); never a download."""
    if (models / name).is_file():
        return models / name
    found = sorted(models.glob(f"*_{task}_*.onnx")) if models.is_dir() else []
    return found[-1] if len(found) == 1 else None


def recognise(image: Any, scale: float, page_height: float) -> list[Line]:
    """The printed lines OCR finds in one rendered page (``image``: H x W x 3 BGR, uint8), top to bottom.

    ``scale`` is pixels per PDF point and ``page_height`` the page's height in points, so the lines'
    boxes are in the text layer's coordinates (y grows upwards) and the reflow treats them alike.
    """
    ocr = engine()
    try:
        with _run_lock:  # RapidOCR keeps per-call parameters on the instance
            result = ocr(image)
    except DocumentError:
        raise
    except Exception as exc:
        raise DocumentError(f"OCR failed ({type(exc).__name__})") from exc
    boxes = getattr(result, "boxes", None)
    texts = getattr(result, "txts", None)
    if boxes is None or texts is None:
        return []
    pieces = []
    for quad, text in zip(boxes, texts, strict=False):
        text = " ".join(str(text).split())
        if not text:
            continue
        xs = [float(point[0]) / scale for point in quad]
        ys = [page_height - float(point[1]) / scale for point in quad]
        pieces.append(_Piece(text, min(xs), max(xs), min(ys), max(ys)))
    return _lines(pieces)


@dataclass(frozen=True)
class _Piece:
    """One detected text box, in points (y up)."""

    text: str
    left: float
    right: float
    bottom: float
    top: float

    @property
    def height(self) -> float:
        return self.top - self.bottom


def _lines(pieces: Sequence[_Piece]) -> list[Line]:
    """Boxes grouped into printed lines (vertical overlap), each line's boxes left to right; a wide gap
    inside a line starts a new piece marked ``after_gap``, as the text layer's reader does."""
    rows: list[list[_Piece]] = []
    for piece in sorted(pieces, key=lambda p: -(p.top + p.bottom)):
        row = rows[-1] if rows else None
        if row is not None and _overlap(row[0], piece) >= _SAME_LINE * min(row[0].height, piece.height):
            row.append(piece)
        else:
            rows.append([piece])
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda p: p.left)
        height = max(p.height for p in row)
        group: list[_Piece] = [row[0]]
        after_gap = False
        for piece in row[1:]:
            if piece.left - group[-1].right > _WIDE_GAP * height:
                lines.append(_line(group, after_gap))
                group, after_gap = [piece], True
            else:
                group.append(piece)
        lines.append(_line(group, after_gap))
    return lines


def _overlap(a: _Piece, b: _Piece) -> float:
    return min(a.top, b.top) - max(a.bottom, b.bottom)


def _line(group: Sequence[_Piece], after_gap: bool) -> Line:
    text = " ".join(p.text for p in group)
    left, right = group[0].left, group[-1].right
    height = max(p.height for p in group)
    size = _SIZE_SHARE * height
    first = group[0]
    first_word = first.text.split(" ", 1)[0]
    # Where the first word ends is not known, only the box: assume evenly wide characters.
    word_width = (first.right - first.left) * len(first_word) / max(len(first.text), 1)
    baseline = min(p.bottom for p in group) + 0.2 * height
    return Line(text, Box(left=left, right=right, baseline=baseline, size=size, first_word_width=word_width),
                after_gap=after_gap)


def ocr_note(pages: Sequence[Page]) -> str:
    """The line a view shows above OCR'd text ("Pages 1-3, 5 read by OCR — check names and numbers"),
    or "" when no page was read by OCR. Recognition misreads look like real words and digits (``l`` for
    ``I``, ``0`` for ``O``), so the analyst is told where to look twice."""
    numbers = [page.number for page in pages if page.ocr]
    if not numbers:
        return ""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    spans = ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)
    if len(numbers) == len(pages):
        where = "All pages" if len(pages) > 1 else "This page"
    else:
        where = f"Page{'s' if len(numbers) > 1 else ''} {spans}"
    return f"{where} read by OCR — check names and numbers"
