"""The side column's sections (categories, sentiment, entities, questions), each foldable to one line.

With the Batch dock open on a laptop-height window every section sits at its minimum and the entity
list shows two rows. A section the analyst does not need right now folds to its header and its one-line
summary (the sentiment headline, the review counts, the question box), and the others get the room.
Folding is a setting (``Settings.folded``), so it holds for every tab and the next start; the header's
arrow button, the View menu (Alt+1-3) and the keyboard (Tab to the header, Space) all fold and unfold.

The panels decide what their summary is: each has ``set_folded(bool)`` and hides the rest itself.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QSplitter, QToolButton, QVBoxLayout, QWidget

QWIDGETSIZE_MAX = (1 << 24) - 1


class Section(StrEnum):
    CATEGORIES = "categories"  # custom classifiers' labels, shown while one runs
    SENTIMENT = "sentiment"
    ENTITIES = "entities"
    QUESTIONS = "questions"


class FoldableSection(QWidget):
    """A titled frame around one panel, with an arrow button in the title that folds the panel."""

    fold_toggled = Signal(str, bool)  # section name, folded: the user clicked the header

    def __init__(self, section: Section, title: str, body: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.body = body
        self.folded = False
        self.reopened = False  # opened since the splitter last shared its height (refold reads and clears it)
        self.header = QToolButton()
        self.header.setText(title)
        self.header.setCheckable(True)
        self.header.setChecked(True)  # checked: open
        self.header.setArrowType(Qt.ArrowType.DownArrow)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setAutoRaise(True)
        self.header.setStyleSheet("QToolButton { border: none; padding: 1px 0px; }")  # a title, not a button
        self.header.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.header.toggled.connect(self._clicked)
        self.frame = QFrame()
        self.frame.setFrameShape(QFrame.Shape.StyledPanel)
        inner = QVBoxLayout(self.frame)
        inner.setContentsMargins(8, 6, 8, 8)
        inner.addWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.frame, 1)
        self._tooltip()

    def _tooltip(self) -> None:
        what = "Show" if self.folded else "Fold"
        self.header.setToolTip(f"{what} the {self.header.text().lower()} section (View menu; Space)")

    def _clicked(self, open_: bool) -> None:
        self.set_folded(not open_)
        self.fold_toggled.emit(str(self.section), not open_)

    def set_folded(self, folded: bool) -> None:
        """Fold to the panel's summary line, or open again; the splitter around takes or gives the room."""
        self.header.blockSignals(True)
        self.header.setChecked(not folded)
        self.header.blockSignals(False)
        self.header.setArrowType(Qt.ArrowType.RightArrow if folded else Qt.ArrowType.DownArrow)
        if folded == self.folded:
            return
        self.folded = folded
        setter = getattr(self.body, "set_folded", None)
        if setter is not None:
            setter(folded)
        else:
            self.frame.setVisible(not folded)
        self._tooltip()
        if folded:
            for layout in (self.body.layout(), self.frame.layout(), self.layout()):
                if layout is not None:  # the hints without the widgets just hidden
                    layout.invalidate()
                    layout.activate()
            self._fit()
        else:
            self.setMinimumHeight(0)  # the panel's own minimum again
            self.setMaximumHeight(QWIDGETSIZE_MAX)
            self.reopened = True

    def folded_height(self) -> int:
        """The height of the header and the summary line(s) left open, wrapped at the section's width."""
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth() and self.width() > 0:
            return layout.totalHeightForWidth(self.width())
        return self.sizeHint().height()

    def _fit(self) -> None:
        """Folded, the section is exactly its summary's height: a splitter gives it no more and no less,
        also when the summary changes (a headline that wraps to two lines once the analysis is done)."""
        height = self.folded_height()
        if (self.minimumHeight(), self.maximumHeight()) != (height, height):
            self.setFixedHeight(height)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if self.folded and event.type() == QEvent.Type.LayoutRequest:
            self._fit()
        return handled

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.folded and event.size().width() != event.oldSize().width():
            self._fit()  # the summary wraps differently


def refold(splitter: QSplitter, open_sizes: dict[Section, int]) -> None:
    """Share a splitter's height again after sections folded or opened.

    A folded section gets its summary's height; an opened one the height it had before it was folded
    (``open_sizes``, kept here while it is folded); the sections that stayed open share what is left in
    proportion to their sizes now, so a fold and the opening after it give every size back. Hidden
    widgets (the Categories box when no classifier runs) keep theirs.
    """
    sizes = splitter.sizes()
    total = sum(sizes)
    if total <= 0:  # not laid out yet: the splitter shares by its stretch factors when shown
        return
    want = list(sizes)
    room = total
    staying: list[tuple[int, FoldableSection]] = []
    for i in range(splitter.count()):
        w = splitter.widget(i)
        if not isinstance(w, FoldableSection) or w.isHidden():
            room -= sizes[i]
        elif w.folded:
            if w.section not in open_sizes and sizes[i] > w.folded_height():
                open_sizes[w.section] = sizes[i]
            want[i] = w.folded_height()
            room -= want[i]
        elif w.reopened:  # the height it had before it folded; folded since the start: the height it asks for
            want[i] = max(open_sizes.pop(w.section, w.sizeHint().height()), w.minimumSizeHint().height())
            room -= want[i]
            w.reopened = False
        else:
            staying.append((i, w))
    asked = sum(sizes[i] for i, _ in staying)
    if asked > 0:
        for i, w in staying:
            want[i] = max(w.minimumSizeHint().height(), round(sizes[i] * room / asked))
    splitter.setSizes(want)


__all__ = ["FoldableSection", "Section", "refold"]
