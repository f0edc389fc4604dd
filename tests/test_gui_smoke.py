"""The window opens real files in tabs and refuses bad ones without dying."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from sqzdesk.gui.main_window import MainWindow


def test_open_file_shows_its_text(qtbot, tmp_path, monkeypatch):
    doc = tmp_path / "note.txt"
    doc.write_text("Angela Merkel visited Paris.\n")
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.open_path(doc)
    assert window.tabs.count() == 1 and window.tabs.tabText(0) == "note.txt"
    assert window.tabs.currentWidget().toPlainText() == "Angela Merkel visited Paris.\n"
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    assert not window.open_path(tmp_path / "missing.txt")
    assert window.tabs.count() == 1 and "missing.txt" in warnings[0]
