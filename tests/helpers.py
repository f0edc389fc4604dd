"""Helpers the test files share: the real command, the shipped bundles, folders and texts users give it.

Test files import from here (never from another test file or from ``conftest``); ``conftest`` imports
from here too and re-exports the older names for the files that still take them from it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "assets" / "models"
CLI_TIMEOUT_S = 900  # only against a hung child; no test asserts on how long anything takes


def run_cli(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command, as other tooling runs it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "sqzdesk", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, cwd=REPO, timeout=CLI_TIMEOUT_S)


def failure_lines(stderr: str) -> list[str]:
    """The one-line-per-failure stderr lines (``sqzdesk: WHERE: reason``)."""
    return [line for line in stderr.splitlines() if line.startswith("sqzdesk: ")]


def shipped_bundle(task: str) -> Path:
    """The shipped bundle folder for a task, or skip the test where it is not there yet."""
    for sub in sorted(SHIPPED.glob("*/manifest.json")):
        if json.loads(sub.read_text()).get("task") == task:
            return sub.parent
    pytest.skip(f"no shipped '{task}' bundle in assets/models yet")


# ---- folders --------------------------------------------------------------------------------------

GOOD_TEXT = ("Angela Merkel met Emmanuel Macron in Paris. Write to angela.merkel@example.de or call "
             "+49 30 1234567. The talks went well and everyone was pleased.\n")


@dataclass(frozen=True)
class Folder:
    root: Path
    good: frozenset[Path]
    bad: dict[Path, str]      # file -> expected words in its error
    problems: frozenset[Path]  # scan problems (not files)


def mixed_folder(root: Path) -> Folder:
    """The folder a user drops in: good files, bad files, hidden and unsupported entries, a loop.

    Nested folders, good files in every format, the bad files users actually drop in, a symlink loop
    and (when not root) an unreadable file.
    """
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


# ---- texts ----------------------------------------------------------------------------------------

# The news text the CLI, batch and GUI tests share (tests/guikit.py re-exports it).
NEWS = (
    "Angela Merkel met the Acme Corporation board in Berlin on Monday. The talks went well and "
    "everyone praised the wonderful new factory.\n\n"
    "In Paris, the city council said the plan was terrible for the river. Critics in London called "
    "the price awful.\n\n"
    "What did Angela Merkel visit? She visited the tower in Paris with the analyst from Germany.\n"
)
CONTACTS = ("Questions go to press.office@acme-example.com or +44 20 7946 0958; donations to "
            "GB82 WEST 1234 5698 7654 32.")


def long_report(n_chars: int = 12_000) -> str:
    """A realistic long report (many chunks of the streaming analysis) built from :data:`NEWS`, with an
    e-mail address, a phone number and an IBAN in one paragraph about two thirds of the way in."""
    paragraphs = [p.strip() for p in NEWS.split("\n\n")]
    out: list[str] = []
    k, contacts_added = 0, False
    while sum(map(len, out)) < n_chars:
        paragraph = f"Section {k}. {paragraphs[k % len(paragraphs)]}"
        if not contacts_added and sum(map(len, out)) >= n_chars * 2 // 3:
            paragraph += " " + CONTACTS
            contacts_added = True
        out.append(paragraph)
        k += 1
    return "\n\n".join(out) + "\n"


EXCHANGE_RATES = "".join(f"2015-07-{day:02d},EUR,USD,1.{800 + 7 * day:04d},1.{805 + 7 * day:04d}\n"
                         for day in range(1, 29))
