"""Custom entity lists (issue 17): the user's names, code names and case-number shapes as entities, in the
one analysis (so in analyze, batch and redaction), stored as one JSON file, managed by ``sqzdesk terms``."""

from __future__ import annotations

import json

import pytest
from helpers import run_cli

from sqzdesk.engine.analysis import Analyzer
from sqzdesk.engine.results import Entity
from sqzdesk.engine.terms import (
    TermList,
    TermMatcher,
    TermsError,
    TermStore,
    check_regex,
    combine_rules,
    read_terms_file,
)


def _found(term_list: TermList, text: str) -> list[tuple[str, str]]:
    return [(e.text, e.label) for e in term_list.find(text)]


def test_whole_words_and_case():
    clients = TermList("clients", "CLIENT", ("Acme", "Acme Holdings", "Globex"))
    text = "Acme Holdings and Acmeville; ACME and Globex."
    assert _found(clients, text) == [("Acme Holdings", "CLIENT"), ("Globex", "CLIENT")]
    loose = TermList("clients", "CLIENT", ("Acme",), case_insensitive=True, whole_word=False)
    assert [e.text for e in loose.find(text)] == ["Acme", "Acme", "ACME"]


def test_regular_expressions_and_many_terms():
    cases = TermList("cases", "CASE", ("re:case[- ]?\\d{2,5}", "re:[A-Z]{2}-\\d{4}-\\d{3}"), case_insensitive=True)
    assert [e.text for e in cases.find("See Case-42, case 1187 and AB-2024-117; not case-1.")] == \
        ["Case-42", "case 1187", "AB-2024-117"]
    names = tuple(f"Client{i:05d}" for i in range(20_000))
    big = TermList("big", "CLIENT", names)
    assert [e.text for e in big.find("Paid Client00042 and Client19999, not Client00042x.")] == \
        ["Client00042", "Client19999"]


@pytest.mark.parametrize(("pattern", "words"), [
    ("(a+)+$", "exponential"), ("(x*)*y", "exponential"), ("(\\w+\\s?)*$", "exponential"),
    ("(a)\\1", "backreferences"), ("x" * 201, "over 200"), ("[unclosed", "invalid regular expression"),
    ("", "empty"),
])
def test_dangerous_or_broken_regexes_are_refused(pattern, words):
    with pytest.raises(TermsError, match=words):
        check_regex(pattern)
    with pytest.raises(TermsError):
        TermList("x", "X", ("re:" + pattern,))


@pytest.mark.parametrize(("name", "label", "entries"), [
    ("bad name", "X", ("a",)), ("ok", "lower", ("a",)), ("ok", "X", ()), ("ok", "X", ("  ",)),
])
def test_invalid_lists_are_refused(name, label, entries):
    with pytest.raises(TermsError):
        TermList(name, label, entries)


def test_term_files(tmp_path):
    txt = tmp_path / "clients.txt"
    txt.write_text("# our clients\nAcme Holdings\n\n  Globex  \nre:case-\\d+\n", encoding="utf-8")
    assert read_terms_file(txt) == ["Acme Holdings", "Globex", "re:case-\\d+"]
    csv_file = tmp_path / "clients.csv"
    csv_file.write_text("id,term\n1,Acme\n2,Initech\n", encoding="utf-8")
    assert read_terms_file(csv_file) == ["Acme", "Initech"]
    big = tmp_path / "big.txt"
    big.write_bytes(b"a\n" * 3_000_000)
    with pytest.raises(TermsError, match="over the 5 MB"):
        read_terms_file(big)


def test_store_add_replace_remove(tmp_path):
    store = TermStore(tmp_path / "terms.json")
    assert store.load() == ()
    store.add(TermList("clients", "CLIENT", ("Acme",)))
    with pytest.raises(TermsError, match="exists"):
        store.add(TermList("clients", "CLIENT", ("Globex",)))
    store.add(TermList("clients", "CLIENT", ("Globex",)), replace=True)
    store.add(TermList("projects", "PROJECT", ("Bluebird",)))
    assert [(t.name, t.entries) for t in store.load()] == [("clients", ("Globex",)), ("projects", ("Bluebird",))]
    assert [t.name for t in store.select("projects").lists] == ["projects"]
    assert store.select("none").lists == ()
    with pytest.raises(TermsError, match="no term list named nope"):
        store.select("nope")
    store.remove("clients")
    assert [t.name for t in store.load()] == ["projects"]
    assert [p.name for p in tmp_path.iterdir()] == ["terms.json"]  # no temporary file left
    (tmp_path / "terms.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(TermsError, match="unreadable term lists"):
        store.load()


def test_terms_win_over_patterns_and_model_entities():
    terms = [Entity(10, 20, "CLIENT", "x", 1.0)]
    patterns = [Entity(15, 30, "EMAIL", "y", 1.0), Entity(40, 50, "PHONE", "z", 1.0)]
    assert [e.label for e in combine_rules(terms, patterns)] == ["CLIENT", "PHONE"]


def test_terms_in_the_stream_replace_model_entities_and_cross_chunks_once():
    text = "Angela Merkel met the Acme Holdings board in Paris. " * 6
    matcher = TermMatcher([TermList("clients", "CLIENT", ("Acme Holdings", "Angela Merkel"))])
    analyzer = Analyzer.open(["entities"], terms=matcher)
    whole = analyzer.analyze(text, patterns=())
    analyzer.chunk_chars = 70  # chunk edges fall inside names
    chunked = analyzer.analyze(text, patterns=())
    clients = [(e.start, e.end) for e in whole.entities if e.label == "CLIENT"]
    assert len(clients) == 12 and [(e.start, e.end) for e in chunked.entities if e.label == "CLIENT"] == clients
    for entities in (whole.entities, chunked.entities):
        others = [e for e in entities if e.label != "CLIENT"]
        assert not any(e.start < c_end and c_start < e.end for e in others for c_start, c_end in clients)


def test_cli_terms_then_analyze_and_redact(tmp_path):
    names = tmp_path / "clients.txt"
    names.write_text("Acme Holdings\nre:case[- ]?\\d{3,5}\n", encoding="utf-8")
    added = run_cli("terms", "add", "clients", "--label", "client", "-i", str(names), "Globex")
    assert added.returncode == 0, added.stderr
    listed = json.loads(run_cli("terms", "list", "--json").stdout)
    assert listed[0]["label"] == "CLIENT" and listed[0]["entries"] == ["Acme Holdings", "re:case[- ]?\\d{3,5}", "Globex"]
    bad = run_cli("terms", "add", "x", "--label", "X", "re:(a+)+")
    assert bad.returncode == 2 and "exponential" in bad.stderr
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("The ACME HOLDINGS file, case-1187, went to Globex.\n", encoding="utf-8")
    out = run_cli("analyze", str(folder / "a.txt"), "--tasks", "entities")
    found = [(e["text"], e["label"]) for e in json.loads(out.stdout)[0]["entities"] if e["label"] == "CLIENT"]
    assert found == [("ACME HOLDINGS", "CLIENT"), ("case-1187", "CLIENT"), ("Globex", "CLIENT")]
    assert not any(e["label"] == "CLIENT" for e in json.loads(run_cli(
        "analyze", str(folder / "a.txt"), "--tasks", "entities", "--terms", "none").stdout)[0]["entities"])
    redacted = tmp_path / "redacted"
    done = run_cli("batch", str(folder), "--tasks", "entities", "--redact", "CLIENT", "--redact-dir", str(redacted),
                   "--store", str(tmp_path / "s.sqlite3"), "-q", "--out", str(tmp_path / "out.jsonl"))
    assert done.returncode == 0, done.stderr
    text = next(redacted.rglob("a.txt")).read_text(encoding="utf-8")
    assert "Globex" not in text and "1187" not in text and text.count("[CLIENT]") == 3
    assert run_cli("terms", "remove", "clients").returncode == 0
    assert run_cli("terms", "remove", "clients").returncode == 2


def test_cli_redact_takes_term_labels_by_default(tmp_path):
    assert run_cli("terms", "add", "projects", "--label", "PROJECT", "Bluebird", "Nightjar").returncode == 0
    doc = tmp_path / "memo.txt"
    doc.write_text("Project Bluebird moves to phase two; Nightjar is paused.\n", encoding="utf-8")
    out = tmp_path / "out"
    done = run_cli("redact", str(doc), "--out", str(out), "--store", str(tmp_path / "s.sqlite3"), "-q")
    assert done.returncode == 0, done.stderr
    text = next(p for p in out.rglob("memo*.txt")).read_text(encoding="utf-8")
    assert "Bluebird" not in text and "Nightjar" not in text and "[PROJECT]" in text
    kept = run_cli("redact", str(doc), "--out", str(tmp_path / "out2"), "--types", "PER",
                   "--store", str(tmp_path / "s.sqlite3"), "-q")
    assert kept.returncode == 0, kept.stderr
    assert "Bluebird" in next(p for p in (tmp_path / "out2").rglob("memo*.txt")).read_text(encoding="utf-8")
