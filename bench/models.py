"""Throughput per bundle at batch 8 x 128 tokens, 2 threads: PyTorch fp32, ORT fp32, ORT int8 (shipped).

Everything is measured in one run on one machine, interleaved, so the ratios are what count:

    python bench/models.py [--runs ../runs] [--repeats 20]

Needs the `train` extra and the training runs (`runs/<task>-g<G>/model.pt`, `runs/<task>-export/`), since
the PyTorch and fp32 figures are of the same checkpoint the int8 bundle was exported from.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

BATCH, LENGTH, THREADS = 8, 128, 2
REPO = Path(__file__).resolve().parents[1]


def _feeds(vocab: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, vocab, (BATCH, LENGTH)).astype(np.int64)
    return {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}


def _time(fn, repeats: int) -> list[float]:
    fn()
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def bench_task(task: str, runs: Path, repeats: int) -> dict | None:
    import onnxruntime as ort
    import torch

    from sqzdesk.engine.bundle import find_bundle
    from sqzdesk.engine.session import DISABLED_OPTIMIZERS
    from sqzdesk.modelbuild.pipeline import load_run

    export = runs / f"{task}-export"
    if not (export / "facts.json").exists():
        print(f"{task}: no export in {export}, skipped")
        return None
    groups = json.loads((export / "facts.json").read_text())["groups"]
    args = argparse.Namespace(task=task, runs=runs)
    model = load_run(args, groups)
    bundle = find_bundle(task, [REPO / "assets" / "models"])
    feeds = _feeds(model.config.vocab_size)
    torch.set_num_threads(THREADS)
    t_feeds = {k: torch.from_numpy(v) for k, v in feeds.items()}

    def session(path: Path):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = THREADS
        opts.inter_op_num_threads = 1
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"],
                                    disabled_optimizers=DISABLED_OPTIMIZERS)

    fp32, int8 = session(export / "model.fp32.onnx"), session(bundle.file("model"))
    runners = {
        "pytorch_fp32": lambda: model(**t_feeds),
        "ort_fp32": lambda: fp32.run(None, feeds),
        "ort_int8": lambda: int8.run(None, feeds),
    }
    times: dict[str, list[float]] = {k: [] for k in runners}
    with torch.inference_mode():
        for _ in range(3):  # interleave rounds so drift on a shared machine hits all three alike
            for name, fn in runners.items():
                times[name] += _time(fn, repeats)
    med = {k: statistics.median(v) for k, v in times.items()}
    tokens = BATCH * LENGTH
    return {
        "task": task, "groups": groups,
        "tokens_per_s": {k: round(tokens / v) for k, v in med.items()},
        "int8_vs_ort_fp32": round(med["ort_fp32"] / med["ort_int8"], 2),
        "int8_vs_pytorch_fp32": round(med["pytorch_fp32"] / med["ort_int8"], 2),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=Path, default=Path("../runs"))
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--tasks", default="sentiment,entities,qa")
    args = p.parse_args()
    for task in args.tasks.split(","):
        result = bench_task(task, args.runs, args.repeats)
        if result:
            print(json.dumps(result))


if __name__ == "__main__":
    main()
