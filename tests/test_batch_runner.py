"""The runner and the result store on real folders, the real engine (tiny bundles) and real SQLite.

``mixed_folder`` is also used by the CLI, export and panel tests: nested folders, good files in every
format, the bad files users actually drop in, a symlink loop and (when not root) an unreadable file.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from sqzdesk.batch.results import FileResult
from sqzdesk.batch.runner import BatchRunner, RunControl, RunOptions, failed_paths
from sqzdesk.batch.scan import ScanProblem, scan
from sqzdesk.batch.store import ResultStore, StoreError, default_store_path, model_key
from sqzdesk.engine.analysis import Analyzer
from sqzdesk.engine.patterns import PATTERN_TYPES

GOOD_TEXT = ("Angela Merkel met Emmanuel Macron in Paris. Write to angela.merkel@example.de or call "
             "+49 30 1234567. The talks went well and everyone was pleased.\n")


@dataclass(frozen=True)
class Folder:
    root: Path
    good: frozenset[Path]
    bad: dict[Path, str]      # file -> expected words in its error
    problems: frozenset[Path]  # scan problems (not files)


def mixed_folder(root: Path) -> Folder:
    """The folder a user drops in: good files, bad files, hidden and unsupported entries, a loop."""
    import docx

    deep = root / "nested" / "deeper"
    deep.mkdir(parents=True)
    (root / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (deep / "b.md").write_text("# Notes\n\nThe **Acme Corporation** office in London is great.\n",
                               encoding="utf-8")
    (root / "nested" / "c.html").write_text(
        "<html><body><p>Bob &amp; Alice visited Berlin. Contact bob@example.org &lt;now&gt;.</p>"
        "</body></html>",
        encoding="utf-8")
    document = docx.Document()
    document.add_paragraph("Maria Garcia works for Siemens in Munich. "
                           "Her IBAN is DE89 3704 0044 0532 0130 00.")
    document.save(str(root / "nested" / "d.docx"))
    (root / "nested" / "empty.txt").write_bytes(b"")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (root / "broken.docx").write_bytes(b"this is not a zip archive")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "secret.txt").write_text("skipped", encoding="utf-8")
    (root / "tool.exe").write_bytes(b"MZ")
    os.symlink(root, deep / "loop")
    bad = {root / "nested" / "empty.txt": "empty", root / "binary.txt": "binary",
           root / "broken.docx": "zip"}
    locked = root / "locked.txt"
    locked.write_text("private", encoding="utf-8")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads it anyway: not a bad file here
        locked.unlink()
    else:
        bad[locked] = "permission"
    good = frozenset({root / "a.txt", deep / "b.md", root / "nested" / "c.html", root / "nested" / "d.docx"})
    return Folder(root, good, bad, frozenset({deep / "loop"}))


@pytest.fixture()
def folder(tmp_path) -> Folder:
    return mixed_folder(tmp_path / "docs")


@pytest.fixture(scope="module")
def analyzer(tiny_root) -> Analyzer:
    return Analyzer.open(dirs=[tiny_root], threads=1)


@pytest.fixture()
def store(tmp_path):
    with ResultStore(tmp_path / "store" / "results.sqlite3") as s:
        yield s


def run_all(runner: BatchRunner, paths) -> tuple[list[FileResult], object]:
    results: list[FileResult] = []
    summary = runner.run(scan(paths), on_result=results.append)
    return results, summary


def test_mixed_folder_every_file_gets_one_stored_outcome(folder, analyzer, store):
    runner = BatchRunner(analyzer, store, RunOptions(time_budget_s=60))
    progress = []
    results: list[FileResult] = []
    summary = runner.run(scan([folder.root]), on_result=results.append, on_progress=progress.append)
    by_path = {r.path: r for r in results}
    assert set(by_path) == folder.good | set(folder.bad) | folder.problems
    for path in folder.good:
        r = by_path[path]
        assert not r.failed and r.sha256 and r.sentiment and r.sentences, r
    for path, words in folder.bad.items():
        assert by_path[path].failed and words in by_path[path].error.lower()
        assert "\n" not in by_path[path].error
    assert not by_path[next(iter(folder.problems))].is_file
    # pattern entities are in the batch output by default, with offsets into the extracted text
    labels = {e["label"] for e in by_path[folder.root / "a.txt"].entities}
    assert {"EMAIL", "PHONE"} <= labels
    assert "IBAN" in {e["label"] for e in by_path[folder.root / "nested" / "d.docx"].entities}
    assert summary.failed == len(folder.bad) + len(folder.problems) and not summary.cancelled
    assert progress[-1].done == progress[-1].total == len(results) and progress[-1].eta_s is not None
    # the store: one row per file (scan problems are not stored), errors too
    stored = {r.path: r for r in store.results(runner.key)}
    assert set(stored) == {Path(os.path.abspath(p)) for p in folder.good | set(folder.bad)}
    assert store.count(runner.key, failed=True) == len(folder.bad)
    a = folder.root / "a.txt"
    hit = store.lookup(a, by_path[a].sha256, runner.key)
    assert hit is not None and hit.entities == by_path[a].entities and hit.sentiment == by_path[a].sentiment
    assert store.lookup(a, "0" * 64, runner.key) is None
    assert store.lookup(a, by_path[a].sha256, "other-models") is None


def test_rerun_skips_unchanged_files_and_redoes_changed_ones(folder, analyzer, store):
    runner = BatchRunner(analyzer, store, RunOptions())
    first, _ = run_all(runner, [folder.root])
    before = {r.path: r.analysed_at for r in store.results()}
    changed = folder.root / "a.txt"
    changed.write_text(GOOD_TEXT + "One more sentence about Madrid.\n", encoding="utf-8")
    second, summary = run_all(runner, [folder.root])
    reused = {r.path for r in second if r.reused}
    unreadable = {p for p, words in folder.bad.items() if words == "permission"}  # cannot be hashed
    assert reused == (folder.good | set(folder.bad)) - {changed} - unreadable
    assert summary.analysed == len(second) - len(reused) - len(folder.problems)
    after = {r.path: r.analysed_at for r in store.results()}
    assert after[Path(os.path.abspath(changed))] > before[Path(os.path.abspath(changed))]
    assert all(after[p] == before[p] for p in before if p != Path(os.path.abspath(changed))
               and "locked" not in p.name)
    assert store.count() == len(folder.good) + len(folder.bad)  # replaced, not duplicated
    # a reused result is the stored one, under the path as scanned
    again = {r.path: r for r in second}
    b = folder.root / "nested" / "deeper" / "b.md"
    assert again[b].reused and again[b].entities == {r.path: r for r in first}[b].entities


def test_retry_failed_reanalyses_only_failures(folder, analyzer, store):
    run_all(BatchRunner(analyzer, store), [folder.root])
    results, summary = run_all(BatchRunner(analyzer, store, RunOptions(retry_failed=True)), [folder.root])
    fresh = {r.path for r in results if r.is_file and not r.reused}
    assert fresh == set(folder.bad)
    assert set(failed_paths(results)) == set(folder.bad)


def test_time_budget_records_a_failure_not_a_hang(folder, analyzer, store):
    clock_calls = iter(range(10**6))
    runner = BatchRunner(analyzer, store, RunOptions(time_budget_s=5), clock=lambda: next(clock_calls) * 10.0)
    result = runner.process(folder.root / "a.txt")
    assert result is not None and result.error == "took longer than 5 s"
    assert store.lookup(folder.root / "a.txt", result.sha256, runner.key).error == "took longer than 5 s"


def test_cancel_stops_within_the_batch_and_leaves_the_rest_to_do(folder, analyzer, store):
    control = RunControl()
    runner = BatchRunner(analyzer, store, control=control)
    seen: list[FileResult] = []

    def on_result(r: FileResult) -> None:
        seen.append(r)
        if len(seen) == 2:
            control.cancel()

    summary = runner.run(scan([folder.root]), on_result=on_result)
    assert summary.cancelled and len(seen) == 2
    assert store.count() == sum(r.is_file for r in seen)


def test_cancel_mid_file_stores_nothing_for_it(folder, analyzer, store):
    control = RunControl()
    control.cancel()
    assert BatchRunner(analyzer, store, control=control).process(folder.root / "a.txt") is None
    assert store.count() == 0


def test_pause_holds_between_files_until_resumed(folder, analyzer, store):
    control = RunControl()
    control.pause()
    results: list[FileResult] = []
    worker = threading.Thread(target=lambda: BatchRunner(analyzer, store, control=control).run(
        scan([folder.root]), on_result=results.append))
    worker.start()
    time.sleep(0.3)
    assert results == [] and store.count() == 0
    control.resume()
    worker.join(30)
    assert not worker.is_alive() and len(results) == len(folder.good) + len(folder.bad) + len(folder.problems)


def test_store_is_wal_private_clearable_and_in_the_data_dir(tmp_path, analyzer, folder):
    assert default_store_path() == tmp_path / "xdg-data" / "sqzdesk" / "results.sqlite3"
    with ResultStore() as store:
        run_all(BatchRunner(analyzer, store), [folder.root / "a.txt"])
        assert store.path == default_store_path() and store.size_bytes() > 0
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
        with sqlite3.connect(store.path) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 1
        store.clear()
        assert store.count() == 0
    assert b"angela.merkel@example.de" not in store.path.read_bytes()


def test_damaged_store_is_refused_with_one_line(tmp_path):
    bad = tmp_path / "results.sqlite3"
    bad.write_bytes(b"definitely not sqlite" * 100)
    with pytest.raises(StoreError, match="results.sqlite3") as info:
        ResultStore(bad)
    assert "\n" not in str(info.value)


def test_model_key_names_models_and_patterns(analyzer):
    key = model_key(analyzer, PATTERN_TYPES)
    sha = analyzer.sentiment.bundle.manifest.files["model"].sha256
    assert key.startswith("sentiment=tiny-sentiment@") and sha[:16] in key
    assert "entities=tiny-entities@" in key and "patterns=v1:CARD,EMAIL,IBAN,IP,PHONE,URL" in key
    assert key != model_key(analyzer, ["EMAIL"]) != model_key(analyzer)


def test_overlapping_inputs_give_each_file_once(folder, analyzer, store):
    results, _ = run_all(BatchRunner(analyzer, store), [folder.root, folder.root / "a.txt", folder.root])
    paths = [r.path for r in results if r.is_file]
    assert len(paths) == len(set(paths)) == len(folder.good) + len(folder.bad)


def test_scan_problems_stay_problems(folder):
    assert any(isinstance(i, ScanProblem) and "loop" in i.reason for i in scan([folder.root]))
