"""The window's docks (Batch, Teach, People and places across the store): made on first use, the same way."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget


def add_dock(window: QMainWindow, widget: QWidget, title: str, name: str, area: Qt.DockWidgetArea) -> QDockWidget:
    """``widget`` in a new dock of ``window``; ``name`` is what saveState/restoreState know it by."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    window.addDockWidget(area, dock)
    return dock


def raise_dock(widget: QWidget) -> None:
    """Show the dock holding ``widget`` and bring it to the front of its tab group."""
    dock = widget.parentWidget()
    if dock is not None:
        dock.show()
        dock.raise_()
