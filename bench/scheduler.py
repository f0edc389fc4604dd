"""Latency of a question while a folder batch runs, against the same question on an idle engine.

    python bench/scheduler.py [--docs 200] [--questions 12] [--out bench/RESULTS_scheduler.md]

The GUI's tabs and batch dock share one engine :class:`~sqzdesk.engine.scheduler.Scheduler`: batch files
run at BATCH priority and a question (INTERACTIVE) runs at the batch job's next model-batch boundary. This
measures what a user feels: the question's wall time from submit to answer, idle vs during a 200-file
batch (target: <= 1.5x), and, for comparison, with the batch in a thread of its own and no scheduler (the
old GUI: two engine threads fighting over the cores). Shipped bundles, the GUI's thread count (all cores
but one, at least 1), one run: compare ratios within it. The CPU's ISA extensions are printed because
int8 speed depends on them (VNNI).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.e2e import _cpu_model, _text  # noqa: E402

QUESTION = "Who did Angela Merkel meet in Paris?"


def cpu_flags() -> str:
    try:
        flags = set(next(line for line in Path("/proc/cpuinfo").read_text().splitlines()
                         if line.startswith("flags")).split(":", 1)[1].split())
    except (OSError, StopIteration):
        return "unknown"
    wanted = ["avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8"]
    return ", ".join(f"{f}={'yes' if f in flags else 'no'}" for f in wanted)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--docs", type=int, default=200)
    p.add_argument("--questions", type=int, default=12)
    p.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS_scheduler.md")
    p.add_argument("--threads", type=int, default=0, help="ORT threads (default: the GUI's, all cores but one)")
    args = p.parse_args()

    from sqzdesk.batch.runner import BatchRunner, RunControl, RunOptions
    from sqzdesk.batch.scan import scan
    from sqzdesk.batch.store import ResultStore
    from sqzdesk.engine import ModelPool, Priority, Scheduler
    from sqzdesk.engine.pool import EngineConfig

    threads = args.threads or max(1, (os.cpu_count() or 2) - 1)
    pool = ModelPool(EngineConfig(threads=threads))
    analyzer, qa = pool.analyzer(), pool.qa()
    context = _text(450, 0)  # ~3,000 characters: a page of a document open in a tab
    scheduler = Scheduler()

    def ask() -> float:
        t = time.perf_counter()
        scheduler.run(lambda ctx: qa.ask(QUESTION, context, should_stop=ctx.should_stop), Priority.QUESTION)
        return time.perf_counter() - t

    ask()  # warm up
    idle = [ask() for _ in range(args.questions)]

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        for i in range(args.docs):
            (folder / f"doc{i:03d}.txt").write_text(_text(300 + 40 * (i % 7), i), encoding="utf-8")

        def during(shared: bool) -> tuple[list[float], int]:
            store = ResultStore(Path(tmp) / f"store-{shared}.sqlite3")
            control = RunControl()
            runner = BatchRunner(analyzer, store, RunOptions(reuse=False), control,
                                 scheduler=scheduler if shared else None)
            done: list[int] = []
            batch = threading.Thread(target=lambda: runner.run(scan([folder]), on_result=lambda r: done.append(1)))
            batch.start()
            while len(done) < 3:
                time.sleep(0.05)
            times = []
            for _ in range(args.questions):
                times.append(ask())
                time.sleep(0.15)  # questions at a human pace, landing at random points of the batch
            files_done = len(done)
            control.cancel()
            batch.join()
            store.close()
            return times, files_done

        busy, files_shared = during(shared=True)
        separate, files_separate = during(shared=False)
    scheduler.shutdown()

    med_idle, med_busy, med_sep = (statistics.median(x) for x in (idle, busy, separate))
    lines = [
        f"# Question latency during a batch ({date.today()})",
        "",
        f"Machine: {platform.machine()}, {_cpu_model()} ({os.cpu_count()} cores), {cpu_flags()}; ORT threads "
        f"{threads}; Python {platform.python_version()}. Made by `python bench/scheduler.py`; one run, compare "
        "ratios within it.",
        "",
        f"- question: {QUESTION!r} over {len(context):,} characters, {args.questions} times each",
        f"- idle engine: median {med_idle * 1000:.0f} ms (max {max(idle) * 1000:.0f})",
        f"- during a {args.docs}-file batch on the shared scheduler: median {med_busy * 1000:.0f} ms "
        f"(max {max(busy) * 1000:.0f}); **{med_busy / med_idle:.2f}x idle** (target <= 1.5x); "
        f"{files_shared} files done meanwhile",
        f"- during the batch on a thread of its own (no scheduler, the old GUI): median {med_sep * 1000:.0f} ms "
        f"(max {max(separate) * 1000:.0f}); {med_sep / med_idle:.2f}x idle; {files_separate} files done meanwhile",
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
