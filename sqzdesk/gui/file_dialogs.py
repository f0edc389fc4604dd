"""Open, folder and save dialogs at a size where their columns can be read.

Without a desktop theme plugin (the standalone binary ships none) Qt uses its own file dialog, which
opens at its size hint, about 600x400: names, sizes, types and dates are all cut short. These helpers
open it at a readable size that still fits the screen; the static ``QFileDialog.get...`` functions
cannot be given a size.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QHeaderView, QTreeView, QWidget

from sqzdesk.gui.screen_fit import fitted_size

PREFERRED_SIZE = (960, 600)
DETAIL_COLUMNS = (100, 140, 160)  # Size, Type, Date modified; the name takes the rest


def file_dialog(parent: QWidget | None, title: str, start: str = "", *, mode: QFileDialog.FileMode,
                name_filter: str = "", save: bool = False) -> QFileDialog:
    """A file dialog of the preferred size, shrunk to 90% of the screen's free area where that is smaller."""
    dialog = QFileDialog(parent, title, start)
    dialog.setFileMode(mode)
    if name_filter:
        dialog.setNameFilter(name_filter)
    if save:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    if mode == QFileDialog.FileMode.Directory:
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    screen = parent.screen() if parent is not None else QGuiApplication.primaryScreen()
    dialog.resize(*fitted_size(PREFERRED_SIZE, screen))
    _widen_columns(dialog)
    return dialog


def _widen_columns(dialog: QFileDialog) -> None:
    """Qt's dialog keeps its detail columns at fixed, narrow widths however wide it is: let the name
    column take the spare width and give the others room for "1.2 MB", "PDF document" and a full date.
    (A native dialog has no such view; nothing to do then.)"""
    view = dialog.findChild(QTreeView, "treeView")
    if view is None:
        return
    header = view.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column, width in enumerate(DETAIL_COLUMNS, start=1):
        header.resizeSection(column, width)


def _chosen(dialog: QFileDialog) -> list[str]:
    return dialog.selectedFiles() if dialog.exec() else []


def open_files(parent: QWidget | None, title: str, start: str, name_filter: str) -> list[str]:
    return _chosen(file_dialog(parent, title, start, mode=QFileDialog.FileMode.ExistingFiles,
                               name_filter=name_filter))


def choose_folder(parent: QWidget | None, title: str, start: str = "") -> str:
    chosen = _chosen(file_dialog(parent, title, start, mode=QFileDialog.FileMode.Directory))
    return chosen[0] if chosen else ""


def save_file(parent: QWidget | None, title: str, start: str, name_filter: str) -> str:
    chosen = _chosen(file_dialog(parent, title, start, mode=QFileDialog.FileMode.AnyFile,
                                 name_filter=name_filter, save=True))
    return chosen[0] if chosen else ""
