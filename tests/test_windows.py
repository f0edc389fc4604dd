"""The shared windowing/batching path: coverage, stride, padding, merging, cancel."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqzdesk.engine import Cancelled, EntityModel
from sqzdesk.engine.windows import Window, batches, merge_token_scores, spans


@settings(deadline=None)
@given(st.integers(0, 2000), st.integers(1, 300), st.integers(0, 400))
def test_spans_cover_every_token_with_the_requested_overlap(n, room, stride):
    out = spans(n, room, stride)
    assert out[0][0] == 0 and out[-1][1] == n
    for (s1, e1), (s2, _e2) in zip(out, out[1:], strict=False):
        assert 0 < e1 - s1 <= room and s2 > s1
        assert e1 - s2 == min(stride, room - 1)  # neighbours share exactly the stride
    assert all(e - s <= room for s, e in out)


def _window(item, start, end, n_prefix=0):
    ids = np.arange(end - start + 2 + n_prefix, dtype=np.int64)
    return Window(item, start, end, ids, np.zeros_like(ids), 1 + n_prefix)


def test_batches_are_length_sorted_and_padded():
    ws = [_window(0, 0, 10), _window(1, 0, 3), _window(2, 0, 7)]
    got = list(batches(ws, 2, pad_id=0))
    assert [idx for idx, _ in got] == [[1, 2], [0]]
    feeds = got[0][1]
    assert feeds["input_ids"].shape == (2, 9)
    assert feeds["attention_mask"].sum(1).tolist() == [5, 9]


def test_merge_averages_tokens_seen_by_several_windows():
    ws = [_window(0, 0, 4), _window(0, 2, 6)]
    a = np.zeros((6, 2))
    a[1:5] = [[1, 0]] * 4  # window 0's four tokens at model positions 1..4
    b = np.zeros((6, 2))
    b[1:5] = [[0, 1]] * 4
    merged = merge_token_scores(6, ws, [a, b])
    assert merged[:2].tolist() == [[1, 0], [1, 0]]
    assert merged[2:4].tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert merged[4:].tolist() == [[0, 1], [0, 1]]


def test_long_text_is_windowed_and_every_token_covered(tiny_root):
    model = EntityModel.open([tiny_root])
    text = "Angela Merkel visited Paris and met the Acme Corporation. " * 40
    tokens = model.tokenizer.encode(text)
    windows = model.windows([tokens])
    assert len(windows) > 10
    assert all(len(w) <= model.max_length for w in windows)
    covered = np.zeros(len(tokens), bool)
    for w in windows:
        covered[w.start:w.end] = True
    assert covered.all()


def test_cancel_stops_between_batches_and_progress_counts(tiny_root):
    model = EntityModel.open([tiny_root])
    model.batch_size = 2
    seen = []
    calls = {"n": 0}

    def stop():
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(Cancelled):
        model.analyze("The film was good. " * 200, progress=lambda d, t: seen.append((d, t)),
                      should_stop=stop)
    assert [d for d, _ in seen] == [2, 4, 6]
    assert seen[0][1] > 6
