"""Start the desktop app: ``sqzdesk [FILE...]`` ends up here (``sqzdesk.cli`` calls :func:`run_gui`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run_gui(files: Sequence[str] = ()) -> int:
    """Show the main window with ``files`` open; returns the Qt event loop's exit code."""
    from PySide6.QtWidgets import QApplication

    from sqzdesk.gui.main_window import MainWindow

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    quiet_qt_messages()
    app.setApplicationName("sqzdesk")
    app.setApplicationDisplayName("sqzdesk")
    app.setOrganizationName("sqzdesk")
    window = MainWindow()
    window.show()
    if files:
        window.open_paths([f for f in files if not f.startswith("-")])
    return app.exec()


# Qt warnings that only say an optional service is off, the way the standalone binary ships Qt (see
# packaging/icu_stub.c): QCollator then compares code points, which is all the file dialog needs; and the
# offscreen platform (CI, `selftest --gui`) saying it cannot resize top-level windows to their hints.
EXPECTED_QT_WARNINGS = ("Could not create collator", "This plugin does not support propagateSizeHints")


def quiet_qt_messages():
    """Drop the expected warnings above; every other Qt message still goes where it went before.
    Returns the handler that was installed before, for callers that want to put it back."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, _context, message: str) -> None:
        if kind == QtMsgType.QtWarningMsg and message.startswith(EXPECTED_QT_WARNINGS):
            return
        if previous is not None:
            previous(kind, _context, message)
        else:
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)
    return previous
