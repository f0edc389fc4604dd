"""Folder scanning: supported types, hidden entries, symlink loops, unreadable folders."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from sqzdesk.batch.scan import ScanProblem, describe_skipped, scan


def test_scan_walks_recursively_and_reports_loops(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "x.TXT").write_text("x")
    (tmp_path / "a" / "b" / "y.pdf").write_bytes(b"%PDF")
    (tmp_path / "a" / "z.exe").write_bytes(b"MZ")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.txt").write_text("no")
    os.symlink(tmp_path / "a", tmp_path / "a" / "b" / "loop")
    items = list(scan([tmp_path]))
    files = sorted(p.name for p in items if not isinstance(p, ScanProblem))
    problems = [p for p in items if isinstance(p, ScanProblem)]
    assert files == ["x.TXT", "y.pdf"]
    assert len(problems) == 1 and "loop" in problems[0].reason


def test_files_of_other_types_are_counted_not_listed(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.CSV", "b.csv", "sub/c.xlsx", "Makefile", "d.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "e.csv").write_text("hidden: neither read nor counted")
    skipped: Counter[str] = Counter()
    items = list(scan([tmp_path, tmp_path / "Makefile"], skipped))  # a file named explicitly is passed on
    assert items == [tmp_path / "d.txt", tmp_path / "Makefile"]
    assert skipped == {".csv": 2, ".xlsx": 1, "no extension": 1}
    assert describe_skipped(skipped) == "4 files of other types not read (.csv 2, .xlsx 1, no extension 1)"
    assert describe_skipped(Counter({".a": 1})) == "1 file of other types not read (.a 1)"
    assert describe_skipped(Counter({f".{c}": 1 for c in "abcde"}), most=2) == (
        "5 files of other types not read (.a 1, .b 1, …)")
    assert describe_skipped(Counter()) == "" and list(scan([tmp_path])) == items[:1]  # counting is optional


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads unreadable folders")
def test_unreadable_folder_is_reported(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        assert any(isinstance(p, ScanProblem) for p in scan([tmp_path]))
    finally:
        locked.chmod(0o755)


def test_missing_path_is_a_problem_not_a_crash(tmp_path):
    assert isinstance(next(iter(scan([tmp_path / "nope"]))), ScanProblem)
