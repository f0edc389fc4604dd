"""Slow store work (a whole folder's entity index, forgetting and compacting) off the GUI thread.

Not the engine's scheduler: that thread runs models, and a store read must not queue behind a long
document's analysis (nor an analysis behind a VACUUM). Each task runs on its own short-lived thread with
its own :class:`~sqzdesk.batch.store.ResultStore` connection (SQLite connections are not shared across
threads here), and its outcome comes back to the GUI thread through a queued signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any, BaseException | None], None]  # (value, error): exactly one of them is set


class Background(QObject):
    """Runs callables on worker threads; calls each ``done(value, error)`` back on the GUI thread."""

    _finished = Signal(object, object, object)  # done, value, error

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.running = 0
        self._finished.connect(self._deliver)  # the receiver lives in the GUI thread: queued delivery

    def run(self, work: Callable[[], Any], done: Done, name: str = "sqzdesk-store") -> None:
        self.running += 1

        def body() -> None:
            try:
                value, error = work(), None
            except Exception as exc:  # reported to the GUI, which says it in one line
                log.exception("%s failed", name)
                value, error = None, exc
            self._finished.emit(done, value, error)

        threading.Thread(target=body, name=name, daemon=True).start()

    @Slot(object, object, object)
    def _deliver(self, done: Done, value: Any, error: BaseException | None) -> None:
        self.running -= 1
        done(value, error)
