"""The document's label from each custom classifier, and the choice of tinting sentences by one of them.

The labels are the engine's (``AnalysisChunk.document_classes`` while the analysis runs, the last
chunk's at the end): the classifier applied to the normalised mean of the document's sentence vectors.
The panel is hidden while no classifier runs on documents (Tools -> Classifiers and term lists), so a
user who never taught one sees the side panel as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from sqzdesk.engine.results import Classification

SENTIMENT_TINT = ""  # the tint combo's data for "by sentiment"
# Light shades, none used by the sentiment tint or the entity colours' most common types.
CLASS_TINTS = ("#dbe4ff", "#fff3bf", "#d3f9d8", "#ffe3e3", "#e5dbff", "#c5f6fa", "#ffe8cc", "#f3d9fa",
               "#e9fac8", "#e9ecef")


def class_colours(labels: Sequence[str]) -> dict[str, str]:
    """Each label of one classifier its tint, by its place in the classifier's (sorted) labels."""
    return {label: CLASS_TINTS[i % len(CLASS_TINTS)] for i, label in enumerate(labels)}


class CategoriesPanel(QWidget):
    tint_chosen = Signal(str)   # classifier name, or "" for the sentiment tint

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels = QLabel("")
        self.labels.setTextFormat(Qt.TextFormat.RichText)
        self.labels.setWordWrap(True)
        self.tint = QComboBox()
        self.tint.setToolTip("Colour each sentence by this classifier's label instead of by sentiment")
        self.tint.currentIndexChanged.connect(lambda _: self.tint_chosen.emit(self.tint.currentData() or ""))
        self.tint.currentIndexChanged.connect(lambda _: self._show_legend())
        self.legend = QLabel("")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Tint sentences by:", self.tint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.labels)
        layout.addLayout(form)
        layout.addWidget(self.legend)
        self._names: tuple[str, ...] = ()
        self._labels: dict[str, tuple[str, ...]] = {}
        self.document: dict[str, Classification | None] = {}
        self.final = False

    def set_classifiers(self, names: Sequence[str], labels: Mapping[str, tuple[str, ...]], tint: str) -> None:
        """The classifiers that run on documents (their labels, for the legend) and the tint chosen."""
        self._names, self._labels = tuple(names), dict(labels)
        self.tint.blockSignals(True)
        self.tint.clear()
        self.tint.addItem("sentiment", SENTIMENT_TINT)
        for name in self._names:
            self.tint.addItem(name, name)
        index = self.tint.findData(tint if tint in self._names else SENTIMENT_TINT)
        self.tint.setCurrentIndex(max(0, index))
        self.tint.blockSignals(False)
        self._show_legend()
        self._show()

    def set_document(self, classes: Mapping[str, Classification | None] | None, final: bool) -> None:
        self.document, self.final = dict(classes or {}), final
        self._show()

    def clear(self) -> None:
        self.set_document(None, False)

    def label_of(self, name: str) -> str | None:
        c = self.document.get(name)
        return c.label if c is not None else None

    def _show_legend(self) -> None:
        name = self.tint.currentData() or ""
        self.legend.setVisible(bool(name))  # an empty label would still take a line of the small box
        if not name:
            self.legend.setText("")
            return
        colours = class_colours(self._labels.get(name, ()))
        self.legend.setText(" ".join(f"<span style='background:{c}'>&nbsp;{label}&nbsp;</span>"
                                     for label, c in colours.items()))

    def _show(self) -> None:
        if not self._names:
            self.labels.setText("")
            return
        so_far = "" if self.final else " <i>(so far)</i>"
        rows = []
        for name in self._names:
            c = self.document.get(name)
            if c is None:
                value = "<i>waiting…</i>" if not self.final else "<i>no sentence with words</i>"
            else:
                value = f"<b>{c.label}</b> {c.score:.2f}{so_far}"
            rows.append(f"{name}: {value}")
        self.labels.setText("<br>".join(rows))
