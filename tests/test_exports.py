"""Exports: tables parse back, the HTML report is self-contained and safe, redaction leaves nothing behind."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import mixed_folder
from hypothesis import given, settings
from hypothesis import strategies as st

from sqzdesk.batch.exports import (
    ENTITY_COLUMNS,
    ENTITY_LABELS,
    FILE_COLUMNS,
    redacted,
    redacted_path,
    write_html_report,
    write_records,
    write_table,
)
from sqzdesk.batch.redaction import redact
from sqzdesk.batch.results import FileResult
from sqzdesk.batch.runner import BatchRunner, RunOptions
from sqzdesk.batch.scan import scan
from sqzdesk.batch.source import text_if_unchanged
from sqzdesk.batch.store import ResultStore
from sqzdesk.engine.analysis import Analyzer
from sqzdesk.engine.results import Entity

HOSTILE = ("Alice Smith <script>alert('x')</script> wrote <img src=\"http://evil.example/p.png\"> "
           "& said \"hi\" to bob@example.com. Call +44 20 7946 0958 or see https://example.org/a?b=1&c=2.\n"
           "=HYPERLINK(\"http://evil.example\") is a formula. The meeting in Paris was wonderful.\n")


@pytest.fixture(scope="module")
def batch(tmp_path_factory, tiny_root):
    """Results of a real run over the mixed folder plus a hostile document, and the folder."""
    root = tmp_path_factory.mktemp("exports")
    folder = mixed_folder(root / "docs")
    (folder.root / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    (folder.root / "formula.txt").write_text("=1+1 -2 @SUM(A1) +3 are fine words here.\n", encoding="utf-8")
    analyzer = Analyzer.open(dirs=[tiny_root], threads=1)
    results: list[FileResult] = []
    with ResultStore(root / "store.sqlite3") as store:
        BatchRunner(analyzer, store, RunOptions()).run(scan([folder.root]), on_result=results.append)
    return folder, results


def test_csv_tables_parse_back(batch):
    folder, results = batch
    files = [r for r in results if r.is_file]
    out = io.StringIO(newline="")
    assert write_table(results, out, fmt="csv", level="files") == len(files)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert list(rows[0]) == FILE_COLUMNS and len(rows) == len(files)
    by_path = {r["path"]: r for r in rows}
    for r in files:
        row = by_path[str(r.path)]
        assert row["sha256"] == (r.sha256 or "")
        assert row["error"] == (r.error or "")
        assert int(row["entities"]) == len(r.entities)
        assert sum(int(row[label]) for label in ENTITY_LABELS) == len(r.entities)
        if r.sentiment:
            assert row["sentiment_label"] == r.sentiment.label
            assert abs(float(row["sentiment_score"]) - r.sentiment.score) < 1e-4
    out = io.StringIO(newline="")
    n = write_table(results, out, fmt="csv", level="entities")
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert list(rows[0]) == ENTITY_COLUMNS and n == len(rows) == sum(len(r.entities) for r in files)
    # spreadsheet formulas from a document are neutralised, everything else is verbatim
    texts = {row["text"] for row in rows}
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    hostile = [row for row in rows if row["path"].endswith("hostile.txt")]
    assert {"bob@example.com", "'+44 20 7946 0958"} <= {row["text"] for row in hostile}


def test_jsonl_tables_and_records_parse_back(batch):
    _, results = batch
    files = [r for r in results if r.is_file]
    out = io.StringIO()
    write_table(results, out, fmt="jsonl", level="entities")
    entities = [json.loads(line) for line in out.getvalue().splitlines()]
    assert all(list(e) == ENTITY_COLUMNS for e in entities)
    assert "+44 20 7946 0958" in {e["text"] for e in entities}  # JSONL keeps text exact
    out = io.StringIO()
    write_table(results, out, fmt="jsonl", level="files")
    assert [json.loads(line)["path"] for line in out.getvalue().splitlines()] == [str(r.path) for r in files]
    out = io.StringIO()
    assert write_records(results, out) == len(files)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert records == [r.to_record() for r in files]


class _Checker(HTMLParser):
    """Tag balance (void elements aside), attributes, and what the page would load."""

    VOID = {"meta", "br", "img", "hr", "input", "link", "source", "wbr", "area", "base", "col", "embed"}
    SVG_VOID = {"rect", "line", "path", "circle"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def check_self_contained(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    assert "script" not in checker.tags and "img" not in checker.tags and "link" not in checker.tags
    for name, value in checker.attrs:
        assert not re.search(r"(?i)\b(?:https?|ftp):|^//", value), (name, value)
        assert not name.startswith("on"), name
    css = "".join(re.findall(r"(?s)<style>(.*?)</style>", page))
    assert "url(" not in css and "@import" not in css
    return checker


def test_html_report_is_self_contained_and_escaped(batch, tmp_path):
    folder, results = batch
    path = tmp_path / "report.html"
    with open(path, "w", encoding="utf-8") as f:
        write_html_report(f, [r for r in results if r.is_file], title="Review <batch> & co")
    page = path.read_text(encoding="utf-8")
    checker = check_self_contained(page)
    text = "".join(checker.text)
    # the hostile document is there as text, highlighted, not as markup
    assert "<script>alert('x')</script>" in text and '<img src="http://evil.example/p.png">' in text
    assert "Review <batch> & co" in text
    assert page.count("<svg") == sum(1 for r in results if r.is_file and r.sentences)
    assert 'data-l="EMAIL"' in page and 'data-l="PHONE"' in page and 'data-l="URL"' in page
    for bad in folder.bad:
        assert bad.name in text
    # a file that changed since it was analysed is listed, but its stale offsets are not applied
    changed = [r for r in results if r.path.name == "a.txt"]
    out = io.StringIO()
    write_html_report(out, changed, text_for=lambda r: None)
    assert "Text not shown" in out.getvalue() and "<table" not in out.getvalue()  # one document: no index

    if shutil.which("chromium") is None:
        pytest.skip("chromium not on PATH (apt-get install chromium); HTML checked with html.parser only")
    shot = tmp_path / "report.png"
    proc = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr",
         f"--user-data-dir={tmp_path / 'chromium'}", f"--screenshot={shot}", "--window-size=1200,900",
         path.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Refused" in line]
    assert console == []


def assert_every_mention_covered(original: str, surface: str, result) -> None:
    """Each whole-word mention of a redacted entity's text lies inside a redacted span."""
    for m in re.finditer(r"(?<!\w)" + re.escape(surface) + r"(?!\w)", original):
        assert any(s.start <= m.start() and m.end() <= s.end for s in result.spans), (surface, m.start())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Jane Doe", "jane@x.org", "Acme", "+44 20 7946 0958", "Paris", "met", "in",
                                 "the", ",", ".", " ", "\n", "and", "Doe"]), min_size=1, max_size=40),
       st.data())
def test_redaction_leaves_no_redacted_text_and_maps_offsets(words, data):
    text = " ".join(words)
    labels = {"Jane Doe": "PER", "Doe": "PER", "jane@x.org": "EMAIL", "Acme": "ORG",
              "+44 20 7946 0958": "PHONE", "Paris": "LOC"}
    entities = []
    for surface, label in labels.items():
        for m in re.finditer(re.escape(surface), text):
            if data.draw(st.booleans()):  # a model finds some mentions, not all
                entities.append(Entity(m.start(), m.end(), label, surface, 0.9))
    types = data.draw(st.sets(st.sampled_from(["PER", "EMAIL", "ORG", "PHONE", "LOC"])))
    result = redact(text, entities, types)
    for e in entities:
        if e.label in types:
            assert e.text not in result.text, (e, result.text)
            assert_every_mention_covered(text, e.text, result)
        else:
            moved = result.entity(e)
            if moved is not None:
                assert result.text[moved.start:moved.end] == e.text
    for span in result.spans:
        assert result.text[span.new_start:span.new_end] == f"[{span.label}]"
        assert result.to_new(span.start) == span.new_start and result.to_new(span.end) == span.new_end
        assert result.to_old(span.new_end) == span.end
    assert result.to_new(len(text)) == len(result.text) and result.to_old(len(result.text)) == len(text)


def test_redaction_merges_overlaps():
    text = "Mail jane.doe@acme.com now"
    entities = [Entity(5, 22, "EMAIL", "jane.doe@acme.com", 1.0), Entity(14, 18, "ORG", "acme", 0.7),
                Entity(5, 13, "PER", "jane.doe", 0.5)]
    result = redact(text, entities, {"EMAIL", "ORG", "PER"})
    assert result.text == "Mail [EMAIL] now" and len(result.spans) == 1


def test_redacted_export_of_real_results(batch):
    folder, results = batch
    types = {"PER", "ORG", "LOC", "MISC", "EMAIL", "PHONE", "URL", "IBAN"}
    checked = 0
    for r in results:
        if r.failed or not r.is_file:
            continue
        text = text_if_unchanged(r.path, r.sha256)
        red = redacted(r, text, types)
        for e in r.entities:
            if e.label in types:
                assert_every_mention_covered(text, e.text, red)
            if e.label in ("EMAIL", "PHONE", "URL", "IBAN"):
                assert e.text not in red.text
                checked += 1
        kept = [x for x in r.entities if x.label not in types]
        for x in kept:
            moved = red.entity(x)
            assert moved is None or red.text[moved.start:moved.end] == x.text
        target = redacted_path(r.path, [folder.root], Path("/out"))
        assert target.is_relative_to("/out") and target.name == f"{r.path.name}.redacted.txt"
    assert checked >= 5  # emails, phones, URLs and the IBAN of the mixed folder were redacted


def test_typed_results_become_exactly_these_rows_and_records():
    """The edge where typed results turn into text: pinned byte for byte."""
    from sqzdesk.engine.analysis import Analysis
    from sqzdesk.engine.results import SentenceSentiment, Sentiment

    text = "Jane Doe wrote to =jane@x.org."
    analysis = Analysis(Sentiment("positive", 0.912345678),
                        (SentenceSentiment(0, 30, "positive", 0.912345678),),
                        (Entity(0, 8, "PER", "Jane Doe", 0.87654321), Entity(18, 29, "EMAIL", "=jane@x.org", 1.0)))
    done = FileResult(Path("/d/a.txt"), "ab" * 32, analysis, seconds=0.5)
    failed = FileResult(Path("/d/b.txt"), None, error="empty file")
    assert text[18:29] == "=jane@x.org"
    out = io.StringIO(newline="")
    write_table([done, failed], out, fmt="csv")
    assert out.getvalue() == (
        "path,sha256,sentiment_label,sentiment_score,sentiment_mixed,sentences,entities,PER,ORG,LOC,MISC,URL,EMAIL,"
        "IBAN,CARD,SSN,NINO,NHS,ID,ADDRESS,IP,DATE,PHONE,error\r\n"
        f"/d/a.txt,{'ab' * 32},positive,0.9123,False,1,2,1,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,\r\n"
        "/d/b.txt,,,,,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,empty file\r\n")
    out = io.StringIO(newline="")
    write_table([done, failed], out, fmt="csv", level="entities")
    assert out.getvalue() == ("path,start,end,label,text,score\r\n/d/a.txt,0,8,PER,Jane Doe,0.8765\r\n"
                              "/d/a.txt,18,29,EMAIL,'=jane@x.org,1.0\r\n")
    out = io.StringIO()
    write_table([done], out, fmt="jsonl", level="entities")
    assert out.getvalue().splitlines()[1] == ('{"path": "/d/a.txt", "start": 18, "end": 29, "label": "EMAIL", '
                                              '"text": "=jane@x.org", "score": 1.0}')
    out = io.StringIO()
    write_records([done, failed], out)
    assert out.getvalue() == (
        f'{{"path": "/d/a.txt", "sha256": "{"ab" * 32}", "sentiment": {{"label": "positive", "score": 0.912345678, "mixed": false}}, '
        '"sentences": [{"start": 0, "end": 30, "label": "positive", "score": 0.912345678}], '
        '"entities": [{"start": 0, "end": 8, "label": "PER", "text": "Jane Doe", "score": 0.87654321}, '
        '{"start": 18, "end": 29, "label": "EMAIL", "text": "=jane@x.org", "score": 1.0}], "error": null}\n'
        '{"path": "/d/b.txt", "sha256": null, "sentiment": null, "sentences": [], "entities": [], '
        '"error": "empty file"}\n')
    page = io.StringIO()
    write_html_report(page, [done], text_for=lambda r: text)
    assert ('<mark style="background:#cfe2ff" data-l="PER" title="PER 0.88">Jane Doe</mark> wrote to '
            '<mark style="background:#ffd1dc" data-l="EMAIL" title="EMAIL 1.00">=jane@x.org</mark>.') in page.getvalue()
    assert '<span class="badge positive">positive 0.91</span>' in page.getvalue()
    lean = FileResult(Path("/d/c.txt"), "cd" * 32, replace(analysis, sentiment=Sentiment("negative", 0.55, mixed=True)))
    page = io.StringIO()
    write_html_report(page, [lean], text_for=lambda r: text)
    assert '<span class="badge mixed">mixed, leans negative 0.55</span>' in page.getvalue()
    assert redacted(done, text, {"EMAIL"}).text == "Jane Doe wrote to [EMAIL]."
