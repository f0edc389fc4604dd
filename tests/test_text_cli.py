"""``sqzdesk text`` and ``--password-file``, through the real command on real PDFs."""

from __future__ import annotations

import json

from helpers import failure_lines, run_cli
from pdfmaker import make_encrypted_pdf, make_pdf

FULL = "The committee met on Tuesday to discuss the budget and the delegation was led by"


def test_text_prints_the_reflowed_text_exactly_as_analysed(tmp_path):
    pdf = make_pdf(tmp_path / "report.pdf", [f"{FULL} Angela\nMerkel, see https://example.org/re\nport today.",
                                             "Page two has the inter-\nnational press."])
    proc = run_cli("text", str(pdf))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (f"{FULL} Angela Merkel, see https://example.org/report today.\n\n"
                           "Page two has the international press.")


def test_text_json_gives_pages_quality_and_warnings(tmp_path):
    pdf = make_pdf(tmp_path / "report.pdf", [f"{FULL} Angela\nMerkel.", "Page two."])
    proc = run_cli("text", str(pdf), "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert list(record) == ["path", "text", "pages", "text_quality", "warnings", "parts"]
    assert record["path"] == str(pdf) and record["text_quality"] == "ok" and record["warnings"] == []
    assert [p["number"] for p in record["pages"]] == [1, 2] and not any(p["ocr"] for p in record["pages"])
    two = record["pages"][1]
    assert record["text"][two["start"] : two["end"]] == "Page two."
    start = record["text"].index("Angela Merkel")
    assert record["pages"][0]["start"] <= start < record["pages"][0]["end"]

    note = tmp_path / "note.txt"
    note.write_text("Plain notes about Paris.", encoding="utf-8")
    record = json.loads(run_cli("text", str(note), "--json").stdout)
    assert record["text"] == "Plain notes about Paris." and record["pages"] == []


def test_text_json_flags_garbage(tmp_path):
    garbage = "Xkqzt vbnrtp Qwrtzp lkjhgf Zxcvbn mnbvcx Plkjhg Trwqxz ghjkl Vbnmk Sdfghj Wrtzpq Klmnbv"
    record = json.loads(run_cli("text", str(make_pdf(tmp_path / "g.pdf", [garbage])), "--json").stdout)
    assert record["text_quality"] == "low"
    assert record["warnings"] == ["low text quality: 100% of the longer words have no vowels"]


def test_text_of_a_pdf_that_needs_a_password(tmp_path):
    pdf = make_encrypted_pdf(tmp_path / "locked.pdf", ["Top secret.", "Page two."], user_password="Grüße")
    proc = run_cli("text", str(pdf))
    assert proc.returncode == 1 and proc.stdout == ""
    assert failure_lines(proc.stderr) == [f"sqzdesk: {pdf}: password required"]

    wrong = tmp_path / "wrong.txt"
    wrong.write_text("nope\n", encoding="utf-8")
    proc = run_cli("text", str(pdf), "--password-file", str(wrong))
    assert proc.returncode == 1 and failure_lines(proc.stderr) == [f"sqzdesk: {pdf}: wrong password"]

    right = tmp_path / "right.txt"
    right.write_text("Grüße\n", encoding="utf-8")  # the first line, without its line end
    proc = run_cli("text", str(pdf), "--password-file", str(right))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Top secret.\n\nPage two."

    proc = run_cli("text", str(pdf), "--password-file", str(tmp_path / "missing.txt"))
    assert proc.returncode == 2 and "cannot read the password file" in proc.stderr


def test_analyze_and_ask_take_a_password_file(tmp_path):
    pdf = make_encrypted_pdf(tmp_path / "locked.pdf", ["Angela Merkel founded Acme Corporation in Berlin."],
                             user_password="hunter2")
    secret = tmp_path / "pw.txt"
    secret.write_text("hunter2", encoding="utf-8")

    proc = run_cli("analyze", str(pdf), "--format", "jsonl")
    assert proc.returncode == 1 and failure_lines(proc.stderr) == [f"sqzdesk: {pdf}: password required"]
    proc = run_cli("analyze", str(pdf), "--format", "jsonl", "--password-file", str(secret))
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["sentences"] and record["path"] == str(pdf)

    proc = run_cli("ask", str(pdf), "--question", "Who founded Acme?", "--password-file", str(secret))
    assert proc.returncode == 0, proc.stderr
    assert all(a["page"] == 1 for a in json.loads(proc.stdout)["answers"])
    proc = run_cli("ask", str(pdf), "--question", "Who founded Acme?")
    assert proc.returncode == 1 and failure_lines(proc.stderr) == [f"sqzdesk: {pdf}: password required"]
