"""``python -m sqzdesk.modelbuild record-speeds``: every task bundle timed in one run, the figures in their manifests.

Settings -> Models and ``sqzdesk models`` show each bundle's recorded speed side by side, so the figures
must be comparable: one CPU, one thread count, one run. ``fast`` and ``regraph`` record the pair they build
(the fast bundle and its accurate sibling); when that run was on another CPU class than the other bundles'
figures, the page would set milliseconds of two machines beside each other. This step times every task
bundle (sentiment, entities, qa; both variants where both ship) interleaved call by call with the engine's
trial (:class:`~sqzdesk.engine.speed.SpeedTrial`, as users measure) and records each figure with the thread
count and CPU class; model files and cards are untouched.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from sqzdesk.engine.bundle import MANIFEST, load_bundle
from sqzdesk.engine.manifest import Speed
from sqzdesk.modelbuild.bundle_writer import amend_bundle

TIMED_TASKS = ("sentiment", "entities", "qa")  # embed has no batch-of-8 figure to compare


def task_bundles(models: Path) -> dict[str, Path]:
    """Folder name -> model file of every task bundle under ``models``."""
    out = {}
    for sub in sorted(p for p in models.iterdir() if (p / MANIFEST).is_file()):
        bundle = load_bundle(sub)
        if bundle.manifest.task in TIMED_TASKS:
            out[sub.name] = bundle.file("model")
    return out


def record_speeds(models: Path, threads: int, rounds: int,
                  timer: Callable[[dict[str, Path], int, int], dict[str, float]] | None = None) -> dict[str, Speed]:
    """Time them all in one run and write each manifest's ``speed``; returns what was written.
    ``timer`` (tests): paths, threads, rounds -> ms, by default the release step's interleaved trial."""
    from sqzdesk.engine.cpu import cpu_info
    from sqzdesk.modelbuild.release import interleaved_ms

    files = task_bundles(models)
    ms = (timer or interleaved_ms)(files, threads, rounds)
    cls = cpu_info()[2]
    written = {}
    for name in files:
        written[name] = Speed(ms[name], threads, cls)
        amend_bundle(models / name, speed=written[name])
    return written


def run(args: argparse.Namespace) -> dict[str, Speed]:
    return record_speeds(args.models, args.threads, args.rounds)
