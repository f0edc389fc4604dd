"""Overall sentiment, counts per label, the per-sentence chart and the tint switch for one document."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from sqzdesk.engine import SentenceSentiment, Sentiment
from sqzdesk.gui.sentiment_chart import NEGATIVE, NEUTRAL, POSITIVE, SentimentChart


class SentimentPanel(QWidget):
    sentence_clicked = Signal(int)
    tint_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.overall = QLabel("Waiting for the analysis…")
        self.overall.setTextFormat(Qt.TextFormat.RichText)
        self.counts = QLabel("")
        self.counts.setWordWrap(True)
        self.counts.setStyleSheet("color: palette(placeholder-text);")
        self.chart = SentimentChart()
        self.chart.sentence_clicked.connect(self.sentence_clicked)
        self.tint = QCheckBox("Tint sentences in the text")
        self.tint.setToolTip("Colour each sentence by its sentiment (Ctrl+T)")
        self.tint.toggled.connect(self.tint_toggled)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.overall)
        layout.addWidget(self.counts)
        layout.addWidget(self.chart)
        layout.addWidget(self.tint)
        self._unavailable = False
        self._positive = self._counted = 0  # counted incrementally: a long document has thousands

    def set_unavailable(self, reason: str) -> None:
        """No sentiment model: say so instead of showing an empty chart."""
        self._unavailable = True
        self.overall.setText("<b>Sentiment unavailable</b>")
        self.counts.setText(f"No sentiment model is installed. {reason}")
        self.chart.hide()
        self.tint.hide()

    def set_tint(self, on: bool) -> None:
        self.tint.blockSignals(True)
        self.tint.setChecked(on)
        self.tint.blockSignals(False)

    def set_neutral_below(self, value: float) -> None:
        self.chart.set_neutral_below(value)
        self._positive = self._counted = 0
        if self.chart.sentences:
            self._update_counts()

    def add_sentences(self, sentences: Sequence[SentenceSentiment]) -> None:
        self.chart.add_sentences(sentences)
        self._update_counts()

    def set_overall(self, sentiment: Sentiment | None, final: bool) -> None:
        if self._unavailable:
            return
        if sentiment is None:
            self.overall.setText("<b>No sentiment</b>")
            return
        colour = POSITIVE if sentiment.label == "positive" else NEGATIVE
        suffix = "" if final else " <i>(so far)</i>"
        self.overall.setText(f"<span style='font-size:15pt; color:{colour.name()}'><b>"
                             f"{sentiment.label.capitalize()}</b></span> &nbsp;score {sentiment.score:.2f}{suffix}")

    def set_message(self, text: str) -> None:
        if not self._unavailable:
            self.overall.setText(text)

    def _update_counts(self) -> None:
        sentences = self.chart.sentences
        neutral = self.chart.uncertain_count
        pos = self._positive = self._positive + sum(
            1 for s in sentences[self._counted:] if s.label == "positive" and not self.chart.is_neutral(s))
        self._counted = len(sentences)
        neg = len(sentences) - neutral - pos
        parts = [f"<span style='color:{POSITIVE.name()}'>■</span> {pos} positive",
                 f"<span style='color:{NEGATIVE.name()}'>■</span> {neg} negative"]
        if neutral:
            parts.append(f"<span style='color:{NEUTRAL.name()}'>■</span> {neutral} uncertain")
        self.counts.setText(" &nbsp; ".join(parts) + f" &nbsp;·&nbsp; {len(sentences)} sentences")

    def clear(self) -> None:
        self.chart.clear()
        self._positive = self._counted = 0
        self.counts.setText("")
        self.set_message("Waiting for the analysis…")
