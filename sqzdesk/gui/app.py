"""Start the desktop app: ``sqzdesk [FILE...]`` ends up here (``sqzdesk.cli`` calls :func:`run_gui`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run_gui(files: Sequence[str] = ()) -> int:
    """Show the main window with ``files`` open; returns the Qt event loop's exit code."""
    from PySide6.QtWidgets import QApplication

    from sqzdesk.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("sqzdesk")
    app.setApplicationDisplayName("sqzdesk")
    app.setOrganizationName("sqzdesk")
    window = MainWindow()
    window.show()
    if files:
        window.open_paths([f for f in files if not f.startswith("-")])
    return app.exec()
