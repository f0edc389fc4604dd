"""The window as a user meets it: empty state, opening by every route, errors, settings, models."""

from __future__ import annotations

import shutil

from guikit import NEWS, drop_paths, make_window, open_and_wait
from helpers import run_cli
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from sqzdesk.gui.main_window import EMPTY_HINT, MainWindow
from sqzdesk.gui.models_dialog import ModelsDialog
from sqzdesk.gui.settings import SettingsStore
from sqzdesk.gui.settings_dialog import SettingsDialog


def test_empty_window_says_how_to_start(qtbot):
    window = make_window(qtbot)
    assert window.stack.currentWidget() is window.empty
    assert window.empty.hint.text() == EMPTY_HINT
    assert window.width() >= 1000 and window.height() >= 700
    assert "offline" in window.status.offline.text()
    assert "Sentiment: tiny-sentiment 0.0.0" in window.status.models.text()


def test_dropping_files_opens_a_tab_each(qtbot, tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.md"
    a.write_text(NEWS)
    b.write_text("# Notes\n\nParis is lovely.\n")
    window = make_window(qtbot)
    assert drop_paths(window, [a, b])
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["a.txt", "b.md"]
    assert window.stack.currentWidget() is window.tabs
    qtbot.waitUntil(lambda: window.host.idle, timeout=20_000)


def test_unreadable_files_give_one_message_and_the_rest_opens(qtbot, tmp_path, monkeypatch):
    good = tmp_path / "good.txt"
    good.write_text(NEWS)
    (tmp_path / "data.xyz").write_text("x")
    window = make_window(qtbot)
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: messages.append(text))
    opened = window.open_paths([tmp_path / "missing.txt", good, tmp_path / "data.xyz"])
    assert opened == 1 and window.tabs.count() == 1
    assert len(messages) == 1
    assert "missing.txt: file not found" in messages[0] and "data.xyz: unsupported file type" in messages[0]
    assert window.open_path(good) and window.tabs.count() == 1  # already open: switches to it
    qtbot.waitUntil(lambda: window.host.idle, timeout=20_000)


def test_size_limit_from_settings_refuses_big_files(qtbot, tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_text("word " * 300_000)  # 1.4 MB
    window = make_window(qtbot, max_document_mb=1)
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: messages.append(text))
    assert not window.open_path(big)
    assert "over the 1 MB limit" in messages[0]


def test_recent_files_are_remembered_across_windows(qtbot, tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot)
    open_and_wait(qtbot, window, path)
    window.close()
    again = MainWindow(SettingsStore())
    qtbot.addWidget(again)
    assert again.settings.recent_files[0] == str(path.resolve())
    again._fill_recent()
    action = again.recent_menu.actions()[0]
    assert action.text() == str(path.resolve())
    action.trigger()
    assert again.tabs.count() == 1
    qtbot.waitUntil(lambda: again.host.idle, timeout=20_000)


def test_command_line_files_open_in_the_app(qtbot, tmp_path, monkeypatch):
    from sqzdesk.cli import main

    path = tmp_path / "cli.txt"
    path.write_text(NEWS)
    seen = []

    def fake_exec(app) -> int:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                seen.append([w.tabs.tabText(i) for i in range(w.tabs.count())])
                w.close()
                w.deleteLater()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert main([str(path)]) == 0
    assert seen == [["cli.txt"]]


def test_settings_dialog_edits_and_persists(qtbot, tmp_path):
    path = tmp_path / "news.txt"
    path.write_text(NEWS)
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    dialog.threads.setValue(2)
    dialog.max_mb.setValue(5)
    dialog.shown["LOC"].setChecked(False)
    dialog._colours["PER"] = "#123456"
    dialog.model_threshold.setChecked(False)
    dialog.threshold.setValue(0.3)
    window.apply_settings(dialog.result_settings())
    saved = window.store.load()
    assert (saved.threads, saved.max_document_mb, saved.answer_threshold) == (2, 5, 0.3)
    assert saved.hidden_types == ("LOC",) and saved.colours["PER"] == "#123456"
    assert tab.view.colour_of("PER") == "#123456"
    tab.view.flush()
    assert tab.entity_panel._groups["LOC"].checkState(0) == Qt.CheckState.Unchecked
    dialog._defaults()
    assert dialog.result_settings().hidden_types == () and dialog.result_settings().threads == 0


def test_models_dialog_lists_bundles_cards_and_unusable_ones(qtbot, tiny_copy, monkeypatch):
    (tiny_copy / "tiny-qa" / "model.onnx").write_bytes(b"tampered")
    shutil.rmtree(tiny_copy / "tiny-entities")
    monkeypatch.setenv("SQZDESK_MODEL_PATH", str(tiny_copy))
    dialog = ModelsDialog()
    qtbot.addWidget(dialog)
    rows = {r.name: r for r in dialog.rows}
    assert rows["tiny-sentiment"].in_use and rows["tiny-qa"].task == "qa" and "tiny-entities" not in rows
    assert rows["tiny-qa"].error and "model.onnx" in rows["tiny-qa"].error
    texts = [[dialog.table.topLevelItem(i).text(c) for c in range(6)] for i in range(dialog.table.topLevelItemCount())]
    assert any(t[1] == "tiny-sentiment" and t[2] == "0.0.0" and t[3] and t[5] == "in use" for t in texts)
    assert any(t[1] == "tiny-qa" and t[5] == "unusable" for t in texts)
    assert dialog.missing == ["entities"] and ["entities", "—", "", "", "", "not installed"] in texts
    dialog.table.setCurrentItem(dialog.table.topLevelItem(texts.index(["entities", "—", "", "", "", "not installed"])))
    assert "No entities model installed" in dialog.card.toPlainText()
    sentiment_row = next(i for i, t in enumerate(texts) if t[1] == "tiny-sentiment")
    dialog.table.setCurrentItem(dialog.table.topLevelItem(sentiment_row))
    assert "Random weights" in dialog.card.toPlainText()


def test_dropped_folder_goes_to_the_batch_panel_with_the_cli_batch_results(qtbot, tmp_path):
    """Issue 7's acceptance: a folder dropped on the window gives what `sqzdesk batch` gives."""
    import json

    folder = tmp_path / "case"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(NEWS)
    (folder / "sub" / "b.md").write_text("# Notes\n\nParis is lovely. Mail anna@example.org.\n")
    (folder / "sub" / "empty.txt").write_bytes(b"")
    out = tmp_path / "cli.jsonl"
    proc = run_cli("batch", str(folder), "--out", str(out), "--store", str(tmp_path / "cli.sqlite3"), "-q")
    assert proc.returncode == 1  # the empty file
    cli = {json.loads(x)["path"]: json.loads(x) for x in out.read_text().splitlines()}

    window = make_window(qtbot)
    assert drop_paths(window, [folder])
    panel = window.batch_panel()
    assert window.tabs.count() == 0  # a folder is batch work, not a tab
    qtbot.waitUntil(lambda: not panel.busy and len(panel.model.rows) == 3, timeout=60_000)
    gui = {str(r.path): r.result for r in panel.model.rows}
    assert set(gui) == set(cli)
    for path, record in cli.items():
        assert gui[path].to_record() == record  # every field: sentiment, sentences, entities, error
    window.close()


def test_a_folder_brings_the_batch_dock_to_the_front_of_its_tab_group(qtbot, tmp_path):
    from PySide6.QtWidgets import QDockWidget, QLabel, QTabBar

    window = make_window(qtbot)
    batch = window.batch_panel().parentWidget()
    other = QDockWidget("Notes", window)
    other.setObjectName("notes-dock")
    other.setWidget(QLabel("notes"))
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, other)
    window.tabifyDockWidget(batch, other)

    def bar() -> QTabBar:
        return next(b for b in window.findChildren(QTabBar) if "Batch" in [b.tabText(i) for i in range(b.count())])

    def front() -> str:
        return bar().tabText(bar().currentIndex())

    qtbot.waitUntil(lambda: any([b.tabText(i) for i in range(b.count())] == ["Batch", "Notes"]
                                for b in window.findChildren(QTabBar)))  # Qt fills the tab bar later
    bar().setCurrentIndex(1)  # the user looks at the other dock
    assert front() == "Notes"
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(NEWS)
    assert drop_paths(window, [folder])
    qtbot.waitUntil(lambda: front() == "Batch")
    panel = window.batch_panel()
    qtbot.waitUntil(lambda: not panel.busy and len(panel.model.rows) == 1, timeout=60_000)
    window.close()
