"""groups=1 (accurate) vs groups=4 (fast) encoders, fp32 and int8, at batch 8 x 128 tokens, 2 threads.

    python bench/models.py [--repeats 20] [--rounds 3] [--threads 2] [--groups 1,4] [--json]

The graphs are built here from :mod:`sqzdesk.modelbuild.onnx_graph` with random weights of the shipped
shapes (hidden 384, 6 layers, 12 heads, 1536, vocab 30522, sequence head): speed depends on the shapes,
not on the weight values, so the bench runs on a fresh clone without any training run (it needs numpy,
onnx and onnxruntime, nothing else). int8 is what the project's exporter ships
(:func:`sqzdesk.modelbuild.export.quantize_int8`: dynamic int8 MatMulInteger, 4-bit word embeddings).
Where ``assets/models`` holds both variants of a task, their real int8 models are timed too.

Everything is timed in one run, interleaved call by call (so drift on a shared machine hits every graph
alike), sessions built as the app builds them; the ratios are what count. Besides the wall time the
process CPU time per call is reported: on a machine shared with other jobs it is the steadier figure
(with more than one thread it includes ONNX Runtime's spin-waiting). The CPU's ISA extensions are
printed first, because int8 speed depends on them: VNNI (AVX-512 or AVX) runs int8 dot products in one
instruction, AVX2 alone does not, so a reader knows which speed class the figures belong to.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BATCH, LENGTH, THREADS = 8, 128, 2
SHIPPED = dict(vocab_size=30522, hidden_size=384, num_layers=6, num_heads=12, intermediate_size=1536)

from sqzdesk.engine.speed import threads_text  # noqa: E402
from sqzdesk.modelbuild.cpu import ISA_FLAGS, cpu_info  # noqa: E402  (after the sys.path line; shared with the release step)


def groups_of(g: int) -> dict[str, int]:
    """The fast variant's grouping: every 1x1 conv in ``g`` groups except post-attention (as SqueezeBERT)."""
    return {"q": g, "k": g, "v": g, "post_attention": 1, "intermediate": g, "output": g}


def build_graphs(out: Path, group_counts: tuple[int, ...] = (1, 4)) -> dict[str, Path]:
    """fp32 and int8 models for each group count, random weights of the shipped shapes."""
    import onnx

    from sqzdesk.modelbuild.export import quantize_int8
    from sqzdesk.modelbuild.onnx_graph import EncoderSpec, build_model
    from sqzdesk.modelbuild.tiny import random_weights

    paths = {}
    for g in group_counts:
        spec = EncoderSpec(**SHIPPED, groups=groups_of(g))
        weights = random_weights(spec, "sequence", 2, seed=g)
        # grouped layers both ways: batched over a group axis, and one MatMul per group (split_groups)
        for label, split in ((f"g{g}", False), *(((f"g{g}split", True),) if g > 1 else ())):
            fp32 = out / f"{label}.fp32.onnx"
            onnx.save(build_model(spec, "sequence", weights, 2, split_groups=split), fp32)
            int8 = out / f"{label}.int8.onnx"
            quantize_int8(fp32, int8)
            paths[f"{label}_fp32"], paths[f"{label}_int8"] = fp32, int8
    return paths


def shipped_pairs() -> dict[str, Path]:
    """The real int8 models of every task that ships both variants (``assets/models/<task>-fast``)."""
    from sqzdesk.engine.bundle import load_bundle

    models = REPO / "assets" / "models"
    pairs: dict[str, Path] = {}
    for fast in sorted(models.glob("*-fast")):
        accurate = models / fast.name.removesuffix("-fast")
        if (fast / "manifest.json").is_file() and (accurate / "manifest.json").is_file():
            task = accurate.name
            pairs[f"shipped_{task}_g1_int8"] = load_bundle(accurate, verify=False).file("model")
            pairs[f"shipped_{task}_g4_int8"] = load_bundle(fast, verify=False).file("model")
    return pairs


def session(path: Path, threads: int = THREADS):
    """As the app builds it (:class:`sqzdesk.engine.session.OnnxModel`)."""
    from sqzdesk.engine.session import OnnxModel

    return OnnxModel(path, threads)


def feeds_for(model, vocab: int = SHIPPED["vocab_size"]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, vocab, (BATCH, LENGTH)).astype(np.int64)
    all_feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids),
                 "case_ids": np.zeros_like(ids)}
    return {k: all_feeds[k] for k in model.input_names}


def time_all(runners: dict[str, Callable[[], object]], repeats: int, rounds: int
             ) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and process-CPU seconds per call; every runner once in turn, ``rounds * repeats`` times."""
    wall: dict[str, list[float]] = {k: [] for k in runners}
    cpu: dict[str, list[float]] = {k: [] for k in runners}
    for fn in runners.values():
        fn()  # warm-up
    for _ in range(rounds * repeats):
        for name, fn in runners.items():
            t, c = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
    return ({k: statistics.median(v) for k, v in wall.items()}, {k: statistics.median(v) for k, v in cpu.items()})


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=20, help="calls per graph per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=THREADS)
    p.add_argument("--groups", default="1,4", help="group counts to build (1 and 4 always; e.g. 1,4,12)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    args = p.parse_args()
    group_counts = tuple(sorted({1, 4, *(int(g) for g in args.groups.split(","))}))

    import onnxruntime as ort

    name, flags, cls = cpu_info()
    with tempfile.TemporaryDirectory() as tmp:
        paths = {**build_graphs(Path(tmp), group_counts), **shipped_pairs()}
        sizes = {k: v.stat().st_size for k, v in paths.items()}
        models = {k: session(v, args.threads) for k, v in paths.items()}
        feeds = {k: feeds_for(m) for k, m in models.items()}
        runners = {k: (lambda m=m, f=feeds[k]: m.run(f)) for k, m in models.items()}
        med, cpu = time_all(runners, args.repeats, args.rounds)
    ratios: dict[str, float] = {}
    for g in group_counts[1:]:
        for label in (f"g{g}", f"g{g}split"):
            for kind in ("int8", "fp32"):
                ratios[f"{label}_vs_g1_{kind}"] = med[f"g1_{kind}"] / med[f"{label}_{kind}"]
                ratios[f"{label}_vs_g1_{kind}_cpu"] = cpu[f"g1_{kind}"] / cpu[f"{label}_{kind}"]
    for g in group_counts:
        ratios[f"int8_vs_fp32_g{g}"] = med[f"g{g}_fp32"] / med[f"g{g}_int8"]
    for key in med:
        if key.startswith("shipped_") and key.endswith("_g4_int8"):
            task = key.removeprefix("shipped_").removesuffix("_g4_int8")
            ratios[f"shipped_{task}_g4_vs_g1_int8"] = med[f"shipped_{task}_g1_int8"] / med[key]
    result = {
        "cpu": name, "isa": flags, "class": cls, "onnxruntime": ort.__version__,
        "batch": BATCH, "length": LENGTH, "threads": args.threads, "repeats": args.repeats, "rounds": args.rounds,
        "ms": {k: round(v * 1000, 1) for k, v in med.items()},
        "cpu_ms": {k: round(v * 1000, 1) for k, v in cpu.items()},
        "tokens_per_s": {k: round(BATCH * LENGTH / v) for k, v in med.items()},
        "model_mb": {k: round(v / 1e6, 1) for k, v in sizes.items()},
        "ratios": {k: round(v, 2) for k, v in ratios.items()},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"CPU: {name}\nISA: {' '.join(flags) or 'none of ' + ', '.join(ISA_FLAGS)}\nclass: {cls}\n"
          f"onnxruntime {ort.__version__}; batch {BATCH} x {LENGTH} tokens, {threads_text(args.threads)}, "
          f"{args.rounds * args.repeats} interleaved calls each, median\n")
    print(f"{'graph':<28} {'ms/batch':>9} {'cpu ms':>8} {'tokens/s':>9} {'MB':>6}")
    for k in med:
        print(f"{k:<28} {result['ms'][k]:>9} {result['cpu_ms'][k]:>8} {result['tokens_per_s'][k]:>9} "
              f"{result['model_mb'][k]:>6}")
    print()
    for k, v in result["ratios"].items():
        print(f"{k:<28} {v:.2f}x")


if __name__ == "__main__":
    main()
