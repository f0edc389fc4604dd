"""The shipped bundles in assets/models: format, int8 graph, size budget, and sane answers.

Each test skips while its bundle is not shipped yet; the engine and the CLI are exercised on the real
files exactly as users get them.
"""

from __future__ import annotations

import json

import onnx
import pytest
from helpers import SHIPPED, long_report, run_cli, shipped_bundle

from sqzdesk.engine import EntityModel, QAModel, SentimentModel, load_bundle
from sqzdesk.engine.manifest import Variant

TASKS_BUDGET_MB = 60  # the three accurate task bundles together (issue 13)
BUDGET_MB = 100  # everything in assets/models: those three, the embed encoder (issue 17), the fast variants (issue 18)


def _ops(bundle_dir) -> set[str]:
    return {n.op_type for n in onnx.load(str(bundle_dir / "model.onnx"), load_external_data=False).graph.node}


@pytest.mark.parametrize("task", ["sentiment", "entities", "qa"])
def test_shipped_bundle_is_int8_matmulinteger_and_documented(task):
    folder = shipped_bundle(task)
    bundle = load_bundle(folder)
    assert bundle.manifest.quantization == "int8-dynamic"
    ops = _ops(folder)
    assert "MatMulInteger" in ops and "ConvInteger" not in ops and "Conv" not in ops
    card = bundle.file("card").read_text()
    assert "python -m sqzdesk.modelbuild build --task " + task in card
    assert "int8" in card and "fp32" in card
    assert bundle.manifest.metrics and bundle.manifest.build.get("command")


def _mb(folder) -> float:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 1e6


def test_shipped_bundles_fit_the_size_budget():
    folders = [m.parent for m in SHIPPED.glob("*/manifest.json")]
    if not folders:
        pytest.skip("no shipped bundles yet")
    tasks = [d for d in folders if d.name in ("sentiment", "entities", "qa")]
    assert sum(map(_mb, tasks)) <= TASKS_BUDGET_MB, [(d.name, round(_mb(d), 1)) for d in tasks]
    assert sum(map(_mb, folders)) <= BUDGET_MB, [(d.name, round(_mb(d), 1)) for d in folders]


def test_a_shipped_fast_variant_is_smaller_than_its_accurate_sibling():
    fast = [m.parent for m in SHIPPED.glob("*-fast/manifest.json")]
    if not fast:
        pytest.skip("no fast variant shipped")
    for d in fast:
        accurate = SHIPPED / d.name.removesuffix("-fast")
        assert (d / "model.onnx").stat().st_size < 0.75 * (accurate / "model.onnx").stat().st_size, d.name


CLEAR_SENTIMENT = {
    "I loved this film. The acting was wonderful and the story moved me.": "positive",
    "This was a terrible product. It broke after two days and support never answered.": "negative",
    "The staff were friendly and the room was clean.": "positive",
    "Shares fell sharply after the company cut its forecast and warned of losses.": "negative",
}


def test_shipped_sentiment_gets_clear_cases_right():
    model = SentimentModel(load_bundle(shipped_bundle("sentiment")))
    for text, label in CLEAR_SENTIMENT.items():
        assert model.analyze(text).overall.label == label, text


def test_a_shipped_fast_variant_is_grouped_int8_says_how_it_was_made_and_answers_sanely():
    fast = [m.parent for m in SHIPPED.glob("*-fast/manifest.json")]
    if not fast:
        pytest.skip("no fast variant shipped")
    for folder in fast:
        bundle = load_bundle(folder)
        assert bundle.variant is Variant.FAST and bundle.manifest.speed is not None
        assert bundle.manifest.architecture["groups"]["q"] == 4
        ops = _ops(folder)
        assert "MatMulInteger" in ops and "ConvInteger" not in ops and "Conv" not in ops
        card = bundle.file("card").read_text()
        assert f"fast --task {bundle.task}" in card and "distil-grouped" in card and "What was tried" in card
        if bundle.task == "sentiment":
            model = SentimentModel(bundle)
            for text, label in CLEAR_SENTIMENT.items():
                assert model.analyze(text).overall.label == label, (folder.name, text)


def test_shipped_entities_find_names_whole():
    model = EntityModel(load_bundle(shipped_bundle("entities")))
    text = "Angela Merkel met Emmanuel Macron in Paris before flying to Washington with Siemens executives."
    found = {(e.label, e.text) for e in model.analyze(text)}
    assert {("PER", "Angela Merkel"), ("PER", "Emmanuel Macron"), ("LOC", "Paris")} <= found, found


NEWS = (
    "BRUSSELS, March 3 (Reuters) - European Union leaders gathered in Brussels on Thursday after talks with the "
    "United States on steel tariffs stalled. German Chancellor Olaf Scholz said he may travel to Washington next "
    "month to meet President Joe Biden, while French President Emmanuel Macron called for patience.\n\n"
    "Analysts at Deutsche Bank and the International Monetary Fund warned that a prolonged dispute could hurt "
    "exports from Germany, France and Italy. \"We are not there yet,\" said Ursula von der Leyen, president of the "
    "European Commission.\n\n"
)
FILLER = ("The committee reviewed the quarterly figures, discussed the schedule for the next meetings and agreed "
          "to publish the minutes after the summer break. ") * 12 + "\n\n"


def test_shipped_qa_finds_the_answer_deep_in_a_long_document_and_declines_the_rest():
    model = QAModel(load_bundle(shipped_bundle("qa")))
    context = FILLER * 6 + NEWS + FILLER * 6  # ~24 windows; the answer sits in the middle
    assert len(model.windows(model.tokenizer.encode_many([context]), [[1]])) > 10
    answers = model.ask("Who is the president of the European Commission?", context, top_k=1)
    assert answers and answers[0].text == "Ursula von der Leyen"
    assert context[answers[0].start:answers[0].end] == answers[0].text
    assert model.ask("What is the capital of Australia?", context) == []
    eiffel = "The Eiffel Tower is a wrought-iron lattice tower in Paris. It was completed in 1889. "
    assert "1889" in model.ask("When was the Eiffel Tower completed?", eiffel, top_k=1)[0].text


def test_cli_selftest_on_shipped_bundles(monkeypatch):
    for task in ("sentiment", "entities", "qa"):
        shipped_bundle(task)
    proc = run_cli("selftest", env={"SQZDESK_MODEL_PATH": str(SHIPPED)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fast = sorted(m.parent.name.removesuffix("-fast") for m in SHIPPED.glob("*-fast/manifest.json"))
    checked = [line[:17].strip() for line in proc.stdout.splitlines() if line[18:22] == "ok  "]
    assert checked == ["sentiment", "entities", "qa", *(f"{task} fast" for task in fast)]  # every fast variant too


def test_gui_selftest_on_shipped_bundles():
    """`selftest --gui` (what CI runs inside the binary): the window analyses, answers, lists a folder."""
    for task in ("sentiment", "entities", "qa"):
        shipped_bundle(task)
    proc = run_cli("selftest", "--gui", env={"SQZDESK_MODEL_PATH": str(SHIPPED), "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    steps = {line[:17].strip() for line in proc.stdout.splitlines() if line.startswith("gui ") and " ok " in line}
    assert {"gui window", "gui analysis", "gui question", "gui file dialog", "gui collation"} <= steps


def test_manifests_list_validation_metrics_for_int8_and_fp32():
    for manifest in SHIPPED.glob("*/manifest.json"):
        metrics = json.loads(manifest.read_text())["metrics"]
        assert any(k.endswith("_int8") for k in metrics) and any(k.endswith("_fp32") for k in metrics)


def test_analyze_and_batch_agree_on_the_shipped_bundles(tmp_path):
    """With the real models too: ``analyze`` and ``batch`` give one result for a long report."""
    for task in ("sentiment", "entities"):
        shipped_bundle(task)
    env = {"SQZDESK_MODEL_PATH": str(SHIPPED)}
    doc = tmp_path / "report.txt"
    doc.write_text(long_report(12_000), encoding="utf-8")
    analyzed = run_cli("analyze", str(doc), "--format", "jsonl", env=env)
    assert analyzed.returncode == 0, analyzed.stderr
    out = tmp_path / "out.jsonl"
    batched = run_cli("batch", str(doc), "--out", str(out), "--store", str(tmp_path / "s"), "-q", env=env)
    assert batched.returncode == 0, batched.stderr
    a, b = json.loads(analyzed.stdout), json.loads(out.read_text(encoding="utf-8"))
    assert {k: a[k] for k in ("sentiment", "sentences", "entities")} == \
        {k: b[k] for k in ("sentiment", "sentences", "entities")}
    found = {(e["label"], e["text"]) for e in a["entities"]}
    assert {("PER", "Angela Merkel"), ("LOC", "Paris"), ("EMAIL", "press.office@acme-example.com"),
            ("IBAN", "GB82 WEST 1234 5698 7654 32"), ("PHONE", "+44 20 7946 0958")} <= found, found
