"""Entities grouped by type, with counts, a show/hide checkbox per type and "show me every mention".

The model's four types always have a group; a pattern type (e-mail addresses, IBANs...) gets its group,
in a fixed place after them, when the document has one, and works exactly like the model's groups.
The tree is updated incrementally (a chunk's entities touch only their own rows) and repainted at
most a few times a second, because a long document streams in thousands of entities.

The review's state is shown here too: the document's counts per state above the tree, and a Reviewed
column (✓ accepted, ✗ rejected, + added) per entity and summed per type; the tab computes them from its
decisions (:meth:`EntityPanel.set_review`), the panel only draws them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from sqzdesk.engine import Entity
from sqzdesk.engine.manifest import ENTITY_TYPES
from sqzdesk.gui.entity_types import (
    display_rank,
    is_pattern,
    is_term_label,
    provenance,
    term_list_of,
    type_name,
)

if TYPE_CHECKING:
    from sqzdesk.gui.review import ReviewCounts

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
REVIEW_COLUMN = 2
REFRESH_MS = 250
EXPAND_AT_MOST = 12  # distinct entities in a type for its group to open by itself
# One line under the list (the side panel is short when the batch dock is open); the whole help is the
# list's tooltip, each row's tooltip says a click selects every mention
HINT = "In the text: A accept · R reject · E add"
HELP = ("Click a name to select every mention; untick a type to hide its highlights. "
        "In the text: A accept, R reject, E add the selection (right-click for more).")


def entity_key(e: Entity) -> tuple[str, str]:
    """Mentions that count as the same entity: same type, same text up to case and spacing."""
    return e.label, " ".join(e.text.split()).casefold()


def review_marks(counts: Counter[str]) -> str:
    """"✓2 ✗1 +1": accepted, rejected and added mentions ("" for none)."""
    marks = (("accepted", "✓"), ("rejected", "✗"), ("added", "+"))
    return " ".join(f"{sign}{counts[name]}" for name, sign in marks if counts.get(name))


def swatch(colour: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(QColor(colour))
    return QIcon(pix)


class EntityPanel(QWidget):
    occurrences_chosen = Signal(object)       # list[Entity]: every mention of the clicked entity
    visibility_changed = Signal(str, bool)    # entity type, shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Entity", "Mentions", "Reviewed"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSortingEnabled(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.headerItem().setToolTip(2, "✓ accepted · ✗ rejected · + added by the analyst")
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.itemClicked.connect(self._item_clicked)
        self.tree.itemActivated.connect(self._item_clicked)
        self.tree.setToolTip(HELP)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(placeholder-text);")
        self.review_label = QLabel("")  # the document's counts per review state
        self.review_label.setTextFormat(Qt.TextFormat.RichText)
        self.review_label.setWordWrap(True)
        self.review_label.setToolTip("A accept · R reject · Shift+A / Shift+R every mention · U undo · "
                                     "select text and press E to add · N / P next / previous entity")
        self.review_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.review_label)
        layout.addWidget(self.tree)
        layout.addWidget(self.note)
        self._groups: dict[str, QTreeWidgetItem] = {}
        self._rows: dict[tuple[str, str], QTreeWidgetItem] = {}
        self.mentions: dict[tuple[str, str], list[Entity]] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._colours: dict[str, str] = {}
        self._hidden: set[str] = set()
        self._model_missing: str | None = None
        self.review_rows: dict[tuple[str, str], Counter[str]] = {}  # entity key -> verdict -> mentions
        self.review_counts: ReviewCounts | None = None
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh.timeout.connect(self.flush)
        for label in ENTITY_TYPES:
            self._group(label)

    def set_unavailable(self, reason: str) -> None:
        """No entity model: the model's groups go, pattern entities are still listed."""
        self._model_missing = (f"No entity model is installed, so names are not found; e-mail addresses, "
                               f"phone numbers and other patterns still are. {reason}").strip()
        for label in ENTITY_TYPES:
            self._groups[label].setHidden(True)
        self.note.setText(self._model_missing)

    def set_available(self) -> None:
        self._model_missing = None
        for label in ENTITY_TYPES:
            self._groups[label].setHidden(False)
        self.note.setText(self._summary())

    def set_folded(self, folded: bool) -> None:
        """Folded, the review counts alone stay (once a review has begun); the list and its hint go."""
        self.tree.setVisible(not folded)
        self.note.setVisible(not folded)

    def set_note(self, text: str) -> None:
        self.note.setText(text)

    def set_style(self, colours: dict[str, str], hidden: Iterable[str]) -> None:
        self._colours = dict(colours)
        self._hidden = set(hidden)
        self.tree.blockSignals(True)
        for label, item in self._groups.items():
            item.setIcon(0, swatch(self._colours.get(label, "#dee2e6")))
            item.setCheckState(0, Qt.CheckState.Unchecked if label in self._hidden else Qt.CheckState.Checked)
        self.tree.blockSignals(False)

    def _group(self, label: str) -> QTreeWidgetItem:
        item = self._groups.get(label)
        if item is None:
            item = QTreeWidgetItem([type_name(label), "0"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setData(0, KEY_ROLE, label)
            found_by = ("found by pattern" if is_pattern(label) else "list match (your term lists)"
                        if is_term_label(label) else "found by the entity model")
            item.setToolTip(0, f"{label}, {found_by}: untick to hide these highlights")
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.blockSignals(True)
            item.setIcon(0, swatch(self._colours.get(label, "#dee2e6")))
            item.setCheckState(0, Qt.CheckState.Unchecked if label in self._hidden else Qt.CheckState.Checked)
            rank = display_rank(label)
            others = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
            at = next((i for i, other in enumerate(others)
                       if other is not None and display_rank(other.data(0, KEY_ROLE)) > rank), len(others))
            self.tree.insertTopLevelItem(at, item)
            self.tree.blockSignals(False)
            self._groups[label] = item
        return item

    def add_entities(self, entities: Sequence[Entity]) -> None:
        for e in entities:
            key = entity_key(e)
            self.mentions.setdefault(key, []).append(e)
            self._dirty.add(key)
        if entities and not self._refresh.isActive():
            self._refresh.start()

    def clear(self) -> None:
        """No results: the model's groups stay (empty), the others go until they are found again."""
        for label, item in list(self._groups.items()):
            if label in ENTITY_TYPES:
                item.takeChildren()
                item.setText(1, "0")
            else:
                self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
                del self._groups[label]
        self._rows, self.mentions, self._dirty = {}, {}, set()
        self._show_review()

    def flush(self) -> None:
        """Write the changed rows into the tree (coalesced: called by a timer, or directly)."""
        self._refresh.stop()
        if not self._dirty:
            return
        touched = set()
        self.tree.setUpdatesEnabled(False)
        # new rows in the order their first mentions come in the text: names with as many mentions keep it
        # (the sort by mentions below is stable), so the list reads the same every time
        for key in sorted(self._dirty, key=lambda k: self.mentions[k][0].start):
            row = self._rows.get(key)
            mentions = self.mentions[key]
            if row is None:
                row = QTreeWidgetItem([mentions[0].text.strip(), ""])
                row.setData(0, KEY_ROLE, key)
                row.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self._group(key[0]).addChild(row)
                self._rows[key] = row
            row.setData(1, Qt.ItemDataRole.DisplayRole, len(mentions))
            best = max(mentions, key=lambda m: m.score)
            how = provenance(best) if is_pattern(best.label) or term_list_of(best) else f"best score {best.score:.2f}"
            row.setToolTip(0, f"{key[0]} · {len(mentions)} mention(s) · {how} — "
                              "click to select every mention")
            touched.add(key[0])
        self._dirty.clear()
        for label in touched:
            group = self._group(label)
            for column in (0, 1):  # found again after an empty run: no longer greyed
                group.setData(column, Qt.ItemDataRole.ForegroundRole, None)
            group.sortChildren(1, Qt.SortOrder.DescendingOrder)
            total = sum(len(v) for k, v in self.mentions.items() if k[0] == label)
            group.setText(1, str(total))
        self.tree.setUpdatesEnabled(True)
        self._show_review()
        self.note.setText(self._summary())

    # --- review states ---------------------------------------------------------------------------

    def set_review(self, per_row: Mapping[tuple[str, str], Counter[str]], counts: ReviewCounts) -> None:
        """Decisions per entity row (verdict -> mentions) and the document's counts per state."""
        self.review_rows = {k: Counter(v) for k, v in per_row.items()}
        self.review_counts = counts
        self.review_label.setText(f"Review: <span style='color:#146c43'>✓ {counts.accepted} accepted</span> · "
                                  f"<span style='color:#6c757d'>✗ <s>{counts.rejected} rejected</s></span> · "
                                  f"<span style='color:#6f42c1'>+ {counts.added} added</span> · "
                                  f"{counts.unreviewed} to review")
        self.review_label.show()
        if not self._refresh.isActive():
            self._show_review()
            self.note.setText(self._summary())

    def _show_review(self) -> None:
        """The Reviewed column: ✓ accepted, ✗ rejected, + added, per row and summed per type."""
        totals: dict[str, Counter[str]] = {}
        for key, row in self._rows.items():
            c = self.review_rows.get(key, Counter())
            row.setText(REVIEW_COLUMN, review_marks(c))
            totals.setdefault(key[0], Counter()).update(c)
        for key, c in self.review_rows.items():  # added spans have no row of their own: counted in the type
            if key not in self._rows:
                totals.setdefault(key[0], Counter()).update(c)
        for label, group in self._groups.items():
            group.setText(REVIEW_COLUMN, review_marks(totals.get(label, Counter())))

    def finish(self) -> None:
        """The analysis is complete: groups with entities first, empty ones last and greyed; open the groups
        short enough to read at a glance."""
        self.flush()
        self._order_groups()
        for item in self._groups.values():
            item.setExpanded(0 < item.childCount() <= EXPAND_AT_MOST)

    def _order_groups(self) -> None:
        """Found types in display order, then the empty ones (greyed, "People 0" still says that no person
        was found): beside the batch dock the list shows two or three rows, and they should be found ones."""
        items = [item for i in range(self.tree.topLevelItemCount()) if (item := self.tree.topLevelItem(i)) is not None]
        order = sorted(items, key=lambda it: (it.childCount() == 0, display_rank(it.data(0, KEY_ROLE))))
        grey = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for item in items:
            for column in (0, 1):
                item.setData(column, Qt.ItemDataRole.ForegroundRole, grey if item.childCount() == 0 else None)
        if order == items:
            return
        self.tree.blockSignals(True)
        current = self.tree.currentItem()
        for item in items:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
        self.tree.addTopLevelItems(order)
        if current is not None:
            self.tree.setCurrentItem(current)
        self.tree.blockSignals(False)

    def _summary(self) -> str:
        if self._model_missing:
            return self._model_missing
        if not self.mentions:
            return ""
        return HINT

    def count(self, label: str) -> int:
        return sum(len(v) for k, v in self.mentions.items() if k[0] == label)

    def row(self, label: str, text: str) -> QTreeWidgetItem | None:
        """The tree row of an entity (tests and keyboard navigation)."""
        self.flush()
        return self._rows.get((label, " ".join(text.split()).casefold()))

    def _item_clicked(self, item: QTreeWidgetItem, column: int = 0) -> None:
        key = item.data(0, KEY_ROLE)
        if isinstance(key, tuple | list) and tuple(key) in self.mentions:
            self.occurrences_chosen.emit(list(self.mentions[tuple(key)]))

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        label = item.data(0, KEY_ROLE)
        if column == 0 and isinstance(label, str) and label in self._groups:
            shown = item.checkState(0) == Qt.CheckState.Checked
            if shown == (label in self._hidden):
                if shown:
                    self._hidden.discard(label)
                else:
                    self._hidden.add(label)
                self.visibility_changed.emit(label, shown)
