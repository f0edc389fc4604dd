"""The batch panel (offscreen Qt): a real folder through the worker thread, the real engine and store."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from test_batch_runner import mixed_folder

from sqzdesk.batch.store import ResultStore
from sqzdesk.gui.batch_panel import CANCELLED, DONE, FAILED, QUEUED, BatchPanel

FINISHED = (DONE, FAILED)


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


def test_folder_runs_to_completion_and_table_matches_store(qtbot, panel, tmp_path):
    folder = mixed_folder(tmp_path / "docs")
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
    assert exported.args == [str(target), ""]
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert len(rows) == len(files)


def test_pause_then_cancel_runs_nothing_and_stores_nothing(qtbot, panel, tmp_path):
    folder = mixed_folder(tmp_path / "docs")
    panel.pause()
    assert panel.pause_button.text() == "Resume"
    panel.add_paths([folder.root])
    qtbot.waitUntil(lambda: len(panel.model.rows) > 0, timeout=10_000)
    qtbot.wait(300)
    assert set(statuses(panel).values()) == {QUEUED} and panel.busy
    with qtbot.waitSignal(panel.batch_finished, timeout=10_000) as finished:
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
    panel.add_paths([docs])
    qtbot.waitUntil(lambda: DONE in statuses(panel).values(), timeout=20_000)
    panel.pause()
    qtbot.wait(200)  # the file in flight finishes
    frozen = statuses(panel)
    qtbot.wait(300)
    assert statuses(panel) == frozen and panel.busy
    with qtbot.waitSignal(panel.batch_finished, timeout=30_000):
        panel.resume()
    assert set(statuses(panel).values()) == {DONE}


def test_missing_models_are_reported_not_raised(qtbot, tmp_path):
    widget = BatchPanel(store_path=tmp_path / "s.sqlite3", model_dirs=[tmp_path / "nothing"])
    qtbot.addWidget(widget)
    (tmp_path / "a.txt").write_text("hello there", encoding="utf-8")
    widget.add_paths([tmp_path / "a.txt"])
    qtbot.waitUntil(lambda: not widget.busy, timeout=10_000)
    assert widget.status_label.text().startswith("Cannot run:") and "sentiment" in widget.status_label.text()
    widget.shutdown()
