"""Model variants (issue 18): a fast groups=4 bundle beside the accurate one, chosen per task.

Real tiny bundles (random weights, the project's graph builder) and the real command; the fast bundles
come from :func:`sqzdesk.modelbuild.tiny.write_tiny_fast_bundles`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli

from sqzdesk.engine import BundleError, ModelPool, SentimentModel, Variant, find_bundle, load_bundle
from sqzdesk.engine.bundle import resolve
from sqzdesk.engine.manifest import Manifest, ManifestError
from sqzdesk.engine.pool import EngineConfig
from sqzdesk.modelbuild.tiny import write_tiny_fast_bundles

TEXT = "The film was great. The service was terrible and the price was bad."


@pytest.fixture()
def fast_dir(tmp_path) -> Path:
    """A folder with a fast sentiment bundle only (entities and qa have none)."""
    write_tiny_fast_bundles(tmp_path / "fast")
    return tmp_path / "fast"


def _manifest(**extra) -> dict:
    base = json.loads((Path(find_bundle("sentiment").path) / "manifest.json").read_text())
    return {**base, **extra}


def test_fast_bundle_is_a_grouped_sibling_with_its_variant_and_figures(fast_dir):
    fast = load_bundle(fast_dir / "tiny-sentiment-fast")
    assert fast.variant is Variant.FAST and fast.task == "sentiment"
    groups = fast.manifest.architecture["groups"]
    assert groups["post_attention"] == 1 and {v for k, v in groups.items() if k != "post_attention"} == {4}
    assert fast.manifest.speed is not None and fast.manifest.speed.ms > 0
    assert fast.manifest.validation() == ("accuracy", 48.5)
    again = Manifest.from_dict(json.loads(fast.manifest.to_json()))
    assert again.variant is Variant.FAST and again.speed == fast.manifest.speed


def test_a_manifest_without_variant_is_accurate_and_keeps_its_json():
    data = _manifest()
    data.pop("variant", None)
    data.pop("speed", None)
    manifest = Manifest.from_dict(data)
    assert manifest.variant is Variant.ACCURATE and manifest.speed is None
    written = json.loads(manifest.to_json())
    assert "variant" not in written and "speed" not in written


@pytest.mark.parametrize("extra, words", [
    ({"variant": "turbo"}, "field 'variant'"),
    ({"speed": {"ms": 3}}, "field 'speed'"),
    ({"speed": {"ms_batch8x128_int8": -1.0}}, "field 'speed'"),
    ({"speed": {"ms_batch8x128_int8": 2.0, "threads": "two"}}, "field 'speed'"),
])
def test_malformed_variant_or_speed_is_refused_naming_the_field(extra, words):
    with pytest.raises(ManifestError, match=words):
        Manifest.from_dict(_manifest(**extra))


def test_resolve_gives_fast_where_there_is_one_and_accurate_with_a_notice_elsewhere(fast_dir, tiny_root):
    found = resolve([fast_dir, tiny_root], {"sentiment": Variant.FAST, "entities": Variant.FAST})
    assert found.bundles["sentiment"].path == fast_dir / "tiny-sentiment-fast"
    assert found.bundles["entities"].variant is Variant.ACCURATE
    assert set(found.notices) == {"entities"} and "fast" in found.notices["entities"]
    assert found.bundles["qa"].variant is Variant.ACCURATE and "qa" not in found.notices
    assert set(found.choices["sentiment"]) == {Variant.ACCURATE, Variant.FAST}
    assert set(found.choices["entities"]) == {Variant.ACCURATE}
    # the default is accurate even with a fast bundle first in the search path
    assert resolve([fast_dir, tiny_root]).bundles["sentiment"].path == tiny_root / "tiny-sentiment"
    assert find_bundle("sentiment", [fast_dir, tiny_root], Variant.FAST).variant is Variant.FAST


def test_a_damaged_fast_bundle_is_refused_not_replaced_by_the_accurate_one(fast_dir, tiny_root):
    (fast_dir / "tiny-sentiment-fast" / "model.onnx").write_bytes(b"tampered")
    with pytest.raises(BundleError, match="checksum mismatch"):
        find_bundle("sentiment", [fast_dir, tiny_root], Variant.FAST)
    assert find_bundle("sentiment", [fast_dir, tiny_root]).variant is Variant.ACCURATE


def test_fast_session_gives_other_scores_than_accurate(fast_dir, tiny_root):
    fast = SentimentModel.open([fast_dir, tiny_root], 1, Variant.FAST)
    accurate = SentimentModel.open([fast_dir, tiny_root], 1)
    assert fast.bundle.variant is Variant.FAST and accurate.bundle.variant is Variant.ACCURATE
    assert fast.analyze(TEXT) != accurate.analyze(TEXT)


def test_pool_rebuilds_when_the_variant_changes(fast_dir, tiny_root):
    pool = ModelPool(EngineConfig(threads=1, dirs=(fast_dir, tiny_root)))
    first = pool.analyzer()
    assert first.sentiment is not None and first.sentiment.bundle.variant is Variant.ACCURATE
    assert pool.status().variants_line() == "Models: sentiment accurate · entities accurate · qa accurate"
    pool.configure(EngineConfig(threads=1, dirs=(fast_dir, tiny_root), variants=(("sentiment", Variant.FAST),)))
    second = pool.analyzer()
    assert second is not first
    assert second.sentiment is not None and second.sentiment.bundle.path == fast_dir / "tiny-sentiment-fast"
    assert pool.status().variants_line() == "Models: sentiment fast · entities accurate · qa accurate"
    pool.configure(EngineConfig(threads=1, dirs=(fast_dir, tiny_root), variants=(("sentiment", Variant.FAST),)))
    assert pool.analyzer() is second  # the same config builds nothing again


def test_cli_variant_fast_uses_the_fast_model_and_says_where_it_has_none(fast_dir):
    args = ["--models", str(fast_dir), "analyze", "--stdin", "--patterns", "none", "--terms", "none"]
    line = json.dumps({"id": 1, "text": TEXT}) + "\n"
    fast = run_cli(*args, "--variant", "fast", stdin=line)
    accurate = run_cli(*args, stdin=line)
    assert fast.returncode == 0 and accurate.returncode == 0
    notes = [x for x in fast.stderr.splitlines() if x.startswith("sqzdesk: ")]
    assert notes == ["sqzdesk: no fast 'entities' model installed, using the accurate one (see its MODEL_CARD.md)"]
    assert accurate.stderr == ""
    assert json.loads(fast.stdout)["sentiment"] != json.loads(accurate.stdout)["sentiment"]
    assert json.loads(fast.stdout)["entities"] == json.loads(accurate.stdout)["entities"]


def test_cli_variant_is_checked_and_ask_takes_it(fast_dir):
    bad = run_cli("analyze", "--stdin", "--variant", "turbo", stdin="")
    assert bad.returncode == 2 and "--variant" in bad.stderr
    line = json.dumps({"id": 1, "question": "who visited paris?", "context": "angela merkel visited paris."})
    proc = run_cli("--models", str(fast_dir), "ask", "--stdin", "--variant", "fast", stdin=line + "\n")
    assert proc.returncode == 0 and "no fast 'qa' model installed" in proc.stderr


def test_models_lists_both_variants_with_figures(fast_dir):
    rows = json.loads(run_cli("--models", str(fast_dir), "models", "--json").stdout)
    sentiment = {r["variant"]: r for r in rows if r["task"] == "sentiment"}
    assert set(sentiment) == {"accurate", "fast"}
    assert sentiment["fast"]["groups"] == 4 and sentiment["fast"]["speed"]["ms_batch8x128_int8"] == 1.5
    assert sentiment["fast"]["validation"] == {"metric": "accuracy", "value": 48.5}
    human = run_cli("--models", str(fast_dir), "models").stdout.splitlines()
    firsts = [line for line in human if line.startswith("sentiment")]
    assert [line.split()[1] for line in firsts] == ["accurate", "fast"]
    assert "accuracy 48.5 · 1.5 ms/batch (2 threads, test)" in firsts[1] and "groups=4" in firsts[1]


def test_batch_takes_the_variant_and_does_not_reuse_the_other_variants_results(fast_dir, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(TEXT)
    args = ["--models", str(fast_dir), "batch", str(docs), "--patterns", "none", "--terms", "none", "--resume"]
    accurate = run_cli(*args)
    fast = run_cli(*args, "--variant", "fast")
    assert accurate.returncode == 0 and fast.returncode == 0
    assert "no fast 'entities' model installed" in fast.stderr
    first, second = json.loads(accurate.stdout), json.loads(fast.stdout)
    assert second["sentiment"] != first["sentiment"]  # analysed again on the fast model, not reused
    again = run_cli(*args, "--variant", "fast")
    assert json.loads(again.stdout)["sentiment"] == second["sentiment"]


def test_models_measure_times_both_variants_on_this_computer(fast_dir):
    """`sqzdesk models --measure`: the sentiment pair timed here (the only task with two variants), with
    the CPU class and what the figures mean for the choice; figures are whatever the machine gives."""
    proc = run_cli("--models", str(fast_dir), "--threads", "1", "models", "--measure", "--rounds", "2")
    assert proc.returncode == 0, proc.stderr
    head, *rows = proc.stdout.splitlines()
    assert head.startswith("measured here: ") and "1 thread, median of 2 calls each" in head
    assert len(rows) == 1 and rows[0].startswith("sentiment  accurate ") and " · fast " in rows[0]
    assert any(words in rows[0] for words in ("x faster here", "about the same speed here", "slower here"))
    assert "6/6 calls" in proc.stderr  # progress: 2 variants x (1 warm-up + 2 rounds)

    rows = json.loads(run_cli("--models", str(fast_dir), "--threads", "1", "models", "--measure", "--rounds",
                              "2", "--json").stdout)
    assert [(r["task"], r["variant"], r["calls"], r["threads"]) for r in rows] == [
        ("sentiment", "accurate", 2, 1), ("sentiment", "fast", 2, 1)]
    assert rows[1]["ms_recorded"]["ms_batch8x128_int8"] > 0 and rows[1]["ms_here"] > 0 and rows[1]["cpu"]

    alone = run_cli("models", "--measure")  # the tiny accurate bundles only: no pair to compare
    assert alone.returncode == 1 and "no task has two variants installed" in alone.stderr
