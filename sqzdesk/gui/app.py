"""Start the desktop app (placeholder window until the workspace lands)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def run_gui(files: Sequence[str] = ()) -> int:
    from PySide6.QtWidgets import QApplication

    from sqzdesk.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("sqzdesk")
    window = MainWindow()
    for f in files:
        window.open_path(f)
    window.show()
    return app.exec()
