"""Who appears where: every entity across the result store, its documents and mentions (a dock).

A view over :func:`~sqzdesk.batch.entity_index.entity_index` (the latest analysis of each stored document,
the analyst's decisions applied: rejected mentions not counted, added ones counted). Reading the index
means reading every stored result, seconds for a large folder, so it is read off the GUI thread
(:class:`~sqzdesk.gui.background.Background`, with its own store connection); filtering by type and text
then works on the rows in memory, at every key press. Clicking an entity lists its mentions with a
line of context; double-clicking (or Enter on) a mention asks the window to open the document there.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sqzdesk.batch.entity_index import IndexedEntity, Mention, entity_index
from sqzdesk.batch.store import ResultStore
from sqzdesk.gui.background import Background
from sqzdesk.gui.entity_types import display_rank, type_name
from sqzdesk.gui.table_model import RowsTableModel

MENTION_ROLE = Qt.ItemDataRole.UserRole + 1
ALL_TYPES = ""
MAX_CONTEXTS = 200  # mentions given a line of context (each document read once, on a worker thread)


class EntityTableModel(RowsTableModel):
    COLUMNS = ("Entity", "Type", "Documents", "Mentions")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[IndexedEntity] = []

    def set_rows(self, rows: Sequence[IndexedEntity]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        e = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (e.text, e.label, e.documents, len(e.mentions))[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{type_name(e.label)} · in {e.documents} document(s), {len(e.mentions)} mention(s)"
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def mention_line(m: Mention) -> str:
    return f"“{m.text}” at character {m.start}"


def contexts(mentions: Sequence[Mention]) -> dict[Mention, str]:
    """A line of text around each mention, where its file still reads and still has the mention there
    (worker thread: this reads the documents)."""
    from sqzdesk.documents import DocumentError, read_document

    out: dict[Mention, str] = {}
    texts: dict[Path, str | None] = {}
    for m in mentions:
        if m.path not in texts:
            try:
                texts[m.path] = read_document(m.path).text
            except DocumentError:
                texts[m.path] = None
        text = texts[m.path]
        if text is None or text[m.start:m.end] != m.text:
            continue
        before = text[max(0, m.start - 50):m.start].split("\n")[-1]
        after = text[m.end:m.end + 50].split("\n")[0]
        out[m] = f"…{before}[{m.text}]{after}…"
    return out


class StoreView(QWidget):
    """The table of entities across the store, a type and text filter, and the chosen entity's mentions."""

    open_requested = Signal(object, int, int)  # Path, start, end (code points)
    loaded = Signal()

    def __init__(self, store_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self.all: list[IndexedEntity] = []
        self.background = Background(self)
        self._shown: IndexedEntity | None = None
        self.type_filter = QComboBox()
        self.type_filter.addItem("All types", ALL_TYPES)
        self.type_filter.currentIndexChanged.connect(self.apply_filter)
        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText("Filter by text…")
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.textChanged.connect(self.apply_filter)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the store again (after a batch, a review or a Forget)")
        self.refresh_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.type_filter)
        top.addWidget(self.text_filter, 1)
        top.addWidget(self.refresh_button)

        self.model = EntityTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)  # list-like rows
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _: self.show_mentions(current.row()))

        self.mentions = QTreeWidget()
        self.mentions.setHeaderLabels(["Document / mention"])
        self.mentions.setToolTip("Double-click a mention (or press Enter) to open the document there")
        self.mentions.itemActivated.connect(self._activated)
        self.mentions.itemDoubleClicked.connect(self._activated)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.mentions)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.status = QLabel("")
        self.status.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

    # ---- loading ---------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.background.running > 0

    def refresh(self) -> None:
        """Read the index again, on a worker thread with its own store connection."""
        self.status.setText("Reading the result store…")
        self.refresh_button.setEnabled(False)
        path = self.store_path

        def read() -> list[IndexedEntity]:
            with ResultStore(path) as store:
                return entity_index(store)

        self.background.run(read, self._loaded, name="sqzdesk-entity-index")

    def _loaded(self, rows: list[IndexedEntity] | None, error: BaseException | None) -> None:
        self.refresh_button.setEnabled(True)
        if error is not None:
            self.status.setText(f"Cannot read the result store: {error}")
            return
        self.all = rows or []
        wanted = self.type_filter.currentData()
        self.type_filter.blockSignals(True)
        self.type_filter.clear()
        self.type_filter.addItem("All types", ALL_TYPES)
        for label in sorted({e.label for e in self.all}, key=lambda lab: (display_rank(lab), lab)):
            self.type_filter.addItem(f"{type_name(label)} ({label})", label)
        at = self.type_filter.findData(wanted)
        self.type_filter.setCurrentIndex(max(0, at))
        self.type_filter.blockSignals(False)
        self.apply_filter()
        self.loaded.emit()

    # ---- filtering and mentions ------------------------------------------------------------------

    def apply_filter(self) -> None:
        label = self.type_filter.currentData() or ALL_TYPES
        needle = " ".join(self.text_filter.text().split()).casefold()
        rows = [e for e in self.all if (not label or e.label == label) and (not needle or needle in e.key[1])]
        self.model.set_rows(rows)
        self.mentions.clear()
        documents = len({p for e in rows for p in e.paths})
        if not self.all:
            self.status.setText("The result store holds no analysed folder yet: File → Batch folder… (Ctrl+B) "
                                "analyses one into it. Documents opened in tabs keep only their review decisions there.")
            return
        self.status.setText(f"{len(rows)} of {len(self.all)} entities, in {documents} document(s). "
                            "Click an entity for its mentions; double-click a mention to open it.")

    def show_mentions(self, row: int) -> None:
        self.mentions.clear()
        self._shown = None
        if not 0 <= row < len(self.model.rows):
            return
        entity = self._shown = self.model.rows[row]
        items: dict[Mention, QTreeWidgetItem] = {}
        for path in entity.paths:
            here = [m for m in entity.mentions if m.path == path]
            doc = QTreeWidgetItem([f"{path.name} — {len(here)} mention(s)"])
            doc.setToolTip(0, str(path))
            doc.setData(0, MENTION_ROLE, here[0])
            for m in here:
                item = QTreeWidgetItem([mention_line(m)])
                item.setToolTip(0, f"{path}, characters {m.start}–{m.end}")
                item.setData(0, MENTION_ROLE, m)
                doc.addChild(item)
                items[m] = item
            self.mentions.addTopLevelItem(doc)
            doc.setExpanded(True)
        shown = entity.mentions[:MAX_CONTEXTS]

        def fill(found: dict[Mention, str] | None, error: BaseException | None) -> None:
            if self._shown is not entity or not found:
                return  # another entity is shown by now, or no file could be read
            for m, line in found.items():
                items[m].setText(0, line)

        self.background.run(lambda: contexts(shown), fill, name="sqzdesk-mention-context")

    def select_entity(self, label: str, text: str) -> bool:
        """Select an entity's row (tests, and a future "show across the store" from a tab)."""
        for i, e in enumerate(self.model.rows):
            if e.label == label and e.key[1] == " ".join(text.split()).casefold():
                self.table.selectRow(i)
                self.show_mentions(i)
                return True
        return False

    def _activated(self, item: QTreeWidgetItem, column: int = 0) -> None:
        mention = item.data(0, MENTION_ROLE)
        if isinstance(mention, Mention):
            self.open_requested.emit(mention.path, mention.start, mention.end)
