"""How fast a task's model variants run on *this* computer, timed the way the release step times them.

A manifest's ``speed`` was measured where the bundle was built, on one CPU class, and grouping pays on some
classes and hardly on others: at 2 threads the fast sentiment variant ran 1.41x faster than the accurate one
on an AVX2-only CPU and ~1.06x on an AVX-512 VNNI + AMX one (``bench/RESULTS_models.md``), where int8
matrix products are nearly free and the rest of the encoder dominates. So a user weighing Fast against
Accurate can time both here: the same batch of 8 x 128 tokens, sessions built as the app builds them
(:class:`~sqzdesk.engine.session.OnnxModel`), calls interleaved (round 1: accurate, fast; round 2: ...) so
whatever else the machine does hits every variant alike, the median per variant.

:class:`SpeedTrial` reports progress after each call and stops between calls when asked, so the GUI runs it
on the engine thread with a progress bar and a Stop button, and the CLI (``sqzdesk models --measure``) the
same way. The clock is injectable: tests count calls and never time anything.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np

from sqzdesk.engine.cpu import cpu_info
from sqzdesk.engine.manifest import Variant
from sqzdesk.engine.session import OnnxModel
from sqzdesk.engine.windows import Cancelled

BATCH, LENGTH = 8, 128  # the batch every recorded speed refers to (manifests, bench/models.py)
DEFAULT_ROUNDS = 8

if TYPE_CHECKING:
    from sqzdesk.engine.bundle import Bundle

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class LocalSpeed:
    """One variant timed here: median milliseconds per batch of 8 x 128 tokens."""

    ms: float
    threads: int  # ONNX Runtime intra-op threads (0: ORT's own choice)
    cpu: str      # this computer's speed class, e.g. "AVX2 only"
    calls: int    # timed calls behind the median


@dataclass(frozen=True)
class Timed:
    """A model file to time and the size of its vocabulary (the ids fed must exist in it)."""

    path: Path
    vocab_size: int = 30522


def sample_feeds(vocab_size: int = 30522, seed: int = 0) -> dict[str, np.ndarray]:
    """Every input an encoder of this project may declare, for one batch of 8 x 128 tokens (ids drawn
    from the ordinary-word range of the vocabulary, no padding)."""
    rng = np.random.default_rng(seed)
    low, high = min(1000, vocab_size // 4), min(20000, vocab_size)
    return {"input_ids": rng.integers(low, high, (BATCH, LENGTH)).astype(np.int64),
            "attention_mask": np.ones((BATCH, LENGTH), np.int64),
            "token_type_ids": np.zeros((BATCH, LENGTH), np.int64),
            "case_ids": rng.integers(1, 6, (BATCH, LENGTH)).astype(np.int64)}


class SpeedTrial(Generic[K]):
    """Interleaved timing of several models (keys: variants, file labels). One warm-up call each (session
    start-up and first-call allocations are not what a user waits for), then ``rounds`` rounds of one
    call per model."""

    def __init__(self, models: Mapping[K, Timed], threads: int = 2, rounds: int = DEFAULT_ROUNDS,
                 clock: Callable[[], float] = time.perf_counter,
                 make: Callable[[Path, int], OnnxModel] = OnnxModel) -> None:
        if rounds < 1:
            raise ValueError("rounds must be at least 1")
        self.models, self.threads, self.rounds, self.clock, self.make = dict(models), threads, rounds, clock, make

    @property
    def total_calls(self) -> int:
        return len(self.models) * (self.rounds + 1)

    def run(self, progress: Callable[[int, int], None] | None = None,
            should_stop: Callable[[], bool] | None = None) -> dict[K, LocalSpeed]:
        """Median ms per model; raises :class:`~sqzdesk.engine.windows.Cancelled` between two calls once
        ``should_stop()`` says so (a call in flight finishes: ONNX Runtime cannot be interrupted)."""
        done, total = 0, self.total_calls
        times: dict[K, list[float]] = {key: [] for key in self.models}
        sessions: dict[K, tuple[OnnxModel, dict[str, np.ndarray]]] = {}

        def step() -> None:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, total)
            if should_stop is not None and should_stop():
                raise Cancelled()

        for key, timed in self.models.items():
            if should_stop is not None and should_stop():
                raise Cancelled()
            session, feeds = self.make(timed.path, self.threads), sample_feeds(timed.vocab_size)
            sessions[key] = session, feeds
            session.run(feeds)  # warm-up, not counted
            step()
        for _ in range(self.rounds):
            for key, (session, feeds) in sessions.items():
                start = self.clock()
                session.run(feeds)
                times[key].append(self.clock() - start)
                step()
        cpu = cpu_info()[2]
        return {key: LocalSpeed(round(1000 * statistics.median(values), 1), self.threads, cpu, len(values))
                for key, values in times.items()}


def threads_text(n: int) -> str:
    """``1 thread`` / ``4 threads``: how a speed figure names the ONNX Runtime threads it was timed with."""
    return f"{n} thread{'' if n == 1 else 's'}"


SAME_BAND = 0.15  # ratios within 15% of 1: trials of the same pair on a busy machine ranged 1.04-1.13x here


class Verdict(StrEnum):
    """What one trial says about the fast variant here."""

    FASTER = "faster"
    SAME = "same"
    SLOWER = "slower"


@dataclass(frozen=True)
class Comparison:
    """A task's two variants timed in one trial."""

    task: str
    accurate: LocalSpeed
    fast: LocalSpeed

    @property
    def ratio(self) -> float:
        """How many times faster the fast variant ran (accurate ms / fast ms)."""
        return round(self.accurate.ms / self.fast.ms, 2) if self.fast.ms > 0 else float("inf")

    @property
    def verdict(self) -> Verdict:
        if self.ratio >= 1 + SAME_BAND:
            return Verdict.FASTER
        if self.ratio <= 1 - SAME_BAND:
            return Verdict.SLOWER
        return Verdict.SAME


def compare(speeds: Mapping[tuple[str, Variant], LocalSpeed]) -> list[Comparison]:
    """One comparison per task timed with both variants, in the trial's order."""
    tasks = dict.fromkeys(task for task, _ in speeds)
    return [Comparison(task, speeds[(task, Variant.ACCURATE)], speeds[(task, Variant.FAST)])
            for task in tasks if (task, Variant.ACCURATE) in speeds and (task, Variant.FAST) in speeds]


def choosable(choices: Mapping[str, Mapping[Variant, Bundle]]) -> dict[tuple[str, Variant], Timed]:
    """The model file of every variant of each task that has more than one (a task with one variant
    offers no choice to weigh), keyed (task, variant), accurate first."""
    return {(task, variant): Timed(bundle.file("model"), int(bundle.manifest.architecture.get("vocab_size", 30522)))
            for task, variants in choices.items() if len(variants) > 1
            for variant, bundle in sorted(variants.items(), key=lambda kv: kv[0] is not Variant.ACCURATE)}
