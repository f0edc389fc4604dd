"""Offline guarantee: open -> analyse -> ask -> batch -> export with every network call refused.

Each step runs the real command in a child process whose socket layer raises on any connection attempt
and records it; the test fails on any attempt and on any network library being imported at all.
"""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import CLI_TIMEOUT_S, REPO
from pdfmaker import make_pdf

from sqzdesk.documents import read_document

GUARD = r"""
import socket, sys, json
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[:2])[:120])
    raise OSError("network disabled by the offline test")
for name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(socket.socket, name, refuse)
socket.create_connection = refuse
socket.getaddrinfo = refuse
from sqzdesk.cli import main
try:
    rc = main(sys.argv[1:])
finally:
    network = sorted(m for m in sys.modules if m.split(".")[0] in
                     {"requests", "urllib3", "httpx", "aiohttp", "ftplib", "smtplib", "websocket", "grpc"}
                     or m in {"http.client", "urllib.request", "PySide6.QtNetwork"})
    print("OFFLINE-CHECK " + json.dumps({"attempts": attempts, "network_modules": network}), file=sys.stderr)
sys.exit(rc)
"""


def _guarded(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-c", GUARD, *args], input=stdin, capture_output=True, text=True,
                          cwd=REPO, timeout=CLI_TIMEOUT_S)
    line = next(x for x in proc.stderr.splitlines() if x.startswith("OFFLINE-CHECK "))
    check = json.loads(line.removeprefix("OFFLINE-CHECK "))
    assert check == {"attempts": [], "network_modules": []}, check
    return proc


def test_whole_workflow_runs_with_the_network_refused(tmp_path):
    import docx

    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "memo.txt").write_text("Angela Merkel met Emmanuel Macron in Paris. Mail anna@example.org.\n")
    make_pdf(folder / "report.pdf", ["Acme Corporation opened an office in Berlin.", "Sales were poor."])
    document = docx.Document()
    document.add_paragraph("Maria Garcia works for Siemens in Munich.")
    document.save(str(folder / "notes.docx"))

    analyzed = _guarded("analyze", str(folder), "--format", "jsonl")
    assert analyzed.returncode == 0, analyzed.stderr
    assert len(analyzed.stdout.splitlines()) == 3

    asked = _guarded("ask", str(folder / "report.pdf"), "--question", "Where did Acme open an office?")
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["question"]

    stdin = json.dumps({"id": 1, "question": "Who met Macron?", "context": "Angela Merkel met Macron."}) + "\n"
    assert _guarded("ask", "--stdin", stdin=stdin).returncode == 0

    out, report, redacted = tmp_path / "out.jsonl", tmp_path / "report.html", tmp_path / "redacted"
    batch = _guarded("batch", str(folder), "--out", str(out), "--report", str(report), "--redact", "EMAIL",
                     "--redact-dir", str(redacted), "--store", str(tmp_path / "store.sqlite3"), "-q")
    assert batch.returncode == 0, batch.stderr
    assert len(out.read_text().splitlines()) == 3
    assert report.stat().st_size > 0
    # redacted copies in their own formats (a DOCX stays a DOCX), each with its audit
    texts = [read_document(p).text for p in redacted.rglob("*") if p.is_file() and not p.name.endswith(".audit.json")]
    assert texts and not any("anna@example.org" in t for t in texts)
    assert len(list(redacted.rglob("*.audit.json"))) == len(texts)
