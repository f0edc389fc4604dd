"""A strip of bars, one per sentence in document order: up for positive, down for negative.

Painted by hand because it has to stay cheap with thousands of sentences: when there are more
sentences than fit (one bar per two pixels), each bar shows the mean of the sentences it covers. Clicking a
bar asks the document view to select that sentence, so the chart doubles as a map of the document.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from sqzdesk.engine import SentenceSentiment

POSITIVE = QColor("#2f9e44")
NEGATIVE = QColor("#e03131")
NEUTRAL = QColor("#adb5bd")


def signed(s: SentenceSentiment) -> float:
    """-1..1: how far the sentence leans negative or positive (0 at an even split)."""
    lean = 2.0 * s.score - 1.0
    return lean if s.label == "positive" else -lean


class SentimentChart(QWidget):
    sentence_clicked = Signal(int)  # index into the sentences given

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sentences: list[SentenceSentiment] = []
        self._value_sum = [0.0]   # prefix sums of signed(), so a bar over many sentences costs O(1)
        self._sure_count = [0]    # prefix counts of sentences that are not uncertain
        self._neutral_below = 0.0
        self._current: int | None = None
        self.setMinimumHeight(70)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("")

    def sizeHint(self) -> QSize:
        return QSize(300, 84)

    def set_neutral_below(self, value: float) -> None:
        self._neutral_below = value
        sentences, self._sentences = self._sentences, []
        self._value_sum, self._sure_count = [0.0], [0]
        self.add_sentences(sentences)

    def add_sentences(self, sentences: Sequence[SentenceSentiment]) -> None:
        for s in sentences:
            self._sentences.append(s)
            self._value_sum.append(self._value_sum[-1] + signed(s))
            self._sure_count.append(self._sure_count[-1] + (not self.is_neutral(s)))
        self.update()

    def clear(self) -> None:
        self._sentences, self._current = [], None
        self._value_sum, self._sure_count = [0.0], [0]
        self.update()

    @property
    def uncertain_count(self) -> int:
        return len(self._sentences) - self._sure_count[-1]

    @property
    def sentences(self) -> list[SentenceSentiment]:
        return self._sentences

    def set_current(self, index: int | None) -> None:
        self._current = index
        self.update()

    def is_neutral(self, s: SentenceSentiment) -> bool:
        return s.score < self._neutral_below

    # --- geometry --------------------------------------------------------------------------------

    def _plot(self) -> QRectF:
        return QRectF(self.rect()).adjusted(2, 4, -2, -4)

    def index_at(self, x: float) -> int | None:
        n = len(self._sentences)
        plot = self._plot()
        if not n or plot.width() <= 0:
            return None
        i = int((x - plot.left()) * n / plot.width())
        return min(max(i, 0), n - 1)

    def bar_center(self, index: int) -> QPointF:
        plot = self._plot()
        n = max(1, len(self._sentences))
        return QPointF(plot.left() + (index + 0.5) * plot.width() / n, plot.center().y())

    # --- painting --------------------------------------------------------------------------------

    def columns(self, count: int) -> list[tuple[float, bool]]:
        """(signed value, all uncertain) for ``count`` equal slices of the sentence list."""
        n = len(self._sentences)
        out = []
        for c in range(count):
            lo = c * n // count
            hi = max(lo + 1, (c + 1) * n // count)
            value = (self._value_sum[hi] - self._value_sum[lo]) / (hi - lo)
            out.append((value, self._sure_count[hi] == self._sure_count[lo]))
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()  # not left to the garbage collector: a frame kept alive (a traceback) keeps the painter

    def _paint(self, p: QPainter) -> None:
        plot = self._plot()
        p.fillRect(self.rect(), self.palette().base())
        mid = plot.center().y()
        half = plot.height() / 2
        p.setPen(QPen(self.palette().mid().color(), 1))
        p.drawLine(QPointF(plot.left(), mid), QPointF(plot.right(), mid))
        n = len(self._sentences)
        if not n:
            p.setPen(self.palette().placeholderText().color())
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "no sentences yet")
            return
        # At most one bar per two pixels: beyond that each bar is the mean of its sentences, which
        # keeps painting cheap for a book-length document.
        count = min(n, max(1, int(plot.width() // 2)))
        width = plot.width() / count
        gap = 1.0 if width >= 4 else 0.0
        rects: dict[str, list[QRectF]] = {"pos": [], "neg": [], "neutral": []}
        for c, (value, neutral) in enumerate(self.columns(count)):
            h = max(2.0, abs(value) * half)
            kind = "neutral" if neutral else ("pos" if value >= 0 else "neg")
            rects[kind].append(QRectF(plot.left() + c * width, mid - h if value >= 0 else mid,
                                      max(width - gap, 1.0), h))
        p.setPen(Qt.PenStyle.NoPen)
        for kind, colour in (("pos", POSITIVE), ("neg", NEGATIVE), ("neutral", NEUTRAL)):
            if rects[kind]:
                p.setBrush(colour)
                p.drawRects(rects[kind])
        if self._current is not None and 0 <= self._current < n:
            c = self._current * count // n
            p.setPen(QPen(self.palette().text().color(), 1.5))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(plot.left() + c * width - 1, plot.top(), max(width, 1.0) + 2, plot.height()))

    # --- interaction -----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            index = self.index_at(event.position().x())
            if index is not None:
                self.set_current(index)
                self.sentence_clicked.emit(index)
                return
        super().mousePressEvent(event)

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            index = self.index_at(event.pos().x())
            if index is None:
                QToolTip.hideText()
            else:
                s = self._sentences[index]
                label = "uncertain" if self.is_neutral(s) else s.label
                QToolTip.showText(event.globalPos(), f"Sentence {index + 1} of {len(self._sentences)}: "
                                  f"{label} ({s.score:.2f}) — click to show it", self)
            return True
        return super().event(event)
