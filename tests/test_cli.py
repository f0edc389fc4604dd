"""The CLI contract, through the real command: field names, exit codes, one stderr line per failure."""

from __future__ import annotations

import csv
import io
import json

from conftest import run_cli

SENTIMENT_KEYS = {"label", "score"}
ENTITY_KEYS = {"start", "end", "label", "text", "score"}
SENTENCE_KEYS = {"start", "end", "label", "score"}
ANSWER_KEYS = {"text", "start", "end", "score"}


def test_analyze_stdin_round_trip_and_bad_lines():
    lines = [
        json.dumps({"id": "a", "text": "Angela Merkel visited Paris. The film was wonderful!"}),
        "not json",
        json.dumps({"id": 7, "text": "Acme Corporation said no. " * 30}),
        json.dumps({"id": "no-text"}),
    ]
    proc = run_cli("analyze", "--stdin", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 1  # something failed
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [r["id"] for r in out] == ["a", 7]
    inputs = {"a": json.loads(lines[0])["text"], 7: json.loads(lines[2])["text"]}
    for r in out:
        assert set(r) == {"id", "sentiment", "entities"}
        assert set(r["sentiment"]) == SENTIMENT_KEYS and r["sentiment"]["label"] in ("positive", "negative")
        for e in r["entities"]:
            assert set(e) == ENTITY_KEYS and e["label"] in ("PER", "ORG", "LOC", "MISC")
            assert inputs[r["id"]][e["start"]:e["end"]] == e["text"]
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 2 and errors[0].startswith("sqzdesk: line 2:") and "line 4" in errors[1]


def test_analyze_stdin_all_good_exits_zero_and_tasks_select():
    proc = run_cli("analyze", "--stdin", "--tasks", "entities",
                   stdin=json.dumps({"id": 1, "text": "Paris is in France."}) + "\n")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["sentiment"] is None and isinstance(record["entities"], list)


def test_ask_stdin_contract():
    context = "The Eiffel Tower is in Paris. It was completed in 1889. " * 12
    lines = [json.dumps({"id": i, "question": "When was it completed?", "context": context}) for i in range(20)]
    lines.append(json.dumps({"id": "x", "question": "?"}))
    proc = run_cli("ask", "--stdin", "--top-k", "2", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 1
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [r["id"] for r in out] == list(range(20))
    for r in out:
        assert set(r) == {"id", "answers"} and len(r["answers"]) <= 2
        for a in r["answers"]:
            assert set(a) == ANSWER_KEYS and context[a["start"]:a["end"]] == a["text"]
    assert proc.stderr.count("\n") == 1 and "context" in proc.stderr


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
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 2
    assert any("empty.txt" in e for e in errors) and any("missing.txt" in e for e in errors)


def test_analyze_jsonl_and_csv_to_file(tmp_path):
    folder = _folder(tmp_path)
    (folder / "nested" / "empty.txt").unlink()
    out = tmp_path / "out.jsonl"
    proc = run_cli("analyze", str(folder), "--format", "jsonl", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert len([json.loads(x) for x in out.read_text().splitlines()]) == 3
    proc = run_cli("analyze", str(folder), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 3 and {"path", "sentiment_label", "PER", "LOC"} <= set(rows[0])


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
    assert [json.loads(x)["id"] for x in proc.stdout.splitlines()] == [2]
    assert "over the 100 analysed at most" in proc.stderr and "line 1" in proc.stderr
    qa = [json.dumps({"id": "long", "question": "Where?", "context": "Paris is nice. " * 20}),
          json.dumps({"id": "ok", "question": "Where?", "context": "In Paris."})]
    proc = run_cli("--max-chars", "100", "ask", "--stdin", stdin="\n".join(qa) + "\n")
    assert proc.returncode == 1 and [json.loads(x)["id"] for x in proc.stdout.splitlines()] == ["ok"]
