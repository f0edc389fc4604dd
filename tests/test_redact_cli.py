"""``sqzdesk redact``, ``entities`` and ``store`` through the real command, on a folder of mixed formats."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import docx
from helpers import run_cli
from pdfmaker import make_pdf

from sqzdesk.batch.decisions import Decision, Source, Verdict, write_decisions
from sqzdesk.documents import read_document

SHARED = "jane.roe@example.org"        # in every file: one pseudonym across the folder
ONLY_SUB = "sub.secret@example.net"    # only under sub/: gone from the store after forgetting sub/
PHONE = "+44 20 7946 0958"
ADDED = "Quentin Blake"


def folder(root: Path) -> dict[str, Path]:
    (root / "sub").mkdir(parents=True)
    files = {"txt": root / "a.txt", "html": root / "sub" / "b.html", "docx": root / "sub" / "c.docx",
             "pdf": root / "d.pdf"}
    files["txt"].write_text(f"{ADDED} asked us to write to {SHARED} or call {PHONE} today.\n", encoding="utf-8")
    files["html"].write_text(f"<html><body><h1>Memo</h1><p>Mail {SHARED} and {ONLY_SUB}.</p></body></html>",
                             encoding="utf-8")
    word = docx.Document()
    word.add_heading("Contact sheet", level=1)
    word.add_paragraph(f"Reach her at {SHARED} please.", style="List Bullet")
    word.add_paragraph("The weather was fine.", style="Quote")
    word.save(str(files["docx"]))
    make_pdf(files["pdf"], [f"Invoice questions: {SHARED} thanks."])
    return files


def decision(path: Path, surface: str, label: str, verdict: Verdict, source: Source) -> Decision:
    text = read_document(path).text
    start = text.index(surface)
    return Decision(hashlib.sha256(path.read_bytes()).hexdigest(), start, start + len(surface), label, surface,
                    verdict, source)


def test_redact_a_mixed_folder_with_decisions_pseudonyms_and_audits(tmp_path):
    files = folder(tmp_path / "in")
    (tmp_path / "in" / "contacts.csv").write_text(f"name,email\nX,{SHARED}\n", encoding="utf-8")  # not read
    decisions = tmp_path / "decisions.jsonl"
    with open(decisions, "w", encoding="utf-8") as f:
        write_decisions([decision(files["txt"], ADDED, "PER", Verdict.ADDED, Source.ANALYST),
                         decision(files["txt"], PHONE, "PHONE", Verdict.REJECTED, Source.RULE)], f)
    out, store = tmp_path / "out", tmp_path / "store.sqlite3"
    proc = run_cli("--threads", "1", "redact", str(tmp_path / "in"), "--out", str(out), "--mode", "pseudonyms",
                   "--decisions", str(decisions), "--store", str(store))
    assert proc.returncode == 0, proc.stderr
    # a file it cannot read is named, not handed over in silence (and no copy of it is made)
    assert proc.stderr.splitlines()[-1] == ("sqzdesk redact: 1 file of other types not read (.csv 1): "
                                            "no redacted copy of them was made")
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["a.txt", "a.txt.audit.json", "d.pdf.txt", "d.pdf.txt.audit.json", "sub/b.html",
                       "sub/b.html.audit.json", "sub/c.docx", "sub/c.docx.audit.json"]
    texts = {k: read_document(out / name).text for k, name in
             (("txt", "a.txt"), ("html", "sub/b.html"), ("docx", "sub/c.docx"), ("pdf", "d.pdf.txt"))}
    for kind, text in texts.items():
        assert SHARED not in text and "Email 1" in text, kind  # the same pseudonym in every file
    assert ADDED not in texts["txt"] and PHONE in texts["txt"]  # added: redacted; rejected: kept
    assert ONLY_SUB not in texts["html"] and "Email 2" in texts["html"]
    original, redacted = docx.Document(str(files["docx"])), docx.Document(str(out / "sub" / "c.docx"))
    assert [p.style.name for p in redacted.paragraphs] == [p.style.name for p in original.paragraphs]
    audit = json.loads((out / "a.txt.audit.json").read_text(encoding="utf-8"))
    assert audit["mode"] == "pseudonyms" and audit["document"]["sha256"] == \
        hashlib.sha256(files["txt"].read_bytes()).hexdigest()
    added = [s for s in audit["spans"] if s["decision"] == "added"]
    assert [(s["label"], s["source"]) for s in added] == [("PER", "analyst")]
    assert [k["label"] for k in audit["kept"]] == ["PHONE"] and "entities=" in audit["versions"]["models"]

    # who appears where: the index over the store the run filled
    proc = run_cli("entities", "--store", str(store), "--types", "EMAIL")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0 and rows[0]["text"] == SHARED and rows[0]["documents"] == 4
    assert {r["text"] for r in rows} == {SHARED, ONLY_SUB}
    proc = run_cli("entities", "--store", str(store), "--format", "csv", "--contains", "SECRET")
    table = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [(r["text"], r["documents"], r["paths"]) for r in table] == \
        [(ONLY_SUB, "1", str(files["html"]))]

    # forgetting a folder: its texts are nowhere in the store's files, the rest is still there
    proc = run_cli("store", "forget", str(tmp_path / "in" / "sub"), "--store", str(store))
    assert proc.returncode == 0 and "forgot 2 result row(s)" in proc.stdout, proc.stderr
    data = b"".join(p.read_bytes() for p in (store, Path(f"{store}-wal"), Path(f"{store}-shm")) if p.exists())
    assert ONLY_SUB.encode() not in data and SHARED.encode() in data
    proc = run_cli("store", "info", "--store", str(store))
    assert proc.returncode == 0 and "documents: 2" in proc.stdout and str(store) in proc.stdout
    assert run_cli("store", "forget", "--store", str(store)).returncode == 2  # neither paths nor --all
    proc = run_cli("store", "forget", "--all", "--store", str(store))
    assert proc.returncode == 0
    data = b"".join(p.read_bytes() for p in (store, Path(f"{store}-wal"), Path(f"{store}-shm")) if p.exists())
    assert SHARED.encode() not in data


def test_redact_usage_errors(tmp_path):
    (tmp_path / "a.txt").write_text("Hello Jane.", encoding="utf-8")
    assert run_cli("redact", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"), "--types", "PER,NOPE",
                   "--store", str(tmp_path / "s")).returncode == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"decision": "maybe"}\n', encoding="utf-8")
    proc = run_cli("redact", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"), "--decisions", str(bad),
                   "--store", str(tmp_path / "s"))
    assert proc.returncode == 2 and "line 1" in proc.stderr
