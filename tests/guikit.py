"""Helpers for the GUI tests: a window on the tiny bundles, and ways to read back what it shows.

Everything here reads the real widgets (extra selections, cursors, panel states); the engine is never
mocked. Reference results come from the same engine on the same text with the engine's default batch
size (the GUI's too) and one thread, so the predictions are identical to the ones the window received.

No helper here measures time: what the GUI tests check about long work is counted (chunk signals,
event-loop turns between them), so a busy machine makes them slower, never red.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from helpers import NEWS  # noqa: F401  (the one news text every test uses; GUI tests take it from here)
from PySide6.QtCore import Qt, QTimer

from sqzdesk.engine import Analyzer, Answer, Entity, QAModel
from sqzdesk.gui.document_tab import DocumentTab, TabState
from sqzdesk.gui.document_view import ENTITY_LABEL, LAYER, DocumentView
from sqzdesk.gui.main_window import MainWindow
from sqzdesk.gui.settings import Settings, SettingsStore
from sqzdesk.gui.worker import WorkerHost


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


def open_and_wait(qtbot, window: MainWindow, path: Path, state: TabState = TabState.DONE) -> DocumentTab:
    assert window.open_path(path)
    tab = window.current_tab()
    assert tab is not None
    qtbot.waitUntil(lambda: tab.state == state, timeout=30_000)
    tab.view.flush()
    return tab


def reference_analyzer() -> Analyzer:
    return Analyzer.open(threads=1)


def engine_entities(text: str) -> list[Entity]:
    return list(reference_analyzer().analyze(text).entities)


def engine_answers(question: str, context: str, threshold: float | None = None) -> list[Answer]:
    model = QAModel.open(threads=1)
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


@dataclass
class Steps:
    """What the GUI thread saw of one analysis: the turns of its event loop counted at each chunk."""

    ticks: int = 0                                      # turns of the GUI event loop so far
    at_chunk: list[int] = field(default_factory=list)   # ``ticks`` when each chunk_ready was delivered
    spans: list[tuple[int, int]] = field(default_factory=list)

    def turns_between_chunks(self) -> list[int]:
        return [b - a for a, b in zip(self.at_chunk, self.at_chunk[1:], strict=False)]


def analyse_in_steps(qtbot, window: MainWindow, path: Path) -> tuple[DocumentTab, Steps]:
    """Open ``path`` and count, with a 0 ms timer, the GUI event loop's turns between chunk deliveries.

    Whether the loop turns between two chunks would otherwise depend on the machine's speed (two
    chunks queued back to back are delivered in one go), so the engine thread is held after emitting
    each chunk until the GUI thread has received that chunk and turned its loop once more: with that, a
    window whose GUI thread ran the analysis itself, or waited for it, or got the whole document in one
    signal, fails these counts, and a slow machine only makes the test slower.
    """
    steps = Steps()
    resume = threading.Event()
    released: list[int] = []   # chunk numbers the GUI has let the engine go on after

    def tick() -> None:
        steps.ticks += 1
        if len(released) < len(steps.at_chunk) and steps.ticks > steps.at_chunk[-1]:
            released.append(len(steps.at_chunk))
            resume.set()

    def delivered(job, chunk) -> None:  # GUI thread
        steps.at_chunk.append(steps.ticks)
        steps.spans.append((chunk.start, chunk.end))

    def emitted(job, chunk) -> None:   # engine thread, right after each chunk_ready emit
        assert resume.wait(60), "the GUI thread did not turn its event loop after a chunk"
        resume.clear()

    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(tick)
    host: WorkerHost = window.host
    host.chunk_ready.connect(delivered)
    host.chunk_ready.connect(emitted, Qt.ConnectionType.DirectConnection)
    timer.start()
    try:
        tab = open_and_wait(qtbot, window, path)
    finally:
        timer.stop()
        host.chunk_ready.disconnect(emitted)
        host.chunk_ready.disconnect(delivered)
        resume.set()
    return tab, steps
