"""The CLI contract, through the real command: field names, exit codes, one stderr line per failure."""

from __future__ import annotations

import ast
import csv
import io
import json
import subprocess
import sys

from helpers import EXCHANGE_RATES, REPO, failure_lines, long_report, run_cli

STDIN_KEYS = ["id", "sentiment", "entities", "error"]
ASK_KEYS = ["id", "answers", "error"]
SENTIMENT_KEYS = {"label", "score", "mixed"}
ENTITY_KEYS = {"start", "end", "label", "text", "score"}
SENTENCE_KEYS = {"start", "end", "label", "score"}
ANSWER_KEYS = {"text", "start", "end", "score"}


def test_analyze_stdin_round_trip_and_bad_lines():
    lines = [
        json.dumps({"id": "a", "text": "Angela Merkel visited Paris. The film was wonderful!"}),
        "not json",
        json.dumps({"id": 7, "text": "Acme Corporation said no. Mail sales@acme.example.com. " * 30}),
        json.dumps({"id": "no-text"}),
    ]
    proc = run_cli("analyze", "--stdin", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 1  # something failed
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [r["id"] for r in out] == ["a", None, 7, "no-text"]  # one line per input line, in order
    assert all(list(r) == STDIN_KEYS for r in out)
    inputs = {"a": json.loads(lines[0])["text"], 7: json.loads(lines[2])["text"]}
    for r in (out[0], out[2]):
        assert r["error"] is None
        assert set(r["sentiment"]) == SENTIMENT_KEYS and r["sentiment"]["label"] in ("positive", "negative")
        for e in r["entities"]:
            assert set(e) == ENTITY_KEYS and e["label"] in ("PER", "ORG", "LOC", "MISC", "EMAIL")
            assert inputs[r["id"]][e["start"]:e["end"]] == e["text"]
    assert [e["text"] for e in out[2]["entities"] if e["label"] == "EMAIL"] == ["sales@acme.example.com"] * 30
    for r, words in ((out[1], "not JSON"), (out[3], "needs string field(s) text")):
        assert r["sentiment"] is None and r["entities"] == [] and words in r["error"] and "\n" not in r["error"]
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 2 and errors[0].startswith("sqzdesk: line 2:") and "line 4 (id 'no-text')" in errors[1]
    assert out[1]["error"] in errors[0] and out[3]["error"] in errors[1]


def test_analyze_stdin_every_line_gets_exactly_one_line_back():
    """The contract's example, then every kind of failing line between good ones."""
    proc = run_cli("analyze", "--stdin", stdin='{"id":"a","text":""}\n{"id":"b","text":"Paris."}\n')
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [(r["id"], r["error"] is None) for r in out] == [("a", False), ("b", True)]
    assert out[0] == {"id": "a", "sentiment": None, "entities": [],
                      "error": "no text to analyse: the document has no words"}
    assert proc.returncode == 1 and len(failure_lines(proc.stderr)) == 1
    good = json.dumps({"id": "ok", "text": "Berlin is lovely."})
    lines = [good, "", "   ", "[1, 2]", '"text"', "{broken", json.dumps({"id": 5, "text": 5}),
             json.dumps({"id": [1], "text": "----"}), json.dumps({"id": "w", "text": " \t\n "}), good,
             json.dumps({"text": "No id here, still fine."})]
    proc = run_cli("analyze", "--stdin", stdin="\n".join(lines) + "\n")
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(out) == len(lines) and all(list(r) == STDIN_KEYS for r in out)
    assert [r["id"] for r in out] == ["ok", None, None, None, None, None, 5, [1], "w", "ok", None]
    failed = [k for k, r in enumerate(out) if r["error"] is not None]
    assert failed == [1, 2, 3, 4, 5, 6, 7, 8]
    for k in failed:
        assert out[k]["sentiment"] is None and out[k]["entities"] == [] and "\n" not in out[k]["error"]
    assert out[1]["error"] == out[2]["error"] == "blank line, expected a JSON object"
    assert out[3]["error"] == out[4]["error"] == "not a JSON object"
    assert out[5]["error"].startswith("not JSON")
    assert out[6]["error"] == "needs string field(s) text"
    assert out[7]["error"] == out[8]["error"] == "no text to analyse: the document has no words"
    assert out[0] == out[9] and out[10]["sentiment"] is not None
    stderr = failure_lines(proc.stderr)
    assert proc.returncode == 1 and len(stderr) == len(failed)
    assert [line.split(":")[1].strip() for line in stderr] == [
        "line 2", "line 3", "line 4", "line 5", "line 6", "line 7 (id 5)", "line 8 (id [1])", "line 9 (id 'w')"]


def test_analyze_stdin_all_blank_input_is_all_errors_and_empty_input_is_nothing():
    proc = run_cli("analyze", "--stdin", stdin="\n\n")
    assert [json.loads(x)["error"] for x in proc.stdout.splitlines()] == ["blank line, expected a JSON object"] * 2
    assert proc.returncode == 1
    proc = run_cli("analyze", "--stdin", stdin="")
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""


def test_analyze_stdin_all_good_exits_zero_and_tasks_select():
    proc = run_cli("analyze", "--stdin", "--tasks", "entities",
                   stdin=json.dumps({"id": 1, "text": "Paris is in France."}) + "\n")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["sentiment"] is None and isinstance(record["entities"], list) and record["error"] is None


def test_ask_stdin_contract():
    context = "The Eiffel Tower is in Paris. It was completed in 1889. " * 12
    lines = [json.dumps({"id": i, "question": "When was it completed?", "context": context}) for i in range(20)]
    lines.insert(3, json.dumps({"id": "x", "question": "?"}))
    lines.insert(17, "")
    lines.append("[]")
    proc = run_cli("ask", "--stdin", "--top-k", "2", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 1
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    ids = list(range(20))
    ids.insert(3, "x")
    ids.insert(17, None)
    assert [r["id"] for r in out] == [*ids, None]  # one line per input line, in order, across chunks of 16
    for r in out:
        assert list(r) == ASK_KEYS and len(r["answers"]) <= 2
        for a in r["answers"]:
            assert set(a) == ANSWER_KEYS and context[a["start"]:a["end"]] == a["text"]
    assert [k for k, r in enumerate(out) if r["error"] is not None] == [3, 17, 22]
    assert out[3] == {"id": "x", "answers": [], "error": "needs string field(s) context"}
    assert out[17]["error"] == "blank line, expected a JSON object" and out[22]["error"] == "not a JSON object"
    assert len(failure_lines(proc.stderr)) == 3 and "line 4 (id 'x'): needs string field(s) context" in proc.stderr


def _folder(tmp_path):
    root = tmp_path / "docs"
    (root / "nested" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text("Angela Merkel visited Paris. It was great.\n")
    (root / "nested" / "b.md").write_text("# Report\n\nAcme Corporation lost money. Bad year.\n")
    (root / "nested" / "deeper" / "c.html").write_text("<p>The film was <b>wonderful</b>.</p>")
    (root / "nested" / "empty.txt").write_bytes(b"")
    (root / "nested" / "ignored.bin").write_bytes(b"\x00\x01")
    (root / ".hidden.txt").write_text("secret")
    return root


def test_analyze_folder_json_keeps_going_past_bad_files(tmp_path):
    proc = run_cli("analyze", str(_folder(tmp_path)), str(tmp_path / "missing.txt"))
    assert proc.returncode == 1
    records = json.loads(proc.stdout)
    assert sorted(r["path"].rsplit("/", 1)[1] for r in records) == ["a.txt", "b.md", "c.html"]
    for r in records:
        assert set(r) == {"path", "sentiment", "sentences", "entities"}
        assert r["sentences"] and all(set(s) == SENTENCE_KEYS for s in r["sentences"])
    *errors, last = proc.stderr.strip().splitlines()
    assert len(errors) == 2
    assert any("empty.txt" in e for e in errors) and any("missing.txt" in e for e in errors)
    assert last == "sqzdesk: 1 file of other types not read (.bin 1)"  # said, not silently left out


def test_analyze_jsonl_and_csv_to_file(tmp_path):
    folder = _folder(tmp_path)
    (folder / "nested" / "empty.txt").unlink()
    out = tmp_path / "out.jsonl"
    proc = run_cli("analyze", str(folder), "--format", "jsonl", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert len([json.loads(x) for x in out.read_text().splitlines()]) == 3
    proc = run_cli("analyze", str(folder), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 3 and {"path", "sentiment_label", "PER", "LOC", "EMAIL", "IBAN"} <= set(rows[0])
    for row in rows:
        assert int(row["entities"]) == sum(int(row[k]) for k in list(row)[6:])  # every entity counted by type


def test_ask_path_reports_answers_with_page(tmp_path):
    doc = tmp_path / "d.txt"
    doc.write_text("Acme Corporation was founded in Berlin by Angela Merkel. " * 5)
    proc = run_cli("ask", str(doc), "--question", "Who founded Acme?")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["question"] == "Who founded Acme?"
    for a in record["answers"]:
        assert set(a) == ANSWER_KEYS | {"page"} and a["page"] is None


def test_corrupted_model_gives_one_clear_line_naming_it(tiny_copy):
    model = tiny_copy / "tiny-sentiment" / "model.onnx"
    model.write_bytes(model.read_bytes()[:-10])
    proc = run_cli("analyze", "--stdin", stdin='{"id":1,"text":"hi"}\n',
                   env={"SQZDESK_MODEL_PATH": str(tiny_copy)})
    assert proc.returncode == 2 and proc.stdout == ""
    assert "model.onnx" in proc.stderr and "checksum mismatch" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_models_lists_bundles_and_unusable_ones(tiny_copy):
    (tiny_copy / "tiny-qa" / "tokenizer.json").write_text("{}")
    proc = run_cli("models", "--json", env={"SQZDESK_MODEL_PATH": str(tiny_copy)})
    rows = {r["path"].rsplit("/", 1)[1]: r for r in json.loads(proc.stdout)}
    assert rows["tiny-sentiment"]["task"] == "sentiment" and rows["tiny-sentiment"]["size_bytes"] > 0
    assert "tokenizer.json" in rows["tiny-qa"]["error"]
    human = run_cli("models", env={"SQZDESK_MODEL_PATH": str(tiny_copy)}).stdout
    assert "UNUSABLE" in human and "tiny-entities" in human


def test_selftest_fails_on_random_weights_and_names_each_task():
    proc = run_cli("selftest")
    assert proc.returncode == 1
    assert [line.split()[0] for line in proc.stdout.splitlines()] == ["sentiment", "entities", "qa"]


def test_missing_model_is_exit_2(tmp_path):
    proc = run_cli("ask", "--stdin", stdin="", env={"SQZDESK_MODEL_PATH": str(tmp_path)})
    assert proc.returncode == 2 and "no 'qa' model installed" in proc.stderr


def test_over_long_texts_fail_clearly_and_the_rest_go_on(tmp_path):
    lines = [json.dumps({"id": 1, "text": "Paris is nice. " * 20}), json.dumps({"id": 2, "text": "Short one."})]
    proc = run_cli("--max-chars", "100", "analyze", "--stdin", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 1
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [(r["id"], r["error"] is None) for r in out] == [(1, False), (2, True)]
    assert "over the 100 analysed at most" in out[0]["error"] and out[0]["sentiment"] is None
    assert "over the 100 analysed at most" in proc.stderr and "line 1" in proc.stderr
    qa = [json.dumps({"id": "long", "question": "Where?", "context": "Paris is nice. " * 20}),
          json.dumps({"id": "ok", "question": "Where?", "context": "In Paris."})]
    proc = run_cli("--max-chars", "100", "ask", "--stdin", stdin="\n".join(qa) + "\n")
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert proc.returncode == 1 and [(r["id"], r["error"] is None) for r in out] == [("long", False), ("ok", True)]
    assert "over the 100 analysed at most" in out[0]["error"] and out[0]["answers"] == []


def test_analyze_patterns_option_is_batch_s(tmp_path):
    doc = tmp_path / "memo.txt"
    doc.write_text("Mail bob@example.com or call +44 20 7946 0958 about Paris.\n", encoding="utf-8")

    def labels(*args: str) -> set[str]:
        proc = run_cli("analyze", str(doc), "--format", "jsonl", *args)
        assert proc.returncode == 0, proc.stderr
        return {e["label"] for e in json.loads(proc.stdout)["entities"]}

    assert {"EMAIL", "PHONE"} <= labels()  # all by default, as in batch
    assert {"EMAIL", "PHONE"} <= labels("--patterns", "all")
    assert not labels("--patterns", "none") & {"EMAIL", "PHONE"}
    assert {"EMAIL", "PHONE"} & labels("--patterns", "email") == {"EMAIL"}
    proc = run_cli("analyze", str(doc), "--patterns", "EMIAL")
    assert proc.returncode == 2 and proc.stdout == "" and "EMIAL" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    proc = run_cli("analyze", "--stdin", "--patterns", "none", stdin=json.dumps({"id": 1, "text": doc.read_text()}))
    assert not {e["label"] for e in json.loads(proc.stdout)["entities"]} & {"EMAIL", "PHONE"}


def test_analyze_and_batch_give_identical_results_on_a_long_report(tmp_path):
    """One analysis path: a report of several chunks, with an e-mail, a phone and an IBAN, comes out the
    same through ``analyze`` and through ``batch`` (and the pattern entities are whole, once each)."""
    from sqzdesk.engine.chunks import CHUNK_CHARS, split_chunks

    text = long_report(12_000)
    assert len(text) > 10_000 and len(split_chunks(text)) >= 4 and len(text) > 3 * CHUNK_CHARS
    doc = tmp_path / "report.txt"
    doc.write_text(text, encoding="utf-8")
    for patterns in ("all", "none"):
        analyzed = run_cli("--threads", "1", "analyze", "--format", "jsonl", "--patterns", patterns, str(doc))
        assert analyzed.returncode == 0, analyzed.stderr
        out = tmp_path / f"batch-{patterns}.jsonl"
        batched = run_cli("--threads", "1", "batch", str(doc), "--out", str(out), "--patterns", patterns,
                          "--store", str(tmp_path / f"store-{patterns}.sqlite3"), "-q")
        assert batched.returncode == 0, batched.stderr
        (a,) = [json.loads(line) for line in analyzed.stdout.splitlines()]
        (b,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert a["path"] == b["path"] == str(doc) and b["error"] is None
        for field in ("sentiment", "sentences", "entities"):
            assert a[field] == b[field], field
        assert a["sentiment"] is not None and len(a["sentences"]) > 50
        assert all(text[e["start"]:e["end"]] == e["text"] for e in a["entities"])
        found = {(e["label"], e["text"]) for e in a["entities"] if e["label"] in ("EMAIL", "PHONE", "IBAN")}
        if patterns == "all":
            assert found == {("EMAIL", "press.office@acme-example.com"), ("PHONE", "+44 20 7946 0958"),
                             ("IBAN", "GB82 WEST 1234 5698 7654 32")}
        else:
            assert found == set()


def test_a_table_of_exchange_rates_has_no_sentiment(tmp_path):
    """Sentences without prose get no sentiment, so a CSV of rates is not "negative 0.78"."""
    rates = tmp_path / "rates.txt"
    rates.write_text(EXCHANGE_RATES, encoding="utf-8")
    proc = run_cli("analyze", str(rates), "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["sentiment"] is None and record["sentences"] == []
    proc = run_cli("analyze", str(rates), "--format", "csv")
    row = next(csv.DictReader(io.StringIO(proc.stdout)))
    assert row["sentiment_label"] == row["sentiment_score"] == "" and row["sentences"] == "0"
    out = tmp_path / "out.jsonl"
    proc = run_cli("batch", str(rates), "--out", str(out), "--store", str(tmp_path / "s"), "-q")
    assert proc.returncode == 0, proc.stderr
    batch = json.loads(out.read_text(encoding="utf-8"))
    assert batch["error"] is None and batch["sentiment"] is None and batch["sentences"] == []
    # a report with a table in it: the prose is judged, the table rows are not
    mixed = tmp_path / "mixed.txt"
    mixed.write_text("The euro rose against the dollar this month, which pleased exporters.\n\n" + EXCHANGE_RATES,
                     encoding="utf-8")
    record = json.loads(run_cli("analyze", str(mixed), "--format", "jsonl").stdout)
    assert record["sentiment"] is not None and record["sentences"]
    table_start = mixed.read_text(encoding="utf-8").index("2015-07-01")
    assert all(s["end"] <= table_start for s in record["sentences"])


def test_the_cli_is_light_to_import_and_batch_is_a_headless_library():
    """The CLI package is imported at every start (the GUI's too): its modules load no engine, Qt or numpy
    until a command runs. The batch library never imports the CLI or the GUI."""
    probe = ("import sys; import sqzdesk.cli; from sqzdesk.cli import analyze, ask, batch, common, models, "
             "selftest; sqzdesk.cli._parser(); heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
             "('numpy', 'onnxruntime', 'PySide6', 'tokenizers') or m.startswith(('sqzdesk.engine', "
             "'sqzdesk.gui', 'sqzdesk.batch', 'sqzdesk.documents'))); print(heavy)")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True)
    assert proc.stdout.strip() == "[]"
    for path in sorted((REPO / "sqzdesk" / "batch").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not [n for n in names if n.startswith(("sqzdesk.cli", "sqzdesk.gui"))], (path.name, names)
    assert not (REPO / "sqzdesk" / "batch" / "command.py").exists() and not (REPO / "sqzdesk" / "cli.py").exists()
