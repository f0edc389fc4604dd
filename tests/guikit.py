"""Helpers for the GUI tests: a window on the tiny bundles, and ways to read back what it shows.

Everything here reads the real widgets (extra selections, cursors, panel states); the engine is never
mocked. Reference results come from the same engine on the same text with the GUI's batch size and
one thread, so the predictions are identical to the ones the window received.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QTimer

from sqzdesk.engine import Analyzer, Answer, Entity, QAModel
from sqzdesk.gui.document_tab import DocumentTab
from sqzdesk.gui.document_view import ENTITY_LABEL, LAYER, DocumentView
from sqzdesk.gui.main_window import MainWindow
from sqzdesk.gui.settings import Settings, SettingsStore
from sqzdesk.gui.worker import GUI_BATCH_SIZE

NEWS = (
    "Angela Merkel met the Acme Corporation board in Berlin on Monday. The talks went well and "
    "everyone praised the wonderful new factory.\n\n"
    "In Paris, the city council said the plan was terrible for the river. Critics in London called "
    "the price awful.\n\n"
    "What did Angela Merkel visit? She visited the tower in Paris with the analyst from Germany.\n"
)


def long_text(n_chars: int) -> str:
    """A realistic-looking long report: many short paragraphs with names, places and opinions."""
    paragraphs = NEWS.split("\n\n")
    out, k = [], 0
    while sum(map(len, out)) < n_chars:
        out.append(f"Section {k}. " + paragraphs[k % len(paragraphs)].strip())
        k += 1
    return "\n\n".join(out) + "\n"


def make_window(qtbot, **settings) -> MainWindow:
    """A shown main window using one engine thread; ``settings`` override the defaults first."""
    store = SettingsStore()
    store.save(replace(Settings(threads=1), **settings))
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.models is not None, timeout=20_000)
    return window


def open_and_wait(qtbot, window: MainWindow, path: Path, state: str = "done") -> DocumentTab:
    assert window.open_path(path)
    tab = window.current_tab()
    assert tab is not None
    qtbot.waitUntil(lambda: tab.state == state, timeout=30_000)
    tab.view.flush()
    return tab


def reference_analyzer() -> Analyzer:
    analyzer = Analyzer.open(threads=1)
    for model in (analyzer.sentiment, analyzer.entities):
        if model is not None:
            model.batch_size = GUI_BATCH_SIZE
    return analyzer


def engine_entities(text: str) -> list[Entity]:
    return list(reference_analyzer().analyze(text).entities)


def engine_answers(question: str, context: str, threshold: float | None = None) -> list[Answer]:
    model = QAModel.open(threads=1)
    model.batch_size = GUI_BATCH_SIZE
    return model.ask(question, context, top_k=3, threshold=threshold)


def applied(view: DocumentView, layer: str) -> list[tuple[int, int, str]]:
    """(start, end, key) in code points of the extra selections of one layer that Qt really holds."""
    out = []
    for sel in view.extraSelections():
        if sel.format.property(LAYER) != layer:
            continue
        start, end = view.span_of(sel.cursor)
        key = sel.format.property(ENTITY_LABEL) if layer == "entity" else sel.format.background().color().name()
        out.append((start, end, key))
    return sorted(out)


def selected_text(view: DocumentView, start: int, end: int) -> str:
    """What Qt shows between two engine offsets (paragraph separators back to newlines)."""
    return view.cursor_for(start, end).selectedText().replace("\u2029", "\n")


def drop_paths(widget, paths) -> bool:
    """Drag local files over ``widget`` and drop them, as a file manager does; returns whether the
    drag was accepted. (QDragEnterEvent takes an integer QPoint, QDropEvent a QPointF.)"""
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    x, y = widget.width() // 2, widget.height() // 2
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPoint(x, y), *args)
    QApplication.sendEvent(widget, enter)
    if enter.isAccepted():
        QApplication.sendEvent(widget, QDropEvent(QPointF(x, y), *args))
    return enter.isAccepted()


def event_loop_gaps(qtbot, window: MainWindow, path: Path) -> tuple[DocumentTab, int, list[float]]:
    """Open ``path`` and record the gaps between 10 ms timer ticks on the GUI thread while it is analysed.
    Measuring starts after the first chunk, so the tab's first layout and paint (Qt's one-off cost of
    showing a document, whatever runs in the background) is not counted. Returns the tab, the chunks done
    when measuring started, and the gaps in seconds."""
    gaps: list[float] = []
    last = [0.0]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    assert window.open_path(path)
    tab = window.current_tab()
    qtbot.waitUntil(lambda: tab.chunks_done >= 1, timeout=20_000)
    first = tab.chunks_done
    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(tick)
    last[0] = time.perf_counter()
    probe.start()
    qtbot.waitUntil(lambda: tab.state == "done", timeout=60_000)
    probe.stop()
    return tab, first, gaps
