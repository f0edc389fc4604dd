"""The standalone binary against the source install, on the same command-line work, in one run.

    python bench/binary.py [--bin dist/sqzdesk/sqzdesk] [--docs 100] [--rounds 3]

The binary differs from a source install in ways that could cost speed: onnxruntime 1.23.2 (pinned for
size), numpy without BLAS or SIMD kernels, pure-Python charset-normalizer, and PyInstaller's start-up.
Each workload runs as a child process, binary and source interleaved, best of ``--rounds``:

- start-up: ``sqzdesk --version`` and ``sqzdesk models`` (imports the engine, checks every bundle);
- a 20-page PDF: ``analyze`` then ``ask``;
- ``batch`` over a folder of N generated documents (a fresh result store each time).

Prints wall times and binary/source ratios; figures are for this machine and run only, never for tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from e2e import _text  # noqa: E402  (the same generated prose as the end-to-end bench)


def _run(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def workloads(tmp: Path, docs: int) -> dict[str, list[str]]:
    from pdfmaker import make_pdf

    pdf = tmp / "report.pdf"
    make_pdf(pdf, [_text(350, i).replace("\n\n", "\n") for i in range(20)])
    folder = tmp / "folder"
    folder.mkdir()
    for i in range(docs):
        (folder / f"doc{i:04d}.txt").write_text(_text(120 + 40 * (i % 5), i), encoding="utf-8")
    return {
        "version": ["--version"],
        "models": ["models"],
        "pdf analyze": ["analyze", str(pdf)],
        "pdf ask": ["ask", str(pdf), "-q", "Who did Angela Merkel meet?"],
        f"batch {docs} docs": ["batch", str(folder), "--out", str(tmp / "out.jsonl")],
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bin", type=Path, default=REPO / "dist" / "sqzdesk" / "sqzdesk")
    p.add_argument("--docs", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    if not args.bin.is_file():
        sys.exit(f"{args.bin}: build it first (bash packaging/build.sh)")
    runners = {"binary": [str(args.bin)], "source": [sys.executable, "-m", "sqzdesk"]}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "SQZDESK_MODEL_PATH": str(REPO / "assets" / "models"),
               "XDG_DATA_HOME": str(tmp / "data"), "XDG_CONFIG_HOME": str(tmp / "config")}
        best: dict[str, dict[str, float]] = {}
        for name, argv in workloads(tmp, args.docs).items():
            for _ in range(args.rounds):
                for who, prefix in runners.items():
                    shutil.rmtree(tmp / "data", ignore_errors=True)  # batch: nothing reused from the store
                    t = _run([*prefix, *argv], env)
                    best.setdefault(name, {})[who] = min(t, best.get(name, {}).get(who, float("inf")))
    rows = {name: {**{k: round(v, 2) for k, v in t.items()}, "binary/source": round(t["binary"] / t["source"], 2)}
            for name, t in best.items()}
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
