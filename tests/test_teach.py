"""Custom classifiers (issue 17): examples in, a cross-validated, checksummed classifier bundle out,
applied per sentence and per document by the one analysis, from the engine and from the real command.

Mechanics run on a tiny random-weight encoder (the shipped graph's shape); whether a classifier learns
anything is checked on the shipped ``embed`` bundle with a small real task.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from helpers import REPO, run_cli, shipped_bundle

from sqzdesk.engine import BundleError, load_bundle
from sqzdesk.engine.analysis import Analysis, Analyzer, collect, parse_tasks
from sqzdesk.engine.classify import ClassifierSet, find_classifier, find_classifiers
from sqzdesk.engine.embed import EmbedModel
from sqzdesk.engine.teach import (
    TeachError,
    examples_from_pairs,
    export_file,
    fit_head,
    import_file,
    least_sure,
    read_examples,
    save,
    stratified_folds,
    train,
)

SPORT = ["The striker scored twice in the second half.", "Our goalkeeper saved a penalty in extra time.",
         "The team won the league after a long season.", "He ran the marathon in under three hours.",
         "The referee showed a red card to the defender.", "She won the tennis final in straight sets.",
         "The coach changed tactics at half time.", "Fans cheered as the cyclist crossed the finish line.",
         "The match ended in a goalless draw.", "The boxer knocked out his rival in round three."]
FOOD = ["Simmer the sauce until it thickens, then add basil.", "Bake the bread at two hundred degrees.",
        "Chop the onions and fry them in butter.", "The soup needs more salt and pepper.",
        "Whisk the eggs with sugar until pale.", "Roast the chicken with garlic and lemon.",
        "Knead the dough for ten minutes.", "Serve the pasta with grated parmesan.",
        "Marinate the fish overnight in soy sauce.", "Stir the risotto slowly while adding stock."]


@pytest.fixture()
def home(monkeypatch, tmp_path, tiny_root) -> Path:
    """The search path: a private models folder first (where classifiers go), then the tiny bundles."""
    models = tmp_path / "models"
    monkeypatch.setenv("SQZDESK_MODEL_PATH", os.pathsep.join(map(str, (models, tiny_root))))
    return models


@pytest.fixture()
def tiny_embed(tiny_root) -> EmbedModel:
    """tiny-embed: the shipped encoder's graph on random weights (``write_tiny_bundles`` makes it)."""
    return EmbedModel(load_bundle(tiny_root / "tiny-embed"), threads=1)


def _csv(path: Path, rows, header=("text", "label")) -> Path:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _topic_rows():
    return [(t, "sport") for t in SPORT] + [(t, "food") for t in FOOD]


# ---- input checks --------------------------------------------------------------------------------

def test_reads_csv_jsonl_and_custom_columns(tmp_path):
    data = read_examples(_csv(tmp_path / "a.csv", _topic_rows()))
    assert data.labels == ("food", "sport") and data.counts() == {"food": 10, "sport": 10}
    assert data.size_bytes == (tmp_path / "a.csv").stat().st_size and len(data.sha256) == 64
    lines = [json.dumps({"body": t, "tag": lab}) for t, lab in _topic_rows()]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = read_examples(tmp_path / "a.jsonl", text_col="body", label_col="tag")
    assert len(data.examples) == 20
    tsv = tmp_path / "a.tsv"
    tsv.write_text("sentence\tcategory\n" + "".join(f"{t}\t{lab}\n" for t, lab in _topic_rows()), encoding="utf-8")
    assert read_examples(tsv).counts() == {"food": 10, "sport": 10}


@pytest.mark.parametrize(("rows", "words"), [
    ([("a text", "x"), ("another text", "x")], "every example has the label 'x'"),
    ([("a text", "x"), ("b text", "x"), ("lonely", "y")], "too few examples for label 'y' (1)"),
    ([("", "x"), ("  ", "y")], "no examples with text (2 empty ones skipped)"),
])
def test_refuses_data_that_cannot_train(tmp_path, rows, words):
    with pytest.raises(TeachError) as err:
        read_examples(_csv(tmp_path / "d.csv", rows))
    assert words in str(err.value) and "\n" not in str(err.value)


def test_empty_texts_are_skipped_and_counted(tmp_path):
    data = read_examples(_csv(tmp_path / "d.csv", [*_topic_rows(), ("", "sport"), ("!!!", "food")]))
    assert data.skipped_empty == 2 and len(data.examples) == 20


def test_wrong_columns_name_the_columns_found(tmp_path):
    path = _csv(tmp_path / "d.csv", _topic_rows(), header=("review", "stars"))
    with pytest.raises(TeachError) as err:
        read_examples(path)
    assert "'review', 'stars'" in str(err.value) and "--text-col" in str(err.value)
    with pytest.raises(TeachError, match="no column 'txt'; the file has 'review', 'stars'"):
        read_examples(path, text_col="txt", label_col="stars")


def test_a_ten_megabyte_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8") as f:
        f.write("text,label\n")
        row = "x" * 999 + ",a\n"
        for _ in range(10_000):
            f.write(row)
    with pytest.raises(TeachError, match=r"10\.0 MB, over the 5 MB"):
        read_examples(big)


def test_pairs_from_the_app_are_checked_like_a_file():
    data = examples_from_pairs(_topic_rows() + [("", "sport")])
    assert data.skipped_empty == 1 and data.source == "labelled in the app"
    with pytest.raises(TeachError, match="label 'solo' \\(1\\)"):
        examples_from_pairs([*_topic_rows(), ("one more text", "solo")])


# ---- the head ------------------------------------------------------------------------------------

def test_head_separates_separable_data_deterministically():
    rng = np.random.default_rng(0)
    centers = np.eye(3, 16) * 3
    y = np.repeat(np.arange(3), 30)
    x = centers[y] + rng.normal(0, 0.3, (90, 16))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    head = fit_head(x, y, 3)
    assert (head.probabilities(x).argmax(1) == y).mean() == 1.0
    again = fit_head(x, y, 3)
    assert np.array_equal(head.weights, again.weights) and np.array_equal(head.bias, again.bias)


def test_class_weights_keep_a_rare_label_alive():
    rng = np.random.default_rng(1)
    y = np.array([0] * 95 + [1] * 5)
    x = rng.normal(0, 1, (100, 8))
    x[y == 1, 0] += 1.5
    head = fit_head(x, y, 2)
    assert (head.probabilities(x[y == 1]).argmax(1) == 1).mean() >= 0.8


def test_stratified_folds_cover_every_example_once_with_each_label_spread():
    y = np.array([0] * 12 + [1] * 7 + [2] * 5)
    folds = stratified_folds(y, 5)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(y)))
    for label, n in ((0, 12), (1, 7), (2, 5)):
        per_fold = [int((y[f] == label).sum()) for f in folds]
        assert max(per_fold) - min(per_fold) <= 1 and sum(per_fold) == n
    assert [f.tolist() for f in folds] == [f.tolist() for f in stratified_folds(y, 5)]


# ---- bundles -------------------------------------------------------------------------------------

def test_train_save_and_load_a_classifier_bundle(home, tiny_embed):
    data = examples_from_pairs(_topic_rows())
    trained = train("topics", data, tiny_embed)
    r = trained.report
    assert r.folds == 5 and r.examples == 20 and sum(map(sum, r.confusion)) == 20
    assert set(r.precision) == set(r.recall) == {"food", "sport"}
    path = save(trained)
    assert path == home / "classify-topics"
    assert sorted(p.name for p in home.iterdir()) == ["classify-topics"]  # no temporary folder left
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["task"] == "classify" and manifest["labels"] == ["food", "sport"]
    assert manifest["build"]["data"]["sha256"] == data.sha256 and manifest["build"]["data"]["size_bytes"] > 0
    assert manifest["task_params"]["embed_sha256"] == tiny_embed.sha256
    assert manifest["metrics"]["cv_accuracy"] == round(r.accuracy, 4)
    classifier = find_classifier("topics")
    assert classifier.labels == ("food", "sport") and classifier.weights.shape == (tiny_embed.dim, 2)
    with pytest.raises(TeachError, match="exists"):
        save(trained)
    save(trained, replace=True)
    assert [e.name for e in find_classifiers()] == ["topics"]


def test_a_failed_save_leaves_nothing_behind(home, tiny_embed, monkeypatch):
    from sqzdesk.engine import teach

    trained = train("half", examples_from_pairs(_topic_rows()), tiny_embed)

    def broken(path):
        raise BundleError("disk trouble")
    monkeypatch.setattr(teach, "load_classifier", broken)
    with pytest.raises(BundleError):
        save(trained)
    assert list(home.iterdir()) == []


def test_a_tampered_classifier_is_refused(home, tiny_embed):
    path = save(train("topics", examples_from_pairs(_topic_rows()), tiny_embed))
    head = path / "head.npz"
    blob = bytearray(head.read_bytes())
    blob[-30] ^= 0xFF
    head.write_bytes(bytes(blob))
    with pytest.raises(BundleError, match="checksum mismatch"):
        find_classifier("topics")
    with pytest.raises(BundleError, match="checksum mismatch"):
        Analyzer.open(["classify:topics"])


def test_a_classifier_of_another_encoder_is_refused(home, tiny_embed, tmp_path):
    from sqzdesk.modelbuild.tiny import write_tiny_embed

    save(train("topics", examples_from_pairs(_topic_rows()), tiny_embed))
    other = load_bundle(write_tiny_embed(tmp_path / "other", max_length=48))
    assert EmbedModel(other).sha256 == tiny_embed.sha256  # same weights, same file: it still runs
    manifest = json.loads((other.path / "manifest.json").read_text())
    manifest["files"]["model"]["sha256"] = "0" * 64         # as if another encoder had been installed
    (other.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="trained on another sentence encoder"):
        ClassifierSet(EmbedModel(load_bundle(other.path, verify=False)), [find_classifier("topics")])


def test_the_model_pool_applies_the_configured_classifiers(home, tiny_embed):
    from sqzdesk.engine.pool import EngineConfig, ModelPool

    save(train("topics", examples_from_pairs(_topic_rows()), tiny_embed))
    pool = ModelPool(EngineConfig(classifiers=("topics",)))
    analyzer = pool.analyzer()
    assert analyzer.classifiers is not None and analyzer.classifiers.names == ("topics",)
    assert analyzer.classifiers.embed is pool.embed()
    pool.configure(EngineConfig())
    assert pool.analyzer().classifiers is None


def test_export_and_import_one_file(home, tiny_embed, tmp_path):
    save(train("topics", examples_from_pairs(_topic_rows()), tiny_embed))
    file = export_file("topics", tmp_path)
    assert file.name == "topics.sqzclf"
    assert sorted(zipfile.ZipFile(file).namelist()) == ["MODEL_CARD.md", "head.npz", "manifest.json"]
    elsewhere = tmp_path / "colleague"
    imported = import_file(file, elsewhere)
    assert imported.name == "topics" and (elsewhere / "classify-topics" / "head.npz").is_file()
    with pytest.raises(TeachError, match="exists"):
        import_file(file, elsewhere)


def test_a_tampered_export_is_refused_and_nothing_installed(home, tiny_embed, tmp_path):
    save(train("topics", examples_from_pairs(_topic_rows()), tiny_embed))
    file = export_file("topics", tmp_path)
    with zipfile.ZipFile(file) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    manifest = json.loads(parts["manifest.json"])
    manifest["labels"] = ["sport", "food"]  # swap the labels: the head would now lie
    parts["manifest.json"] = json.dumps(manifest).encode()
    bad = tmp_path / "bad.sqzclf"
    with zipfile.ZipFile(bad, "w") as z:
        for name, blob in parts.items():
            z.writestr(name, blob)
    target = tmp_path / "colleague"
    with pytest.raises(TeachError, match="labels or encoder differ from the head's"):
        import_file(bad, target)
    parts2 = dict(parts)
    parts2["MODEL_CARD.md"] = parts["MODEL_CARD.md"] + b"edited"
    worse = tmp_path / "worse.sqzclf"
    with zipfile.ZipFile(worse, "w") as z:
        for name, blob in parts2.items():
            z.writestr(name, blob)
    with pytest.raises(TeachError, match="refused: .*MODEL_CARD.md: checksum mismatch"):
        import_file(worse, target)
    extra = tmp_path / "extra.sqzclf"
    with zipfile.ZipFile(extra, "w") as z:
        for name, blob in parts.items():
            z.writestr(name, blob)
        z.writestr("../evil.py", b"print('hi')")
    with pytest.raises(TeachError, match="not a classifier file"):
        import_file(extra, target)
    assert not target.exists() or [p for p in target.iterdir()] == []


# ---- the analysis --------------------------------------------------------------------------------

def test_parse_tasks():
    assert parse_tasks("sentiment,classify:a,classify:b,classify:a") == (("sentiment",), ("a", "b"))
    for bad in ("", "sentiment,topics", "classify:"):
        with pytest.raises(ValueError):
            parse_tasks(bad)


def test_classes_per_sentence_and_document_through_the_stream(home, tiny_embed, tiny_root):
    save(train("topics", examples_from_pairs(_topic_rows()), tiny_embed))
    text = " ".join(SPORT[:3]) + "\n\n" + " ".join(FOOD[:3]) + "\n\n12,5 | 13,7\n"
    analyzer = Analyzer.open(["sentiment", "classify:topics"])
    analyzer.chunk_chars = 120  # several chunks
    chunks = list(analyzer.stream(text))
    assert len(chunks) > 1
    result = collect(chunks)
    assert result == analyzer.analyze(text)
    assert [(c.start, c.end) for c in result.classes] == [(s.start, s.end) for s in result.sentences]
    assert len(result.classes) == 6  # the table line has no prose: no class, as no sentiment
    vectors = analyzer.classifiers.embed.vectors([text[c.start:c.end] for c in result.classes])
    expected = analyzer.classifiers.classify(vectors)
    for got, want in zip(result.classes, expected, strict=True):
        assert got.classes["topics"].label == want["topics"].label
        assert got.classes["topics"].score == pytest.approx(want["topics"].score, abs=1e-6)
    record = result.to_record()
    assert set(record["classify"]["topics"]) == {"label", "score"}
    assert all(set(s) == {"start", "end", "label", "score", "classify"} for s in record["sentences"])
    assert Analysis.from_record(json.loads(json.dumps(record))) == result


def test_without_classifiers_the_record_is_unchanged(home):
    record = Analyzer.open(["sentiment", "entities"]).analyze("Paris is lovely. I was happy there.").to_record()
    assert set(record) == {"sentiment", "sentences", "entities"}
    assert all("classify" not in s for s in record["sentences"])


def test_classify_only_gives_sentence_spans_with_classes_and_null_for_no_prose(home, tiny_embed):
    save(train("topics", examples_from_pairs(_topic_rows()), tiny_embed))
    analyzer = Analyzer.open(["classify:topics"])
    record = analyzer.analyze(SPORT[0] + " " + FOOD[0]).to_record()
    assert record["sentiment"] is None and record["entities"] == []
    assert [set(s) for s in record["sentences"]] == [{"start", "end", "classify"}] * 2
    assert analyzer.analyze("12.5 | 13.7 | 2024").to_record()["classify"] == {"topics": None}


def test_the_store_key_changes_with_the_classifier(home, tiny_embed):
    from sqzdesk.batch.store import model_key

    data = examples_from_pairs(_topic_rows())
    save(train("topics", data, tiny_embed))
    key1 = model_key(Analyzer.open(["sentiment", "classify:topics"]))
    flipped = examples_from_pairs([(t, "food" if lab == "sport" else "sport") for t, lab in _topic_rows()])
    save(train("topics", flipped, tiny_embed), replace=True)
    key2 = model_key(Analyzer.open(["sentiment", "classify:topics"]))
    assert key1 != key2 and "classify=topics#" in key1
    assert model_key(Analyzer.open(["sentiment"])) not in (key1, key2)


# ---- the real encoder ----------------------------------------------------------------------------

def test_the_shipped_encoder_learns_a_small_topic_task(tmp_path):
    embed = EmbedModel(load_bundle(shipped_bundle("embed")), threads=1)
    trained = train("topics", examples_from_pairs(_topic_rows()), embed)
    assert trained.report.accuracy >= 0.9
    save(trained, tmp_path)
    classifier = find_classifier("topics", [tmp_path])
    new = ["The goalkeeper was injured before the cup final.", "Add the flour and mix until smooth."]
    labels = [c.label for c in ClassifierSet(embed, [classifier]).classifiers[0].classify(embed.vectors(new))]
    assert labels == ["sport", "food"]


def test_shipped_embed_bundle_is_int8_and_documented():
    folder = shipped_bundle("embed")
    bundle = load_bundle(folder)
    assert bundle.manifest.quantization.startswith("int8") and bundle.manifest.max_length == 256
    assert bundle.manifest.metrics["cosine_to_minilm_mean_int8"] >= 0.98
    card = bundle.file("card").read_text()
    assert "python -m sqzdesk.modelbuild embed" in card and "cosine" in card.lower()
    vectors = EmbedModel(bundle, threads=1).vectors(["A cat sat on the mat.", "A kitten sat on a rug.",
                                                     "Quarterly revenue fell by four percent."])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


# ---- the command ---------------------------------------------------------------------------------

def test_cli_teach_train_then_analyze_then_share(home, tmp_path):
    data = _csv(tmp_path / "topics.csv", _topic_rows())
    done = run_cli("teach", "train", str(data), "--name", "topics")
    assert done.returncode == 0, done.stderr
    assert "5-fold cross-validated accuracy" in done.stdout and "confusion" in done.stdout
    assert (home / "classify-topics" / "manifest.json").is_file()
    doc = tmp_path / "doc.txt"
    doc.write_text(SPORT[0] + " " + FOOD[1] + "\n", encoding="utf-8")
    out = run_cli("analyze", str(doc), "--tasks", "sentiment,classify:topics")
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)[0]
    assert record["classify"]["topics"]["label"] in ("sport", "food")
    assert all("classify" in s and "topics" in s["classify"] for s in record["sentences"])
    lines = run_cli("analyze", "--stdin", "--tasks", "classify:topics",
                    stdin='{"id": 1, "text": "Bake it."}\n{"id": 2}\n').stdout.splitlines()
    assert json.loads(lines[0])["classify"]["topics"]["label"] in ("sport", "food")
    assert json.loads(lines[1]) == {"id": 2, "sentiment": None, "entities": [], "classify": None,
                                    "error": "needs string field(s) text"}
    listed = json.loads(run_cli("teach", "list", "--json").stdout)
    assert [(x["name"], x["labels"], x["error"]) for x in listed] == [("topics", ["food", "sport"], None)]
    manifest = json.loads((home / "classify-topics" / "manifest.json").read_text())
    elsewhere = tmp_path / "elsewhere"  # the same classifier where another encoder is installed
    shutil.copytree(home / "classify-topics", elsewhere / "classify-topics")
    listed = json.loads(run_cli("--models", str(elsewhere), "teach", "list", "--json",
                                env={"SQZDESK_MODEL_PATH": ""}).stdout)
    assert "another sentence encoder" in listed[0]["error"] and manifest["task_params"]["embed_sha256"]
    shared = tmp_path / "topics.sqzclf"
    assert run_cli("teach", "export", "topics", str(shared)).returncode == 0
    assert run_cli("teach", "remove", "topics").returncode == 0
    assert not (home / "classify-topics").exists()
    assert run_cli("teach", "import", str(shared)).returncode == 0
    assert (home / "classify-topics" / "head.npz").is_file()


@pytest.mark.parametrize(("rows", "args", "words"), [
    ([("only", "x"), ("one label", "x")], (), "every example has the label 'x'"),
    (None, ("--text-col", "body"), "no column 'body'; the file has 'text', 'label'"),
])
def test_cli_teach_bad_input_says_why_and_saves_nothing(home, tmp_path, rows, args, words):
    data = _csv(tmp_path / "d.csv", rows or _topic_rows())
    done = run_cli("teach", "train", str(data), "--name", "bad", *args)
    assert done.returncode == 2 and words in done.stderr
    assert not home.exists() or list(home.iterdir()) == []


def test_cli_unknown_classifier_is_a_clear_error(home, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("Some text here.", encoding="utf-8")
    done = run_cli("analyze", str(doc), "--tasks", "classify:nope")
    assert done.returncode == 2 and "no classifier named 'nope'" in done.stderr


def test_batch_outputs_carry_the_classes(home, tiny_embed, tmp_path):
    save(train("topics", examples_from_pairs(_topic_rows()), tiny_embed))
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(SPORT[0] + " " + SPORT[1], encoding="utf-8")
    (folder / "b.txt").write_text(FOOD[0], encoding="utf-8")
    store = tmp_path / "store.sqlite3"
    jsonl = run_cli("batch", str(folder), "--tasks", "sentiment,classify:topics", "--store", str(store), "-q")
    assert jsonl.returncode == 0, jsonl.stderr
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert all(r["classify"]["topics"]["label"] in ("sport", "food") for r in records)
    again = run_cli("batch", str(folder), "--tasks", "sentiment,classify:topics", "--store", str(store), "-q",
                    "--resume", "--format", "csv")
    assert again.returncode == 0, again.stderr
    header, *rows = again.stdout.splitlines()
    assert "classify:topics" in header.split(",") and "classify:topics:score" in header.split(",")
    by_path = {r["path"]: r["classify"]["topics"]["label"] for r in records}
    assert sorted(row.split(",")[header.split(",").index("classify:topics")] for row in rows) == \
        sorted(by_path.values())


def test_training_works_without_the_numpy_parts_the_binary_leaves_out(home, tmp_path):
    """packaging/sqzdesk.spec drops numpy.random, numpy.ma, numpy.fft and numpy.polynomial; training and
    saving must need none of them (np.unique, for one, needs numpy.ma)."""
    data = _csv(tmp_path / "topics.csv", _topic_rows())
    code = ("import sys\n"
            "for name in ('numpy.random', 'numpy.ma', 'numpy.fft', 'numpy.polynomial'):\n"
            "    sys.modules[name] = None\n"
            "from sqzdesk.cli import main\n"
            f"sys.exit(main(['teach', 'train', {str(data)!r}, '--name', 'nr']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          env=dict(os.environ), timeout=600)
    assert done.returncode == 0, done.stderr
    assert (home / "classify-nr" / "head.npz").is_file()


def test_training_reports_progress_and_can_be_cancelled(home, tiny_embed):
    from sqzdesk.engine.windows import Cancelled

    data = examples_from_pairs(_topic_rows())
    seen: list[tuple[int, int]] = []
    train("topics", data, tiny_embed, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] and [d for d, _ in seen] == sorted(d for d, _ in seen)
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 1
    with pytest.raises(Cancelled):
        train("topics", data, tiny_embed, should_stop=stop)
    assert not home.exists()


def test_least_sure_ranks_unlabelled_texts_by_margin(tiny_embed):
    """Active learning: every candidate once, ordered by margin (the tiny encoder's random weights say
    nothing about which is truly least sure, so only the order and the range are checked)."""
    data = examples_from_pairs(_topic_rows())
    mixed = SPORT[0] + " " + FOOD[0]
    candidates = [SPORT[1], mixed, FOOD[2]]
    ranked = least_sure(data, candidates, tiny_embed)
    assert sorted(i for i, _ in ranked) == [0, 1, 2]
    margins = [m for _, m in ranked]
    assert margins == sorted(margins) and all(0.0 <= m <= 1.0 for m in margins)
    assert least_sure(data, [], tiny_embed) == []
