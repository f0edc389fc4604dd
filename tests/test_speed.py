"""Timing the variants on this computer (:mod:`sqzdesk.engine.speed`): what is called, counted and returned.

Never timed for real: a counting clock and stand-in sessions replay each call's duration, so every figure
below is exact on any machine. One test runs real tiny sessions to show the trial builds them as the app
does (it checks only counts and shapes, not durations).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from sqzdesk.engine import Variant
from sqzdesk.engine.pool import locate_models
from sqzdesk.engine.speed import (
    BATCH,
    LENGTH,
    Comparison,
    LocalSpeed,
    SpeedTrial,
    Timed,
    Verdict,
    choosable,
    compare,
)
from sqzdesk.engine.windows import Cancelled
from sqzdesk.modelbuild.tiny import write_tiny_fast_bundles


class _Clock:
    """Each session call advances time by its model's duration (ms), read by the trial's clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _fakes(durations: dict[str, list[float]], clock: _Clock, calls: list[str]):
    """make(path, threads) for SpeedTrial: a session whose n-th run takes durations[path.name][n] ms."""

    class Session:
        def __init__(self, path: Path, threads: int) -> None:
            self.name, self.threads, self.n = path.name, threads, itertools.count()

        def run(self, feeds):
            assert feeds["input_ids"].shape == (BATCH, LENGTH)
            calls.append(self.name)
            clock.now += durations[self.name][next(self.n)] / 1000

    return Session


def test_calls_are_interleaved_after_one_warm_up_each_and_the_median_is_kept():
    clock, calls = _Clock(), []
    durations = {"a.onnx": [999, 10, 30, 20], "f.onnx": [999, 5, 6, 50]}  # first: the warm-up, not counted
    trial = SpeedTrial({"acc": Timed(Path("a.onnx")), "fast": Timed(Path("f.onnx"))}, threads=2, rounds=3, clock=clock,
                       make=_fakes(durations, clock, calls))
    seen = []
    speeds = trial.run(progress=lambda done, total: seen.append((done, total)))
    assert calls == ["a.onnx", "f.onnx"] + ["a.onnx", "f.onnx"] * 3
    assert seen == [(k, 8) for k in range(1, 9)] and trial.total_calls == 8
    assert speeds["acc"].ms == 20.0 and speeds["fast"].ms == 6.0
    assert speeds["acc"].calls == 3 and speeds["acc"].threads == 2 and speeds["acc"].cpu


def test_stop_is_seen_between_two_calls():
    clock, calls = _Clock(), []
    durations = {"a.onnx": [1] * 9, "f.onnx": [1] * 9}
    trial = SpeedTrial({"acc": Timed(Path("a.onnx")), "fast": Timed(Path("f.onnx"))}, rounds=4, clock=clock,
                       make=_fakes(durations, clock, calls))
    with pytest.raises(Cancelled):
        trial.run(should_stop=lambda: len(calls) >= 3)
    assert len(calls) == 3  # the call in flight finished; no other began
    with pytest.raises(Cancelled):  # asked before any session is built
        SpeedTrial({"acc": Timed(Path("a.onnx"))}, clock=clock, make=_fakes(durations, clock, calls)).run(
            should_stop=lambda: True)
    assert len(calls) == 3
    with pytest.raises(ValueError):
        SpeedTrial({}, rounds=0)


@pytest.mark.parametrize("accurate,fast,verdict", [(115, 100, Verdict.FASTER), (114, 100, Verdict.SAME),
                                                   (100, 100, Verdict.SAME), (86, 100, Verdict.SAME),
                                                   (85, 100, Verdict.SLOWER), (300, 100, Verdict.FASTER)])
def test_the_verdict_leaves_a_band_for_a_busy_machine(accurate, fast, verdict):
    c = Comparison("sentiment", LocalSpeed(accurate, 2, "x", 8), LocalSpeed(fast, 2, "x", 8))
    assert c.verdict is verdict and c.ratio == round(accurate / fast, 2)


def test_only_tasks_with_two_variants_are_timed_accurate_first(tmp_path, tiny_root):
    write_tiny_fast_bundles(tmp_path / "fast")
    status = locate_models([tmp_path / "fast", tiny_root])
    files = choosable(status.choices)
    assert list(files) == [("sentiment", Variant.ACCURATE), ("sentiment", Variant.FAST)]
    assert files[("sentiment", Variant.FAST)].path == tmp_path / "fast" / "tiny-sentiment-fast" / "model.onnx"
    assert choosable(locate_models([tiny_root]).choices) == {}

    speeds = SpeedTrial(files, threads=1, rounds=2).run()  # real sessions, as the app builds them
    assert {k: (s.calls, s.threads) for k, s in speeds.items()} == {k: (2, 1) for k in files}
    assert all(s.ms > 0 for s in speeds.values())
    (only,) = compare(speeds)
    assert only.task == "sentiment" and only.accurate is speeds[("sentiment", Variant.ACCURATE)]
    assert compare({("qa", Variant.ACCURATE): only.accurate}) == []


def test_a_thread_count_is_named_in_the_singular_for_one():
    from sqzdesk.engine.speed import threads_text

    assert [threads_text(n) for n in (1, 2, 8)] == ["1 thread", "2 threads", "8 threads"]
