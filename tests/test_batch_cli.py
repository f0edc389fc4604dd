"""``sqzdesk batch`` through the real command: output contract, exit codes, crash and resume."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from helpers import REPO, failure_lines, mixed_folder, run_cli

from sqzdesk.batch.results import FileResult
from sqzdesk.batch.runner import BatchProgress
from sqzdesk.batch.terminal import TerminalProgress, format_eta
from sqzdesk.documents import read_document

OUT_KEYS = ["path", "sha256", "sentiment", "sentences", "entities", "error"]
FILES = 150
KILL_AFTER = 40  # result lines read before the kill
SENTENCE = "Angela Merkel met the press in Berlin on Monday, and the talks went well. "


def test_batch_jsonl_contract_and_exit_code(tmp_path):
    folder = mixed_folder(tmp_path / "docs")
    out = tmp_path / "out.jsonl"
    proc = run_cli("--threads", "1", "batch", str(folder.root), "--out", str(out), "--store",
                   str(tmp_path / "s.sqlite3"))
    assert proc.returncode == 1, proc.stderr  # some files are bad
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["path"] for r in records) == sorted(str(p) for p in folder.good | set(folder.bad))
    for r in records:
        assert list(r) == OUT_KEYS
        if Path(r["path"]) in folder.good:
            assert r["error"] is None and r["sentiment"]["label"] in ("positive", "negative")
            assert len(r["sha256"]) == 64 and r["sentences"]
        else:
            assert r["error"] and "\n" not in r["error"]
            assert r["sentiment"] is None and r["sentences"] == [] and r["entities"] == []
    a = next(r for r in records if r["path"].endswith("a.txt"))
    text = (folder.root / "a.txt").read_text(encoding="utf-8")
    assert {"EMAIL", "PHONE"} <= {e["label"] for e in a["entities"]}
    assert all(text[e["start"]:e["end"]] == e["text"] for e in a["entities"])
    # one stderr line per failure (bad files and the symlink loop); plain per-file lines otherwise
    failures = failure_lines(proc.stderr)
    assert len(failures) == len(folder.bad) + len(folder.problems)
    assert any("loop" in line for line in failures)
    per_file = [line for line in proc.stderr.splitlines() if line.startswith("[") and " done " in line]
    assert len(per_file) == len(folder.good)
    assert "\r" not in proc.stderr  # no bar without a terminal
    # the folder's tool.exe is not analysed, and the summary says so rather than leaving it out silently
    assert proc.stderr.splitlines()[-1] == "sqzdesk batch: 1 file of other types not read (.exe 1)"


def test_batch_all_good_exits_zero_csv_and_patterns_off(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "one.txt").write_text("Mail bob@example.com about the great news.\n", encoding="utf-8")
    (docs / "two.md").write_text("Call +44 20 7946 0958 today, it was lovely.\n", encoding="utf-8")
    out, ents = tmp_path / "out.csv", tmp_path / "entities.csv"
    proc = run_cli("--threads", "1", "batch", str(docs), "--format", "csv", "--out", str(out),
                   "--entities-out", str(ents), "--patterns", "none", "-q", "--store", str(tmp_path / "s"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("\n") == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [Path(r["path"]).name for r in rows] == ["one.txt", "two.md"]
    assert all(r["EMAIL"] == "0" and r["PHONE"] == "0" and r["error"] == "" for r in rows)
    assert all(r["label"] in ("PER", "ORG", "LOC", "MISC")
               for r in csv.DictReader(ents.open(encoding="utf-8", newline="")))


def test_batch_usage_errors_exit_two(tmp_path):
    for args in (["--patterns", "EMIAL"], ["--redact", "PER"], ["--redact-dir", str(tmp_path)],
                 ["--retry-failed"], ["--redact", "NOPE", "--redact-dir", str(tmp_path)],
                 ["--out", str(tmp_path / "no" / "such" / "dir.jsonl")]):
        proc = run_cli("batch", str(tmp_path), *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.strip().count("\n") == 0


def test_batch_redact_and_report(tmp_path):
    folder = mixed_folder(tmp_path / "docs")
    red, report = tmp_path / "redacted", tmp_path / "report.html"
    proc = run_cli("--threads", "1", "batch", str(folder.root), "--redact", "EMAIL,PHONE,IBAN",
                   "--redact-dir", str(red), "--report", str(report), "--out", os.devnull,
                   "--store", str(tmp_path / "s"), "-q")
    assert proc.returncode == 1
    # quiet, but the folder's tool.exe was not redacted: that is still said
    assert proc.stderr.splitlines()[-1] == ("sqzdesk batch: 1 file of other types not read (.exe 1): "
                                            "no redacted copy of them was made")
    a = (red / "a.txt").read_text(encoding="utf-8")
    assert "[EMAIL]" in a and "[PHONE]" in a and "angela.merkel@example.de" not in a and "1234567" not in a
    docx = read_document(red / "nested" / "d.docx").text  # the same layout and code as `sqzdesk redact`
    assert "[IBAN]" in docx and "0532" not in docx
    assert sorted(p.relative_to(red) for p in red.rglob("*") if p.is_file() and not p.name.endswith(".audit.json")) \
        == sorted(p.relative_to(folder.root) for p in folder.good)
    assert json.loads((red / "a.txt.audit.json").read_text(encoding="utf-8"))["types"] == ["EMAIL", "IBAN", "PHONE"]
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "angela.merkel@example.de" in page
    assert '<p class="sub">1 file of other types not read (.exe 1)</p>' in page  # the report says it too


def _stored_rows(store: Path) -> dict[str, tuple[str, float]]:
    """path -> (status, analysed_at), read the way another process would while the batch runs."""
    if not store.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5) as db:
            return {p: (s, t) for p, s, t in db.execute("SELECT path, status, analysed_at FROM results")}
    except sqlite3.OperationalError:  # created but no table yet
        return {}


def test_kill_mid_batch_then_resume_loses_and_duplicates_nothing(tmp_path):
    """SIGKILL once KILL_AFTER result lines were read, then --resume: every file once, nothing redone.

    No clock decides when the kill lands: the batch writes its records to a pipe this test reads line by
    line, and a record is written only after its file is committed to the store. The test stops reading
    after KILL_AFTER lines, so the batch can get at most a pipe buffer (64 KiB) ahead before its next
    write blocks; each record here is several KiB, so the kill always lands mid-batch. Should a platform
    ever let the batch finish anyway, the resume contract below is checked all the same.
    """
    docs = tmp_path / "docs"
    for i in range(FILES):
        sub = docs / f"part{i % 5}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"doc{i:03d}.txt").write_text(f"Document {i}. " + SENTENCE * 25, encoding="utf-8")
    bad = {docs / "empty.txt": b"", docs / "part1" / "blob.txt": bytes(range(256)) * 4,
           docs / "part2" / "fake.docx": b"PK no zip"}
    for path, data in bad.items():
        path.write_bytes(data)
    store, out = tmp_path / "store.sqlite3", tmp_path / "out.jsonl"
    total = FILES + len(bad)
    command = [sys.executable, "-m", "sqzdesk", "--threads", "1", "batch", str(docs), "--store", str(store), "-q"]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    try:
        first = [json.loads(proc.stdout.readline()) for _ in range(KILL_AFTER)]
        os.kill(proc.pid, signal.SIGKILL)  # harmless if it had finished: it is not reaped yet
    finally:
        proc.wait()
        proc.stdout.close()
    killed = proc.returncode == -signal.SIGKILL
    assert len({r["path"] for r in first}) == KILL_AFTER
    before = _stored_rows(store)
    # every line read was committed first; a killed run stored fewer than all, a finished one all
    assert {r["path"] for r in first} <= set(before)
    assert (KILL_AFTER <= len(before) < total) if killed else len(before) == total

    resumed = run_cli("--threads", "1", "batch", str(docs), "--resume", "--out", str(out),
                      "--store", str(store))
    assert resumed.returncode == 1, resumed.stderr  # the bad files failed (again, from the store)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == total and len({r["path"] for r in lines}) == total
    expected = {str(p) for p in docs.rglob("*.txt")} | {str(p) for p in docs.rglob("*.docx")}
    assert {r["path"] for r in lines} == expected
    assert {r["path"] for r in lines if r["error"]} == {str(p) for p in bad}
    after = _stored_rows(store)
    assert len(after) == total
    assert sum(s == "done" for s, _ in after.values()) == FILES
    assert sum(s == "failed" for s, _ in after.values()) == len(bad)
    # what was stored before the kill was reused, not analysed again
    assert all(after[p] == row for p, row in before.items())
    assert len(failure_lines(resumed.stderr)) == len(bad)
    assert f"{total - len(before)} analysed, {len(before)} reused" in resumed.stderr


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere():
    def feed(progress: TerminalProgress) -> None:
        progress.progress(BatchProgress(0, 2, 0, 0, 0.0, None, Path("a.txt")))
        progress.result(FileResult(Path("a.txt"), "0" * 64, seconds=0.5))
        progress.progress(BatchProgress(1, 2, 0, 0, 0.5, 0.5, Path("b.txt")))
        progress.clear()  # the caller prints a failure line here
        progress.result(FileResult(Path("b.txt"), None, error="empty file"))
        progress.progress(BatchProgress(2, 2, 1, 0, 1.0, 0.0, None))
        progress.finish()

    plain, tty = io.StringIO(), io.StringIO()
    feed(TerminalProgress(plain, tty=False))
    assert plain.getvalue() == "[1/2] done a.txt (0.50 s)\n"  # the failure is the caller's line
    feed(TerminalProgress(tty, tty=True))
    out = tty.getvalue()
    assert out.startswith("\r\x1b[K[") and "2/2 100%" in out and "1 failed" in out and out.endswith("\n")
    assert format_eta(None) == "--:--" and format_eta(75) == "1:15" and format_eta(3725) == "1:02:05"
