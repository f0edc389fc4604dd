"""``sqzdesk models``: the installed bundles, where they are, and why one is unusable.

A task may ship two variants, accurate (groups=1) and fast (groups=4, ``<task>-fast/``); each is listed
with what a user weighs when choosing (``--variant``, Settings -> Models): its validation figure, its
measured speed, its size and its grouping. ``--measure`` times the variants of each task on this computer
(:mod:`sqzdesk.engine.speed`): the manifest's speed comes from the CPU the bundle was built on, and whether
the fast variant pays depends on the CPU class.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqzdesk.engine.bundle import Bundle


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    models = subparsers.add_parser("models", help="list installed model bundles (both variants of a task)")
    models.add_argument("--json", action="store_true")
    models.add_argument("--measure", action="store_true", help="time each task's variants on this computer "
                        "(batch of 8 x 128 tokens, --threads, calls interleaved; about a second per call)")
    models.add_argument("--rounds", type=int, default=None, metavar="N", help="timed calls per variant with "
                        "--measure (default 8)")
    models.set_defaults(run=run)


def groups_of(bundle: Bundle) -> int | None:
    """The encoder's grouping as one number: the largest group count (post-attention is always 1)."""
    groups = bundle.manifest.architecture.get("groups")
    if isinstance(groups, dict):
        counts = [v for v in groups.values() if isinstance(v, int) and not isinstance(v, bool)]
        return max(counts) if counts else None
    return None


def validation_text(bundle: Bundle) -> str:
    """``accuracy 90.4``: the manifest's validation figure."""
    validation = bundle.manifest.validation()
    return f"{validation[0]} {validation[1]:.1f}" if validation else "no validation figure"


def figures(bundle: Bundle) -> str:
    """``accuracy 90.4 · 42.0 ms/batch (2 threads, AVX-512 VNNI)``: what the variants are chosen by."""
    from sqzdesk.engine.speed import threads_text

    m = bundle.manifest
    parts = [validation_text(bundle)]
    if m.speed is None:
        parts.append("speed not measured")
    else:
        threads = threads_text(m.speed.threads) if m.speed.threads else ""
        where = ", ".join(x for x in (threads, m.speed.cpu) if x)
        parts.append(f"{m.speed.ms:.1f} ms/batch" + (f" ({where})" if where else ""))
    return " · ".join(parts)


def _row(bundle: Bundle) -> dict[str, Any]:
    m = bundle.manifest
    validation = m.validation()
    return {"task": m.task, "variant": str(m.variant), "name": m.name, "version": m.version,
            "size_bytes": bundle.size_bytes, "groups": groups_of(bundle), "quantization": m.quantization,
            "validation": {"metric": validation[0], "value": validation[1]} if validation else None,
            "speed": m.speed.to_dict() if m.speed else None, "metrics": m.metrics}


VERDICT_WORDS = {"faster": "fast is {ratio:.2f}x faster here",  # keys: sqzdesk.engine.speed.Verdict values
                 "same": "about the same speed here ({ratio:.2f}x): accurate costs no time",
                 "slower": "fast is slower here ({ratio:.2f}x): keep accurate"}


def measure(args: argparse.Namespace, dirs: list) -> int:
    """``--measure``: every task with two variants, both timed here in one interleaved trial."""
    import sys

    from sqzdesk.engine.cpu import cpu_info
    from sqzdesk.engine.pool import locate_models
    from sqzdesk.engine.speed import DEFAULT_ROUNDS, SpeedTrial, choosable, compare, threads_text

    status = locate_models(dirs)
    files = choosable(status.choices)
    if not files:
        print("no task has two variants installed: nothing to compare", file=sys.stderr)
        return 1
    trial = SpeedTrial(files, threads=args.threads, rounds=args.rounds or DEFAULT_ROUNDS)
    step = max(1, trial.total_calls // 10)

    def progress(done: int, total: int) -> None:
        if not args.json and (done % step == 0 or done == total):
            print(f"  {done}/{total} calls", file=sys.stderr, flush=True)

    speeds = trial.run(progress)
    name, _, cls = cpu_info()
    rows = []
    for (task, variant), speed in speeds.items():
        bundle = status.choices[task][variant]
        rows.append({"task": task, "variant": str(variant), "name": bundle.manifest.name,
                     "version": bundle.manifest.version, "ms_here": speed.ms, "threads": speed.threads,
                     "cpu": cls, "calls": speed.calls,
                     "ms_recorded": bundle.manifest.speed.to_dict() if bundle.manifest.speed else None})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    threads = threads_text(args.threads) if args.threads else "all cores"
    print(f"measured here: {name} ({cls}), batch 8 x 128 tokens, {threads}, median of "
          f"{trial.rounds} calls each")
    verdicts = {c.task: c for c in compare(speeds)}
    for task in dict.fromkeys(t for t, _ in speeds):
        mine = {v: s for (t, v), s in speeds.items() if t == task}
        parts = [f"{v} {s.ms:.1f} ms ({validation_text(status.choices[task][v])})" for v, s in mine.items()]
        c = verdicts.get(task)
        verdict = ": " + VERDICT_WORDS[c.verdict].format(ratio=c.ratio) if c else ""
        print(f"{task:<10} " + " · ".join(parts) + verdict, flush=True)
    return 0


def run(args: argparse.Namespace) -> int:
    from sqzdesk.engine import discover, search_dirs

    dirs = [*args.models, *search_dirs()] if args.models else search_dirs()
    if args.measure:
        return measure(args, dirs)
    found = discover(dirs)
    if args.json:
        empty = dict.fromkeys(("task", "variant", "name", "version", "size_bytes", "groups", "quantization",
                               "validation", "speed", "metrics"))
        rows = [{"path": str(f.path), **(_row(f.bundle) if f.bundle else empty), "error": f.error} for f in found]
        print(json.dumps(rows, indent=2))
        return 0
    if not found:
        print("no model bundles found in: " + ", ".join(str(d) for d in dirs))
        return 0
    bundles = [f.bundle for f in found if f.bundle is not None]
    order = {task: i for i, task in enumerate(dict.fromkeys(b.task for b in bundles))}
    # a task's variants together (accurate first), tasks and folders otherwise in search order
    for bundle in sorted(bundles, key=lambda b: (order[b.task], str(b.variant))):
        m, groups = bundle.manifest, groups_of(bundle)
        print(f"{m.task:<10} {m.variant:<9} {m.name} {m.version}  {bundle.size_bytes / 1e6:.1f} MB  "
              f"groups={groups if groups is not None else '?'}  {m.quantization}  {figures(bundle)}\n"
              f"           {bundle.path}")
    for f in found:
        if f.bundle is None:
            print(f"UNUSABLE  {f.path}\n          {f.error}")
    return 0
