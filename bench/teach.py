"""Issue 17's acceptance figures: a 3-class classifier taught from 300 examples, measured end to end.

    python bench/teach.py [--data ../shared/data] [--domains books,electronics,kitchen] [--out bench/RESULTS_teach.md]

The task: which product a review is about, from the Blitzer multi-domain reviews (``sentiment-multidomain``,
both sentiment labels mixed). Per domain the distinct reviews are shuffled with a fixed seed; the first
100 train, numbers 201-500 are the held-out test (300 per domain, 900 in all, never seen in training).
Each domain set is run twice: on whole reviews (title and body, several sentences), and on the review
titles alone (one short sentence each, "Great value for the price"), the "300 labelled sentences" case.
Measured the way an analyst works, through the real command in a private data dir:

* ``sqzdesk teach train train.csv --name NAME`` -- wall time of the whole command (start-up, reading,
  embedding every review sentence by sentence, 5-fold cross-validation, the final fit, saving), and the
  embedding / fitting split it reports, and its cross-validated accuracy;
* ``sqzdesk analyze --stdin --tasks classify:NAME`` over the test reviews -- held-out accuracy of the
  document labels.

Two ORT threads (the acceptance machine has 2 cores); one run, timings vary with the machine. The CPU's
ISA extensions are printed because int8 speed depends on them (VNNI).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.e2e import _cpu_model  # noqa: E402
from bench.scheduler import cpu_flags  # noqa: E402

TRAIN_PER_CLASS = 100
TEST = slice(200, 500)
SEED = 42


def split(data: Path, domains: list[str], titles: bool) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The field holds the title, a newline and a tab, then the body: ``titles`` keeps the first line."""
    rng = random.Random(SEED)
    train, test = [], []
    for d in domains:
        with open(data / "sentiment-multidomain" / d / "labeled.tsv", encoding="utf-8", newline="") as f:
            rows = [r["sentence"].strip() for r in csv.DictReader(f, delimiter="\t")]
        if titles:
            rows = [r.split("\n", 1)[0].strip() for r in rows]
        texts = list(dict.fromkeys(t for t in rows if t))
        rng.shuffle(texts)
        train += [(t, d) for t in texts[:TRAIN_PER_CLASS]]
        test += [(t, d) for t in texts[TEST]]
    return train, test


def sqzdesk(*args: str, env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sqzdesk", "--threads", "2", *args], input=stdin,
                          capture_output=True, text=True, env=env, cwd=REPO, check=True)


def run(data: Path, domains: list[str], titles: bool) -> dict:
    train, test = split(data, domains, titles)
    name = "bench-" + "-".join(domains)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_DATA_HOME": tmp}
        env.pop("SQZDESK_MODEL_PATH", None)
        csv_path = Path(tmp) / "train.csv"
        with open(csv_path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text", "label"])
            writer.writerows(train)
        t0 = time.perf_counter()
        report = json.loads(sqzdesk("teach", "train", str(csv_path), "--name", name, "--json", env=env).stdout)
        train_wall = time.perf_counter() - t0
        lines = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, (t, _) in enumerate(test))
        t0 = time.perf_counter()
        out = sqzdesk("analyze", "--stdin", "--tasks", f"classify:{name}", "--terms", "none", "--patterns", "none",
                      env=env, stdin=lines).stdout.splitlines()
        analyze_wall = time.perf_counter() - t0
        bundle = Path(tmp) / "sqzdesk" / "models" / f"classify-{name}"
        size = sum(f.stat().st_size for f in bundle.iterdir())
    predicted = [(json.loads(line)["classify"][name] or {}).get("label") for line in out]
    correct = sum(p == label for p, (_, label) in zip(predicted, test, strict=True))
    return {"domains": domains, "unit": "review titles" if titles else "whole reviews", "train_examples": len(train), "test_examples": len(test),
            "cv_accuracy": report["cv_accuracy"], "cv_folds": report["folds"],
            "heldout_accuracy": round(correct / len(test), 4),
            "teach_train_wall_s": round(train_wall, 1), "embed_s": report["embed_seconds"],
            "cv_and_fit_s": report["train_seconds"], "analyze_900_wall_s": round(analyze_wall, 1),
            "classifier_bundle_bytes": size, "confusion": report["confusion"], "labels": report["labels"]}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--domains", action="append",
                   help="comma-separated, repeatable (default: books,electronics,kitchen and books,dvd,electronics)")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS_teach.md")
    args = p.parse_args()
    sets = [d.split(",") for d in (args.domains or ["books,electronics,kitchen", "books,dvd,electronics"])]
    results = [run(args.data, domains, titles) for domains in sets for titles in (False, True)]
    lines = [f"# Teach: 3-class classifiers from 300 examples ({date.today().isoformat()})", "",
             "Which product a review is about; 300 training and 900 held-out examples per task, see the "
             "docstring of bench/teach.py.", "",
             f"Machine: {platform.machine()}, {_cpu_model()} ({os.cpu_count()} cores; {cpu_flags()}), 2 ORT threads, "
             f"Python {platform.python_version()}. Made by `python bench/teach.py`; one run.", ""]
    for r in results:
        lines += [f"## {' / '.join(r['domains'])}, {r['unit']}", ""]
        lines += [f"- {k}: {v}" for k, v in r.items() if k not in ("domains", "unit", "confusion", "labels")]
        lines += [f"- confusion (rows true, columns predicted; {', '.join(r['labels'])}): {r['confusion']}", ""]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
