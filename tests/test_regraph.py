"""``modelbuild regraph``: a grouped bundle written again by the graph builder, its weights untouched.

Real tiny bundles and real ONNX Runtime sessions; the timing is injected (a test asserts no speed)."""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import pytest

pytest.importorskip("torch")  # from_bundle (the dequantizer) lives with the train extra

from sqzdesk.engine.bundle import load_bundle  # noqa: E402
from sqzdesk.engine.manifest import Speed  # noqa: E402
from sqzdesk.engine.session import OnnxModel  # noqa: E402
from sqzdesk.modelbuild.export import quantize_int8  # noqa: E402
from sqzdesk.modelbuild.onnx_graph import build_model  # noqa: E402
from sqzdesk.modelbuild.regraph import SECTION, rebuild, regraph, same_weights, spec_of  # noqa: E402
from sqzdesk.modelbuild.tiny import random_weights, write_tiny_bundles, write_tiny_fast_bundles  # noqa: E402


@pytest.fixture()
def pair(tmp_path: Path) -> Path:
    """tiny-sentiment (groups=1) and tiny-sentiment-fast (groups=4, fp32, groups batched over an axis)."""
    write_tiny_bundles(tmp_path, groups=1)
    write_tiny_fast_bundles(tmp_path)
    return tmp_path


def _feeds(model: OnnxModel) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    ids = rng.integers(5, 60, (3, 20)).astype(np.int64)
    mask = np.ones_like(ids)
    mask[1, 14:] = 0
    every = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids),
             "case_ids": np.ones_like(ids)}
    return {k: every[k] for k in model.input_names}


def _ops(path: Path) -> Counter:
    return Counter(n.op_type for n in onnx.load(str(path)).graph.node)


def test_the_split_graph_joins_the_groups_twice_a_layer(pair: Path):
    """q, k and v share one Split and their groups meet once, before the dense post-attention projection;
    the FFN splits once and joins once: 2 Splits and 2 Concats per layer, nothing more."""
    bundle = load_bundle(pair / "tiny-sentiment-fast")
    new = rebuild(bundle.manifest, bundle.file("model"), pair / "work")
    layers = spec_of(bundle.manifest).num_layers
    ops = _ops(new)
    assert ops["Split"] == 2 * layers and ops["Concat"] == 2 * layers


def test_an_fp32_bundle_comes_back_with_the_same_weights_and_outputs(pair: Path):
    bundle = load_bundle(pair / "tiny-sentiment-fast")
    old = bundle.file("model")
    new = rebuild(bundle.manifest, old, pair / "work")
    assert same_weights(old, new) == []
    a, b = OnnxModel(old, 1), OnnxModel(new, 1)
    feeds = _feeds(a)
    np.testing.assert_allclose(a.run(feeds)["logits"], b.run(feeds)["logits"], atol=1e-5)


def test_int8_weights_quantize_back_to_themselves_and_outputs_are_bit_identical(pair: Path):
    """The shipped case: an int8 file of the split lowering, dequantized and written again (by today's builder,
    each group's attention alone): every int8 weight, scale and 4-bit block equal, the outputs too."""
    bundle = load_bundle(pair / "tiny-sentiment-fast")
    manifest = replace(bundle.manifest, quantization="int8-dynamic")
    spec = spec_of(manifest)
    fp32, int8 = pair / "s.fp32.onnx", pair / "s.int8.onnx"
    onnx.save(build_model(spec, "sequence", random_weights(spec, "sequence", 2, seed=7), 2, split_groups=True), fp32)
    quantize_int8(fp32, int8)
    new = rebuild(manifest, int8, pair / "work")
    assert same_weights(int8, new) == []
    assert _ops(new)["MatMulInteger"] == _ops(int8)["MatMulInteger"]
    a, b = OnnxModel(int8, 1), OnnxModel(new, 1)
    feeds = _feeds(a)
    assert np.array_equal(a.run(feeds)["logits"], b.run(feeds)["logits"])


def test_an_int8_file_of_the_batched_lowering_is_refused_as_not_the_same_weights(pair: Path):
    """Batched grouped weights share one int8 scale per matrix, split ones have one per group: written again
    they would be other weights, which regraph must not pass off as the shipped model."""
    bundle = load_bundle(pair / "tiny-sentiment-fast")
    manifest = replace(bundle.manifest, quantization="int8-dynamic")
    int8 = pair / "b.int8.onnx"
    quantize_int8(bundle.file("model"), int8)
    new = rebuild(manifest, int8, pair / "work")
    assert any(name.endswith(".w") for name in same_weights(int8, new))


def _args(pair: Path, name: str = "tiny-sentiment-fast") -> argparse.Namespace:
    return argparse.Namespace(bundle=pair / name, data=None, runs=pair / "runs", threads=1, rounds=1)


def test_the_step_installs_the_new_file_and_records_both_speeds(pair: Path):
    calls = []

    def timer(files: dict[str, Path], threads: int, rounds: int) -> dict[str, float]:
        calls.append((sorted(files), threads, rounds))
        return {"fast": 2.0, "before": 2.5, "accurate": 4.0}

    facts = regraph(_args(pair), timer=timer)
    assert calls == [(["accurate", "before", "fast"], 2, 1)]
    fast, accurate = load_bundle(pair / "tiny-sentiment-fast"), load_bundle(pair / "tiny-sentiment")  # checksums hold
    assert fast.manifest.speed is not None and fast.manifest.speed.ms == 2.0
    assert accurate.manifest.speed == Speed(4.0, 2, facts["cpu_class"])
    assert _ops(fast.file("model"))["Split"] == 2 * spec_of(fast.manifest).num_layers
    assert fast.manifest.build["regraphed"] == facts["date"]
    card = fast.file("card").read_text(encoding="utf-8")
    assert card.count(SECTION) == 1 and "2.5 ms" in card and "not compared" in card
    regraph(_args(pair), timer=timer)  # again: the card's note is replaced, not repeated
    assert load_bundle(pair / "tiny-sentiment-fast").file("card").read_text(encoding="utf-8").count(SECTION) == 1


def test_an_accurate_bundle_is_refused(pair: Path):
    with pytest.raises(SystemExit, match="not a fast"):
        regraph(_args(pair, "tiny-sentiment"), timer=lambda files, threads, rounds: {})


def test_record_speeds_times_every_task_bundle_in_one_run(pair: Path):
    """The sentence encoder has no batch figure; the four task bundles get one run's figures, one class."""
    from sqzdesk.engine.bundle import MANIFEST
    from sqzdesk.modelbuild.speeds import record_speeds

    calls = []

    def timer(files: dict[str, Path], threads: int, rounds: int) -> dict[str, float]:
        calls.append((sorted(files), threads, rounds))
        return {name: float(i + 1) for i, name in enumerate(sorted(files))}

    before = (pair / "tiny-embed" / MANIFEST).read_text(encoding="utf-8")
    written = record_speeds(pair, 1, 3, timer=timer)
    names = ["tiny-entities", "tiny-qa", "tiny-sentiment", "tiny-sentiment-fast"]
    assert calls == [(names, 1, 3)] and sorted(written) == names
    for i, name in enumerate(names):
        speed = load_bundle(pair / name).manifest.speed  # checksums still hold
        assert speed is not None and (speed.ms, speed.threads) == (float(i + 1), 1) and speed.cpu
    assert (pair / "tiny-embed" / MANIFEST).read_text(encoding="utf-8") == before


def test_a_card_section_is_replaced_up_to_the_next_heading_or_appended():
    """The one card-section rule of `fast` (its attempt in the accurate card) and `regraph` (its note)."""
    from sqzdesk.modelbuild.bundle_writer import with_section

    card = "# m\n\n## Use\nuse\n\n## Fast variant (groups=4)\nold run\n\n## Limits\nlimits\n"
    new = "## Fast variant (groups=4)\nnew run\n"
    assert with_section(card, "## Fast variant (groups=4)", new) == \
        "# m\n\n## Use\nuse\n\n## Fast variant (groups=4)\nnew run\n\n## Limits\nlimits\n"
    assert with_section("# m\n\n## Use\nuse\n", "## Fast variant (groups=4)", new) == \
        "# m\n\n## Use\nuse\n\n## Fast variant (groups=4)\nnew run\n"
