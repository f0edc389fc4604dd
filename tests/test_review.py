"""Privacy review without the GUI: decisions in the store, redaction with decisions, redacted exports
(text, Markdown, HTML, DOCX) with their audit, the entity index over the store, and forgetting."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest

from sqzdesk.batch.decisions import Decision, Source, Verdict, read_decisions, restore, write_decisions
from sqzdesk.batch.entity_index import entity_index
from sqzdesk.batch.redacted_export import (
    RedactionInput,
    RedactionSettings,
    audit_path,
    export_redacted,
    load_input,
    output_name,
)
from sqzdesk.batch.redaction import MASK, Pseudonyms, RedactionMode, mentions, plan_redaction, render
from sqzdesk.batch.results import FileResult
from sqzdesk.batch.store import ResultStore
from sqzdesk.documents import DocumentError, read_bytes
from sqzdesk.engine.analysis import Analysis
from sqzdesk.engine.patterns import find_patterns
from sqzdesk.engine.results import Entity

TEXT = ("Jane Doe met Paris Hilton in Paris. Jane Doe wrote to jane@example.org.\n"
        "Acme Corp paid Jane Doe; call +44 20 7946 0958.\n")


def ent(text: str, surface: str, label: str, nth: int = 0) -> Entity:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return Entity(start, start + len(surface), label, surface, 0.9)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def decision(text: str, e: Entity, verdict: Verdict, source: Source = Source.MODEL, label: str | None = None) -> Decision:
    return Decision(sha(text), e.start, e.end, label or e.label, text[e.start:e.end], verdict, source)


def entities_of(text: str) -> list[Entity]:
    model = [ent(text, "Jane Doe", "PER"), ent(text, "Paris Hilton", "PER"), ent(text, "Paris", "LOC", 1),
             ent(text, "Acme Corp", "ORG")]
    return sorted([*model, *find_patterns(text)], key=lambda e: e.start)


# ---- decisions in the store ------------------------------------------------------------------------

def test_decisions_persist_by_content_and_replace_per_span(tmp_path):
    path = tmp_path / "store" / "results.sqlite3"
    jane = ent(TEXT, "Jane Doe", "PER")
    with ResultStore(path) as store:
        store.record_decision(decision(TEXT, jane, Verdict.REJECTED))
        store.record_decision(decision(TEXT, jane, Verdict.ACCEPTED))  # changed her mind: one row
        store.record_decision(Decision(sha(TEXT), 46, 50, "ORG", TEXT[46:50], Verdict.ADDED, Source.ANALYST))
    with ResultStore(path) as store:  # reopened: as made
        got = store.decisions(sha(TEXT))
        assert [(d.start, d.verdict, d.source) for d in got] == [(0, Verdict.ACCEPTED, Source.MODEL),
                                                                  (46, Verdict.ADDED, Source.ANALYST)]
        assert all(d.decided_at > 0 for d in got)
        store.remove_decision(sha(TEXT), 46, 50)
        assert [d.start for d in store.decisions(sha(TEXT))] == [0]
        assert store.decisions(sha("other text")) == []


def test_an_edited_file_shows_which_decisions_no_longer_match(tmp_path):
    doc = tmp_path / "notes.txt"
    jane, acme = ent(TEXT, "Jane Doe", "PER"), ent(TEXT, "Acme Corp", "ORG")
    edited = TEXT.replace("Acme Corp", "Globex Ltd")  # same length: Jane still matches, Acme does not
    with ResultStore(tmp_path / "s.sqlite3") as store:
        for e in (jane, acme):
            store.record_decision(Decision(sha(TEXT), e.start, e.end, e.label, e.text, Verdict.ACCEPTED,
                                           Source.MODEL, path=str(doc)))
        same = restore(store, doc, sha(TEXT), TEXT)
        assert len(same.current) == 2 and not same.carried and not same.stale
        copy_elsewhere = restore(store, tmp_path / "copy.txt", sha(TEXT), TEXT)
        assert len(copy_elsewhere.current) == 2  # keyed by content, not by path
        changed = restore(store, doc, sha(edited), edited)
        assert not changed.current
        assert [d.text for d in changed.carried] == ["Jane Doe"] and [d.text for d in changed.stale] == ["Acme Corp"]
        store.record_decision(changed.carried[0].moved_to(sha(edited)))
        assert [d.text for d in restore(store, doc, sha(edited), edited).current] == ["Jane Doe"]


def test_decisions_file_round_trips_and_rejects_nonsense(tmp_path):
    made = [decision(TEXT, ent(TEXT, "Jane Doe", "PER"), Verdict.REJECTED)]
    out = io.StringIO()
    assert write_decisions(made, out) == 1
    assert [(d.start, d.verdict, d.text) for d in read_decisions(out.getvalue().splitlines())] == \
        [(0, Verdict.REJECTED, "Jane Doe")]
    with pytest.raises(ValueError, match="line 1"):
        list(read_decisions(['{"sha256": "x", "start": 0, "end": 3, "label": "PER", "text": "Jane", '
                             '"decision": "accepted"}']))
    with pytest.raises(ValueError, match="line 2"):
        list(read_decisions(["", '{"decision": "maybe"}']))


CHILD = """
import sys, time
from sqzdesk.batch.decisions import Decision, Source, Verdict
from sqzdesk.batch.store import ResultStore
store = ResultStore(sys.argv[1])
for i in range(100000):
    store.record_decision(Decision("f" * 64, i * 10, i * 10 + 4, "PER", "Jane", Verdict.ACCEPTED, Source.MODEL))
    print(i, flush=True)
"""


def test_kill_9_during_review_loses_at_most_the_decision_being_made(tmp_path):
    path = tmp_path / "results.sqlite3"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    confirmed = -1
    while confirmed < 40:
        confirmed = int(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with ResultStore(path) as store:
        kept = store.decisions("f" * 64)
    # every decision reported as made is there, whole, and at most the one in flight beyond them
    assert len(kept) >= confirmed + 1
    assert [d.start for d in kept] == [i * 10 for i in range(len(kept))]
    assert all(d.text == "Jane" and d.verdict is Verdict.ACCEPTED for d in kept)


# ---- redaction with decisions ----------------------------------------------------------------------

def test_redaction_applies_decisions_accepted_added_rejected():
    entities = entities_of(TEXT)
    paris_city = ent(TEXT, "Paris", "LOC", 1)
    acme = ent(TEXT, "Acme Corp", "ORG")
    decisions = [decision(TEXT, paris_city, Verdict.REJECTED),        # the city stays
                 decision(TEXT, acme, Verdict.ACCEPTED),
                 Decision(sha(TEXT), TEXT.index("wrote"), TEXT.index("wrote") + 5, "MISC", "wrote",
                          Verdict.ADDED, Source.ANALYST)]
    plan = plan_redaction(TEXT, entities, {"PER", "EMAIL"}, decisions)  # ORG not chosen, but accepted
    out = render(plan).text
    for gone in ("Jane Doe", "Paris Hilton", "jane@example.org", "Acme Corp", "wrote"):
        assert gone not in out
    assert "in Paris." in out and "+44 20 7946 0958" in out  # rejected kept; PHONE not chosen
    assert out.count("[PER]") == 4  # Jane three times (every mention), Paris Hilton once
    by_text = {TEXT[s.start:s.end]: s for s in plan.spans}
    assert by_text["Acme Corp"].verdict is Verdict.ACCEPTED and by_text["wrote"].source is Source.ANALYST
    assert [d.text for d in plan.kept] == ["Paris"]


def test_a_rejected_mention_is_not_redacted_as_a_repeat_and_stale_ones_are_not_applied():
    text = "Paris is nice. Paris Hilton likes Paris."
    entities = [ent(text, "Paris", "LOC")]
    rejected = decision(text, ent(text, "Paris", "LOC", 2), Verdict.REJECTED)
    stale = Decision(sha(text), 0, 5, "LOC", "Rome!", Verdict.ADDED, Source.ANALYST)
    plan = plan_redaction(text, entities, {"LOC"}, [rejected, stale])
    assert render(plan).text == "[LOC] is nice. [LOC] Hilton likes Paris."
    assert plan.stale == (stale,)


def test_pseudonyms_are_consistent_and_per_type():
    names = Pseudonyms()
    assert names.name("PER", "Jane Doe") == "Person 1" == names.name("PER", "jane  DOE")
    assert names.name("PER", "John Roe") == "Person 2" and names.name("ORG", "Acme") == "Organisation 1"
    plan = plan_redaction(TEXT, entities_of(TEXT), {"PER", "ORG", "EMAIL"})
    shared = Pseudonyms()
    first = render(plan, RedactionMode.PSEUDONYMS, shared).text
    assert first.count("Person 1") == 3 and "Person 2 in Paris" in first and "Organisation 1" in first
    assert render(plan, RedactionMode.PSEUDONYMS, shared).text == first  # a second file: same names
    masked = render(plan, RedactionMode.MASK).text
    assert "Jane" not in masked and "[PER]" not in masked and masked.count(MASK) == len(plan.spans)


# ---- exports -------------------------------------------------------------------------------------

def styled_docx() -> bytes:
    word = docx.Document()
    word.add_heading("Notes on Jane Doe", level=1)
    para = word.add_paragraph("Jane ", style="List Bullet")
    para.add_run("Doe").bold = True
    para.add_run(" works for Acme Corp; mail jane@example.org or call +44 20 7946 0958.")
    word.add_paragraph("Nothing personal here.", style="Quote")
    table = word.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Contact"
    table.cell(0, 1).text = "Jane   Doe"
    word.core_properties.author = "Jane Doe"
    word.sections[0].footer.paragraphs[0].text = "Prepared about Jane Doe for Acme Corp"
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def item_for(name: str, data: bytes, decisions=()) -> RedactionInput:
    document = read_bytes(data, Path(name).suffix, path=Path(name))
    text = document.text
    entities = sorted([*find_patterns(text),
                       *(Entity(i, i + 8, "PER", "Jane Doe", 0.9) for i in _all(text, "Jane Doe")),
                       *(Entity(i, i + 9, "ORG", "Acme Corp", 0.9) for i in _all(text, "Acme Corp"))],
                      key=lambda e: e.start)
    return RedactionInput(Path(name), data, hashlib.sha256(data).hexdigest(), document, tuple(entities),
                          tuple(decisions))


def _all(text: str, surface: str) -> list[int]:
    out, i = [], text.find(surface)
    while i >= 0:
        out.append(i)
        i = text.find(surface, i + 1)
    return out


def test_docx_export_replaces_runs_keeps_styles_and_leaves_no_trace(tmp_path):
    data = styled_docx()
    item = item_for("notes.docx", data)
    assert "Jane Doe" in item.document.text
    exported = export_redacted(item, tmp_path / "out" / "notes.docx")
    assert exported.format == "docx" and exported.note is None
    original, redacted = docx.Document(io.BytesIO(data)), docx.Document(str(exported.target))
    assert [p.style.name for p in redacted.paragraphs] == [p.style.name for p in original.paragraphs]
    assert redacted.paragraphs[1].runs[0].text == "[PER]" and redacted.paragraphs[1].runs[1].bold
    text = read_bytes(exported.target.read_bytes(), ".docx").text
    assert text.startswith("Notes on [PER]\n[PER] works for [ORG]; mail [EMAIL] or call [PHONE].")
    assert redacted.tables[0].cell(0, 1).text == "[PER]"
    # the footer is read (after the body, issue 15) and redacted where the plan says, like the body
    assert text.endswith("\n\nFooter: Prepared about [PER] for [ORG]")
    assert redacted.sections[0].footer.paragraphs[0].text == "Prepared about [PER] for [ORG]"
    # nowhere in the package: not in the footer, not in the properties
    import zipfile
    with zipfile.ZipFile(exported.target) as z:
        for name in z.namelist():
            body = z.read(name)
            assert b"Jane" not in body and b"jane@example.org" not in body and b"7946" not in body, name


def test_docx_keeps_a_rejected_mention_of_a_redacted_name(tmp_path):
    word = docx.Document()
    word.add_paragraph("Jane Doe signed.")
    word.add_paragraph("The ship Jane Doe sailed.")  # another run: no sweep may touch it
    buffer = io.BytesIO()
    word.save(buffer)
    item = item_for("ship.docx", buffer.getvalue())
    text = item.document.text
    ship = ent(text, "Jane Doe", "PER", 1)
    rejected = Decision(item.sha256, ship.start, ship.end, "PER", "Jane Doe", Verdict.REJECTED, Source.MODEL)
    item = RedactionInput(item.path, item.data, item.sha256, item.document, item.entities, (rejected,))
    exported = export_redacted(item, tmp_path / "ship.docx")
    assert read_bytes(exported.target.read_bytes(), ".docx").text == "[PER] signed.\nThe ship Jane Doe sailed."


def test_text_markdown_html_exports_and_audit(tmp_path):
    jane = None
    for name in ("a.txt", "b.md", "c.html"):
        data = ("# Notes\n\n" + TEXT if name.endswith(".md") else
                f"<p>{TEXT}</p><a href='mailto:jane@example.org'>x</a>" if name.endswith(".html") else TEXT).encode()
        item = item_for(name, data)
        text = item.document.text
        jane = ent(text, "Jane Doe", "PER")
        keep = decision(text, ent(text, "Acme Corp", "ORG"), Verdict.REJECTED)
        keep = Decision(item.sha256, keep.start, keep.end, keep.label, keep.text, keep.verdict, keep.source)
        item = RedactionInput(item.path, item.data, item.sha256, item.document, item.entities, (keep,))
        exported = export_redacted(item, tmp_path / name, RedactionSettings(RedactionMode.PSEUDONYMS),
                                   versions={"models": "entities=tiny@1"})
        body = exported.target.read_text(encoding="utf-8")
        assert "Jane" not in body and "jane@example.org" not in body and "Acme Corp" in body
        assert "Person 1" in body
        audit = json.loads(audit_path(exported.target).read_text(encoding="utf-8"))
        assert audit["document"]["sha256"] == item.sha256 and audit["mode"] == "pseudonyms"
        assert audit["versions"]["models"] == "entities=tiny@1" and audit["versions"]["app"]
        assert {s["source"] for s in audit["spans"]} == {"model", "rule"}
        assert {s["decision"] for s in audit["spans"]} == {"unreviewed"}
        assert audit["kept"] == [{"start": keep.start, "end": keep.end, "label": "ORG", "source": "model",
                                  "decision": "rejected"}]
        assert "Jane" not in json.dumps(audit)  # the audit travels with the copy: offsets, no texts
        assert any(s["start"] == jane.start and s["replacement"] == "Person 1" for s in audit["spans"])
    html_out = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert html_out.startswith("<!DOCTYPE html>") and "mailto" not in html_out
    md_out = (tmp_path / "b.md").read_text(encoding="utf-8")
    assert "\\+44" not in md_out and "Phone 1" in md_out


def test_the_gui_export_path_every_mention_and_a_changed_file(tmp_path):
    """What File -> Export redacted does: the tab's entities, "apply to every mention" as one decision per
    mention (the GUI's loop), the file as it is on disk, refused if it changed since it was analysed."""
    path = tmp_path / "memo.txt"
    path.write_text(TEXT, encoding="utf-8")
    first = ent(TEXT, "Jane Doe", "PER")
    assert mentions(TEXT, "Jane Doe") == [(i, i + 8) for i in _all(TEXT, "Jane Doe")] and mentions(TEXT, " ") == []
    rejected = [Decision(sha(TEXT), s, e, "PER", TEXT[s:e], Verdict.REJECTED, Source.MODEL)
                for s, e in mentions(TEXT, "Jane Doe")]
    item = load_input(path, [first], rejected, sha256=sha(TEXT))
    exported = export_redacted(item, tmp_path / "out" / "memo.txt")
    assert exported.target.read_text(encoding="utf-8") == TEXT  # every mention kept in the clear
    path.write_text(TEXT.replace("Jane", "Joan"), encoding="utf-8")
    with pytest.raises(DocumentError, match="changed"):
        load_input(path, [first], sha256=sha(TEXT))


def test_output_names_mirror_the_inputs(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    roots = [tmp_path / "in"]
    assert output_name(tmp_path / "in" / "sub" / "a.docx", roots) == Path("sub/a.docx")
    assert output_name(tmp_path / "in" / "b.pdf", roots) == Path("b.pdf.txt")
    assert output_name(tmp_path / "in" / "c.HTM", roots) == Path("c.HTM")
    assert audit_path(Path("x/b.pdf.txt")) == Path("x/b.pdf.txt.audit.json")


# ---- entity index and forgetting ------------------------------------------------------------------

NAMES = {r"Jane\s+Doe": "PER", "Paris Hilton": "PER", "Acme Corp": "ORG", "Zebulon Quartermaine": "PER"}


def every_entity(text: str) -> list[Entity]:
    """Each mention of the known names (as a model that found them all would give) and the patterns."""
    import re

    found = [Entity(m.start(), m.end(), label, m.group(), 0.9)
             for pattern, label in NAMES.items() for m in re.finditer(pattern, text)]
    return sorted([*found, *find_patterns(text)], key=lambda e: e.start)


def stored(store: ResultStore, path: Path, text: str) -> FileResult:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    result = FileResult(path, sha(text), Analysis(entities=tuple(every_entity(text))), analysed_at=time.time())
    store.put(result, "entities=tiny@1")
    return result


def test_entity_index_counts_documents_and_mentions_with_decisions(tmp_path):
    with ResultStore(tmp_path / "s.sqlite3") as store:
        stored(store, tmp_path / "docs" / "a.txt", TEXT)
        other = "Jane  Doe called Acme Corp.\n"
        stored(store, tmp_path / "docs" / "b.txt", other)
        index = entity_index(store)
        jane = index[0]  # two documents, four mentions: first; "Jane  Doe" is the same person
        assert (jane.label, jane.text, jane.documents, len(jane.mentions)) == ("PER", "Jane Doe", 2, 4)
        acme = next(e for e in index if e.label == "ORG")
        assert acme.documents == 2 and len(acme.mentions) == 2
        assert index[-1].documents == 1 and [r["documents"] for r in map(type(jane).to_row, index)] == \
            sorted((e.documents for e in index), reverse=True)
        assert [e.text for e in entity_index(store, labels={"EMAIL"})] == ["jane@example.org"]
        assert [e.text for e in entity_index(store, contains="paris")] == ["Paris Hilton"]
        first = jane.mentions[0]
        assert TEXT[first.start:first.end] == "Jane Doe"
        store.record_decision(decision(TEXT, ent(TEXT, "Acme Corp", "ORG"), Verdict.REJECTED))
        acme = next(e for e in entity_index(store) if e.label == "ORG")
        assert acme.documents == 1 and acme.paths == (tmp_path / "docs" / "b.txt",)
        assert [e.text for e in entity_index(store, paths=[tmp_path / "docs" / "b.txt"], labels={"ORG"})] == \
            ["Acme Corp"]


def store_bytes(store: ResultStore) -> bytes:
    return b"".join(p.read_bytes() for p in store.files() if p.exists())


def test_forget_leaves_no_trace_in_the_database_wal_or_shm(tmp_path):
    folder = tmp_path / "private"
    path = folder / "results.sqlite3"
    secret = "Zebulon Quartermaine"
    with ResultStore(path) as store:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
        stored(store, tmp_path / "docs" / "keep.txt", TEXT)
        victim_text = f"{secret} wrote to zq@example.org.\n"
        victim = stored(store, tmp_path / "docs" / "gone" / "v.txt", victim_text)
        stored(store, tmp_path / "elsewhere" / "copy.txt", victim_text)  # same content elsewhere
        store.record_decision(Decision(victim.sha256, 0, len(secret), "PER", secret, Verdict.ADDED,
                                       Source.ANALYST, path=str(victim.path)))
        assert secret.encode() in store_bytes(store)
        report = store.forget([tmp_path / "docs" / "gone"])
        assert (report.results, report.decisions, report.complete) == (2, 1, True)
        assert not store.decisions(victim.sha256) and [str(r.path) for r in store.results()] == \
            [str(tmp_path / "docs" / "keep.txt")]
        info = store.info()
        assert (info.documents, info.decisions, info.folder_mode) == (1, 0, 0o700)
    data = b"".join(Path(f"{path}{suffix}").read_bytes() for suffix in ("", "-wal", "-shm")
                    if Path(f"{path}{suffix}").exists())
    assert secret.encode() not in data and b"zq@example.org" not in data and b"Jane Doe" in data
    with ResultStore(path) as store:
        assert store.forget_all().complete
        assert b"Jane Doe" not in store_bytes(store)
        assert store.info().documents == 0


def test_a_store_folder_named_by_the_user_keeps_its_permissions(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    with ResultStore(shared / "mine.sqlite3"):
        pass
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755


def test_an_old_store_gets_the_decisions_table(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE results (path TEXT NOT NULL, model_key TEXT NOT NULL, sha256 TEXT, status TEXT "
                   "NOT NULL, record TEXT, error TEXT, seconds REAL NOT NULL, analysed_at REAL NOT NULL, "
                   "PRIMARY KEY (path, model_key))")
        db.execute("PRAGMA user_version=1")
    with ResultStore(path) as store:
        store.record_decision(Decision("a" * 64, 0, 4, "PER", "Jane", Verdict.ACCEPTED, Source.MODEL))
        assert len(store.all_decisions()) == 1
