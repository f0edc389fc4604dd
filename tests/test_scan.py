"""Folder scanning: supported types, hidden entries, symlink loops, unreadable folders."""

from __future__ import annotations

import os

import pytest

from sqzdesk.batch.scan import ScanProblem, scan


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
