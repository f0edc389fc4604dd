"""The runner and the result store on real folders, the real engine (tiny bundles) and real SQLite.

The folder is ``helpers.mixed_folder``: nested folders, good files in every format, the bad files users
actually drop in, a symlink loop and (when not root) an unreadable file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
from helpers import GOOD_TEXT, Folder, mixed_folder
from pdfmaker import make_encrypted_pdf

from sqzdesk.batch.results import FileResult, FileStatus
from sqzdesk.batch.runner import BatchRunner, RunControl, RunOptions, failed_paths
from sqzdesk.batch.scan import ScanProblem, scan
from sqzdesk.batch.store import TEXT_VERSION, ResultStore, StoreError, default_store_path, model_key
from sqzdesk.engine.analysis import Analysis, Analyzer
from sqzdesk.engine.entities import SPAN_RULE_VERSION
from sqzdesk.engine.patterns import PATTERN_TYPES, PATTERNS_VERSION
from sqzdesk.engine.results import Entity, SentenceSentiment, Sentiment
from sqzdesk.engine.sentiment import DOCUMENT_RULE_VERSION


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
    # a counting clock, not the wall clock: the per-file budget and the ETA see clock calls, so a slow,
    # shared machine can neither push a file over the budget nor change what is reported
    ticks = iter(range(10**9))
    runner = BatchRunner(analyzer, store, RunOptions(time_budget_s=60), clock=lambda: next(ticks) * 0.001)
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
    labels = {e.label for e in by_path[folder.root / "a.txt"].entities}
    assert {"EMAIL", "PHONE"} <= labels
    assert "IBAN" in {e.label for e in by_path[folder.root / "nested" / "d.docx"].entities}
    assert summary.failed == len(folder.bad) + len(folder.problems) and not summary.cancelled
    assert progress[-1].done == progress[-1].total == len(results)
    # an ETA once a file is done (none before), nothing left at the end: which of them exist and the final
    # zero, on the counting clock above; no duration is asserted (timings are in bench/)
    assert progress[0].eta_s is None and all(p.eta_s is not None for p in progress if p.done)
    assert progress[-1].eta_s == 0.0
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
    before = {r.path: (r.sha256, r.analysed_at) for r in store.results()}
    changed = folder.root / "a.txt"
    changed.write_text(GOOD_TEXT + "One more sentence about Madrid.\n", encoding="utf-8")
    second, summary = run_all(runner, [folder.root])
    reused = {r.path for r in second if r.reused}
    unreadable = {p for p, words in folder.bad.items() if words == "permission"}  # cannot be hashed
    assert reused == (folder.good | set(folder.bad)) - {changed} - unreadable
    assert summary.analysed == len(second) - len(reused) - len(folder.problems)
    after = {r.path: (r.sha256, r.analysed_at) for r in store.results()}
    key = Path(os.path.abspath(changed))
    fresh = {r.path: r for r in second}[changed]
    assert not fresh.reused and after[key] == (fresh.sha256, fresh.analysed_at) and fresh.sha256 != before[key][0]
    assert store.lookup(changed, before[key][0], runner.key) is None  # the old content's row was replaced
    assert all(after[p] == before[p] for p in before if p != key and "locked" not in p.name)
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
    reached = threading.Event()  # the runner reports the first file just before it checks the pause
    worker = threading.Thread(target=lambda: BatchRunner(analyzer, store, control=control).run(
        scan([folder.root]), on_result=results.append, on_progress=lambda _: reached.set()))
    worker.start()
    reached.wait()
    time.sleep(0.2)  # room for a runner that ignored the pause to get something done (never a failure cause)
    assert results == [] and store.count() == 0 and worker.is_alive()
    control.resume()
    worker.join()
    assert len(results) == len(folder.good) + len(folder.bad) + len(folder.problems)


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
    assert f"{sha[:16]}.{analyzer.sentiment.bundle.manifest.files['tokenizer'].sha256[:16]}+rule{DOCUMENT_RULE_VERSION};" in key  # the document rule
    assert f"+spans{SPAN_RULE_VERSION};" in key  # how entity spans are decoded
    assert "entities=tiny-entities@" in key and f"patterns=v{PATTERNS_VERSION}:ADDRESS,CARD,DATE,EMAIL,IBAN,ID,IP,NHS,NINO,PHONE,SSN,URL" in key
    assert key != model_key(analyzer, ["EMAIL"]) != model_key(analyzer)
    assert key.endswith(f";text=v{TEXT_VERSION}") and TEXT_VERSION >= 5  # the readers' text version: new extraction, new offsets, new results


def test_overlapping_inputs_give_each_file_once(folder, analyzer, store):
    results, _ = run_all(BatchRunner(analyzer, store), [folder.root, folder.root / "a.txt", folder.root])
    paths = [r.path for r in results if r.is_file]
    assert len(paths) == len(set(paths)) == len(folder.good) + len(folder.bad)


def test_scan_problems_stay_problems(folder):
    assert any(isinstance(i, ScanProblem) and "loop" in i.reason for i in scan([folder.root]))


def test_file_results_are_typed_and_survive_the_store_exactly(folder, analyzer, store):
    runner = BatchRunner(analyzer, store)
    results, _ = run_all(runner, [folder.root])
    done = next(r for r in results if r.path == folder.root / "a.txt")
    failed = next(r for r in results if r.path == folder.root / "nested" / "empty.txt")
    assert done.status is FileStatus.DONE and done.status == "done" and not done.failed
    assert isinstance(done.analysis, Analysis) and isinstance(done.sentiment, Sentiment)
    assert all(isinstance(s, SentenceSentiment) for s in done.sentences) and done.sentences
    assert all(isinstance(e, Entity) for e in done.entities) and done.entities
    assert (done.sentiment, done.sentences, done.entities) == (done.analysis.sentiment, done.analysis.sentences,
                                                               done.analysis.entities)
    assert failed.status is FileStatus.FAILED and failed.failed and failed.analysis is None
    assert (failed.sentiment, failed.sentences, failed.entities) == (None, (), ())
    # the store gives back equal typed objects (floats exactly: JSON keeps their repr)
    hit = store.lookup(done.path, done.sha256, runner.key)
    assert hit is not None and hit.reused and hit.analysis == done.analysis
    assert hit.status is FileStatus.DONE and hit.to_record() == done.to_record()
    stored_failure = store.lookup(failed.path, failed.sha256, runner.key)
    assert stored_failure is not None and stored_failure.analysis is None and stored_failure.error == failed.error
    # to_record is the batch --out line: the engine's JSON fields, sha256 and error
    assert done.to_record() == {"path": str(done.path), "sha256": done.sha256, **done.analysis.to_record(),
                                "error": None}
    assert list(done.to_record()) == ["path", "sha256", "sentiment", "sentences", "entities", "error"]
    assert failed.to_record() == {"path": str(failed.path), "sha256": failed.sha256, "sentiment": None,
                                  "sentences": [], "entities": [], "error": failed.error}
    # the record column holds exactly the analysis JSON
    with sqlite3.connect(store.path) as db:
        (record,) = db.execute("SELECT record FROM results WHERE path = ?", (os.path.abspath(done.path),)).fetchone()
    assert json.loads(record) == done.analysis.to_record()


def test_a_result_without_prose_has_no_sentiment_but_keeps_its_entities(tmp_path, analyzer, store):
    rates = tmp_path / "rates.txt"
    rates.write_text("2015-07-01,EUR,USD,1.0807,1.0812,10.20.30.40\n" * 3, encoding="utf-8")  # a feed's log
    result = BatchRunner(analyzer, store).process(rates)
    assert result is not None and result.status is FileStatus.DONE
    assert result.sentiment is None and result.sentences == ()
    assert {e.label for e in result.entities} >= {"IP"}
    hit = store.lookup(rates, result.sha256, model_key(analyzer, PATTERN_TYPES))
    assert hit is not None and hit.sentiment is None and hit.entities == result.entities


def test_a_pdf_that_needs_a_password_is_reported_and_the_run_goes_on(tmp_path, analyzer, store):
    root = tmp_path / "docs"
    root.mkdir()
    make_encrypted_pdf(root / "locked.pdf", ["Angela Merkel met the board."], user_password="hunter2")
    (root / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    results, _ = run_all(BatchRunner(analyzer, store), [root])
    by_name = {r.path.name: r for r in results}
    assert by_name["locked.pdf"].failed and by_name["locked.pdf"].error == "password required"
    assert not by_name["a.txt"].failed and by_name["a.txt"].sentences
