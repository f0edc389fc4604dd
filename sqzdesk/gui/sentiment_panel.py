"""The document's sentiment, the rule behind it, the per-sentence chart and the tint switch.

The document's label and score are the engine's (``AnalysisChunk.document`` while the analysis runs,
``Analysis.sentiment`` at the end): a short document read in passages of consecutive sentences (the mean
of the passages' probabilities), a long one the mean of its sentences' (``engine.sentiment`` says why).
The panel says which in words, with the sentences' own labels counted beside it, as the chart shows them
("Positive 0.64 — read in passages; 35 sentences: 21 positive, 10 negative, 4 uncertain", or "— mean of
35 sentences"); after passages the two can differ, because a passage reads each sentence with its
neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from sqzdesk.engine import SentenceSentiment, Sentiment
from sqzdesk.engine.sentiment import PASSAGE_CHARS, read_in_passages
from sqzdesk.gui.sentiment_chart import NEGATIVE, NEUTRAL, POSITIVE, SentimentChart

MIXED = QColor("#6c757d")  # the uncertain bars' grey, dark enough for the headline's text


class SentimentPanel(QWidget):
    sentence_clicked = Signal(int)
    tint_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.overall = QLabel("Waiting for the analysis…")
        self.overall.setTextFormat(Qt.TextFormat.RichText)
        self.overall.setWordWrap(True)
        self.counts = QLabel("")
        self.counts.setTextFormat(Qt.TextFormat.RichText)
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
        self._neutral_below = 0.0
        self._document: Sentiment | None = None
        self._final = False
        self._in_passages = True

    def set_unavailable(self, reason: str) -> None:
        """No sentiment model: say so instead of showing an empty chart."""
        self._unavailable = True
        self.overall.setText("<b>Sentiment unavailable</b>")
        self.counts.setText(f"No sentiment model is installed. {reason}")
        self.chart.hide()
        self.tint.hide()

    def set_folded(self, folded: bool) -> None:
        """Folded, the headline alone stays (label, score, rule); the counts, chart and tint switch go."""
        self.counts.setVisible(not folded)
        self.chart.setVisible(not folded and not self._unavailable)
        self.tint.setVisible(not folded and not self._unavailable)

    @property
    def document(self) -> Sentiment | None:
        """The document sentiment shown (the engine's, over the sentences shown)."""
        return self._document

    def set_tint(self, on: bool) -> None:
        self.tint.blockSignals(True)
        self.tint.setChecked(on)
        self.tint.blockSignals(False)

    def set_neutral_below(self, value: float) -> None:
        self._neutral_below = value
        self.chart.set_neutral_below(value)
        self._positive = self._counted = 0
        if self.chart.sentences:
            self._update_counts()

    def add_sentences(self, sentences: Sequence[SentenceSentiment]) -> None:
        self.chart.add_sentences(sentences)
        self._update_counts()

    def set_document_length(self, length: int) -> None:
        """The analysed text's length in characters, which decides the engine's document rule."""
        self._in_passages = read_in_passages(length)
        if self.chart.sentences:
            self._update_counts()

    def set_overall(self, sentiment: Sentiment | None, final: bool) -> None:
        """The engine's document sentiment over every sentence shown so far (``final``: all of them)."""
        if self._unavailable:
            return
        self._document, self._final = sentiment, final
        self._update_counts()

    def set_message(self, text: str) -> None:
        if not self._unavailable:
            self.overall.setText(text)
            self.overall.setToolTip("")

    def _update_counts(self) -> None:
        """The headline (label, score, how the text was read) and how its sentences lean, each judged alone."""
        sentences = self.chart.sentences
        n = len(sentences)
        neutral = self.chart.uncertain_count
        pos = self._positive = self._positive + sum(
            1 for s in sentences[self._counted:] if s.label == "positive" and not self.chart.is_neutral(s))
        self._counted = n
        neg = n - neutral - pos
        parts = [f"<span style='color:{POSITIVE.name()}'>■</span>&nbsp;{pos}&nbsp;positive",
                 f"<span style='color:{NEGATIVE.name()}'>■</span>&nbsp;{neg}&nbsp;negative"]
        if self._neutral_below > 0:
            parts.append(f"<span style='color:{NEUTRAL.name()}'>■</span>&nbsp;{neutral}&nbsp;uncertain")
        self.counts.setText(", ".join(parts) if n else "")
        tip = self._rule_tip(n)
        self.counts.setToolTip(tip)
        if self._unavailable:
            return
        document = self._document
        if document is None:
            if self._final or n:
                self.overall.setText("<b>No sentiment</b>")
                self.overall.setToolTip("")
                self.counts.setText("No sentence with words to judge." if not n else self.counts.text())
            return
        colour = MIXED if document.mixed else POSITIVE if document.label == "positive" else NEGATIVE
        name = "Mixed" if document.mixed else document.label.capitalize()
        lean = f"(leans {document.label}) " if document.mixed else ""
        suffix = "" if self._final else " <i>(so far)</i>"
        self.overall.setText(f"<span style='font-size:15pt; color:{colour.name()}'><b>"
                             f"{name}</b></span>&nbsp; {lean}score&nbsp;{document.score:.2f} — "
                             f"{'read in passages; ' if self._in_passages else 'mean of '}"
                             f"{n}&nbsp;sentence{'' if n == 1 else 's'}{suffix}")
        self.overall.setToolTip(tip)

    def _rule_tip(self, n: int) -> str:
        if self._document is None:
            return ""
        uncertain = (f" A sentence scored below {self._neutral_below:.2f} is counted as uncertain."
                     if self._neutral_below > 0 else "")
        so_far = "" if self._final else " (so far: the rest of the document is still being analysed)"
        unit = "passages" if self._in_passages else "sentences"
        mixed = (f" Under {self._neutral_below:.2f} the document is called mixed: its {unit} pull both ways "
                 "and the label is only a lean." if self._neutral_below > 0 else "")
        words = " Lines without words (tables of numbers, dates) get no sentiment and do not count."
        if not self._in_passages:
            return (f"Each sentence gets a probability for each label. The document's score is the mean of those "
                    f"probabilities over its {n} sentence{'s' if n != 1 else ''}{so_far}, every sentence counting "
                    f"the same (a document over {PASSAGE_CHARS:,} characters is not read again in passages); its "
                    f"label is the likelier one.{mixed}{uncertain}{words}")
        return (f"The document is read in passages: consecutive sentences, about a paragraph each. Its score is "
                f"the mean of the passages' probabilities, each weighted by its length{so_far}; its label is the "
                f"likelier one.{mixed} Each of its {n} sentence{'s' if n != 1 else ''} is also judged alone, for "
                f"the chart and the tint; a passage reads a sentence with its neighbours (\"I expected to hate "
                f"it. I didn't.\"), so the two can differ.{uncertain}{words}")

    def clear(self) -> None:
        self.chart.clear()
        self._positive = self._counted = 0
        self._document, self._final = None, False
        self.counts.setText("")
        self.counts.setToolTip("")
        self.overall.setToolTip("")
        self.set_message("Waiting for the analysis…")
