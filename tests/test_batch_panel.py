"""The batch panel (offscreen Qt): a real folder through the worker thread, the real engine and store.

No test here waits a fixed time: pauses are set from the batch thread at a known file, and "nothing
moved while paused" is checked over counted turns of the GUI event loop.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from helpers import mixed_folder
from PySide6.QtCore import Qt, QTimer

from sqzdesk.batch.store import ResultStore
from sqzdesk.gui.batch_panel import BatchPanel, RowState

QUEUED, RUNNING, DONE, FAILED, CANCELLED = (RowState.QUEUED, RowState.RUNNING, RowState.DONE, RowState.FAILED,
                                            RowState.CANCELLED)


@pytest.fixture()
def panel(qtbot, tmp_path, tiny_root):
    widget = BatchPanel(store_path=tmp_path / "store.sqlite3", model_dirs=[tiny_root], threads=1)
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def statuses(panel: BatchPanel) -> dict[Path, str]:
    return {row.path: row.status for row in panel.model.rows}


def wait_idle(qtbot, panel: BatchPanel, timeout: int = 30_000) -> None:
    qtbot.waitUntil(lambda: not panel.busy, timeout=timeout)


def turn_event_loop(qtbot, turns: int = 50) -> None:
    """Let the GUI thread's event loop go round ``turns`` times (queued signals get delivered)."""
    count = [0]
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: count.__setitem__(0, count[0] + 1))
    timer.start()
    qtbot.waitUntil(lambda: count[0] >= turns, timeout=30_000)
    timer.stop()


def test_folder_runs_to_completion_and_table_matches_store(qtbot, panel, tmp_path):
    folder = mixed_folder(tmp_path / "docs")
    assert not panel.drop_label.isHidden()  # an empty queue shows where to drop
    with qtbot.waitSignal(panel.batch_finished, timeout=30_000) as finished:
        panel.add_paths([folder.root])
        assert panel.busy and not panel.rerun_button.isEnabled()
    summary = finished.args[0]
    assert not summary.cancelled and summary.failed == len(folder.bad) + len(folder.problems)
    table = statuses(panel)
    assert set(table) == folder.good | set(folder.bad) | folder.problems
    assert all(table[p] == DONE for p in folder.good)
    assert all(table[p] == FAILED for p in set(folder.bad) | folder.problems)
    with ResultStore(tmp_path / "store.sqlite3") as store:
        stored = {r.path: r for r in store.results()}
    files = folder.good | set(folder.bad)
    assert set(stored) == {Path(os.path.abspath(p)) for p in files}  # the loop is not a file: not stored
    for row in panel.model.rows:
        if row.path in files:
            assert stored[Path(os.path.abspath(row.path))].status == row.status
            assert row.result.error == stored[Path(os.path.abspath(row.path))].error
    assert panel.progress_bar.value() == panel.progress_bar.maximum() == len(table)
    assert panel.drop_label.isHidden()  # listed files take its room; the panel still takes drops
    assert panel.status_label.text().endswith("· 1 not read")  # the folder's tool.exe, said as the CLI says it
    assert panel.status_label.toolTip() == panel.not_read == "1 file of other types not read (.exe 1)"
    assert panel.status_label.text().startswith("Finished")
    reason = next(r.detail for r in panel.model.rows if r.path == folder.root / "broken.docx")
    assert "zip" in reason

    # re-run failed: only the failures go again, and they fail again with the same reasons
    with qtbot.waitSignal(panel.batch_finished, timeout=30_000) as again:
        panel.rerun_failed()
    assert again.args[0].total == len(folder.bad) and again.args[0].reused == 0
    assert statuses(panel) == table
    # adding the same folder again answers from the store
    with qtbot.waitSignal(panel.batch_finished, timeout=30_000) as third:
        panel.add_paths([folder.root])
    assert third.args[0].analysed == 0 and "result store" in panel.model.rows[0].detail

    # export on the worker thread
    target = tmp_path / "export.csv"
    with qtbot.waitSignal(panel.worker.export_finished, timeout=10_000) as exported:
        panel.export("csv", target)
    assert exported.args[0].target == target and exported.args[1] == ""
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert len(rows) == len(files)

    # the folder's tool.exe is said where the export leaves it out: inside a report of the whole table,
    # on the status line (and its tooltip) of redacted copies; a report of selected rows says nothing of it
    report = tmp_path / "report.html"
    with qtbot.waitSignal(panel.worker.export_finished, timeout=30_000):
        panel.export("html", report)
    assert "1 file of other types not read (.exe 1)" in report.read_text(encoding="utf-8")
    with qtbot.waitSignal(panel.worker.export_finished, timeout=30_000):
        panel.export("html", report, rows=[0])
    assert "not read" not in report.read_text(encoding="utf-8")
    with qtbot.waitSignal(panel.worker.export_finished, timeout=60_000) as redacted:
        panel.export("redacted", tmp_path / "redacted")
    assert redacted.args[1] == "" and panel.status_label.text().endswith("· 1 not read, not copied")
    assert panel.status_label.toolTip() == ("1 file of other types not read (.exe 1): "
                                            "no redacted copy of them was made")
    panel.model.clear()  # an emptied queue shows the drop zone again
    assert not panel.drop_label.isHidden()


def test_pause_then_cancel_runs_nothing_and_stores_nothing(qtbot, panel, tmp_path):
    folder = mixed_folder(tmp_path / "docs")
    panel.pause()
    assert panel.pause_button.text() == "Resume"
    panel.add_paths([folder.root])
    qtbot.waitUntil(lambda: len(panel.model.rows) > 0, timeout=30_000)
    turn_event_loop(qtbot)
    assert set(statuses(panel).values()) == {QUEUED} and panel.busy
    with qtbot.waitSignal(panel.batch_finished, timeout=30_000) as finished:
        panel.cancel()
    assert finished.args[0].cancelled
    assert set(statuses(panel).values()) == {CANCELLED}
    assert panel.status_label.text().startswith("Cancelled") and panel.pause_button.text() == "Pause"
    with ResultStore(tmp_path / "store.sqlite3") as store:
        assert store.count() == 0
    # the panel is usable again afterwards
    with qtbot.waitSignal(panel.batch_finished, timeout=30_000):
        panel.add_paths([folder.root / "a.txt"])
    assert statuses(panel)[folder.root / "a.txt"] == DONE


def test_pause_and_resume_mid_batch(qtbot, panel, tmp_path):
    docs = tmp_path / "many"
    docs.mkdir()
    for i in range(40):
        (docs / f"n{i:02d}.txt").write_text(f"Note {i}. " + "Bob met Alice in Rome and it went well. " * 10,
                                            encoding="utf-8")
    finished = [0]

    def paused_after_three(result) -> None:  # the batch thread, right after the third file is stored
        finished[0] += 1
        if finished[0] == 3:
            panel.control.pause()

    panel.worker.file_finished.connect(paused_after_three, Qt.ConnectionType.DirectConnection)
    panel.add_paths([docs])
    qtbot.waitUntil(lambda: list(statuses(panel).values()).count(DONE) == 3, timeout=30_000)
    panel.pause()  # the button follows (the control is already paused)
    turn_event_loop(qtbot)
    frozen = statuses(panel)
    assert list(frozen.values()).count(DONE) == 3 and list(frozen.values()).count(QUEUED) == 37
    turn_event_loop(qtbot)
    assert statuses(panel) == frozen and panel.busy and panel.pause_button.text() == "Resume"
    with qtbot.waitSignal(panel.batch_finished, timeout=60_000):
        panel.resume()
    assert set(statuses(panel).values()) == {DONE}


def test_missing_models_are_reported_not_raised(qtbot, tmp_path):
    widget = BatchPanel(store_path=tmp_path / "s.sqlite3", model_dirs=[tmp_path / "nothing"])
    qtbot.addWidget(widget)
    (tmp_path / "a.txt").write_text("hello there", encoding="utf-8")
    widget.add_paths([tmp_path / "a.txt"])
    qtbot.waitUntil(lambda: not widget.busy, timeout=30_000)
    assert widget.status_label.text().startswith("Cannot run:") and "sentiment" in widget.status_label.text()
    widget.shutdown()
