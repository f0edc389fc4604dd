"""The one windowing and batching path every task uses.

A text's tokens are cut into overlapping windows of at most ``max_length`` model positions (stride =
tokens shared by neighbours). A window may carry a prefix (QA's question). Windows from many texts are
run together in length-sorted, dynamically padded batches; per-token outputs are merged back per text
by averaging over the windows that saw a token.

Feeds carry ``case_ids`` too (each text token's case class, 0 for [CLS], [SEP], a prefix and padding);
:class:`~sqzdesk.engine.session.OnnxModel` passes a graph only the inputs it declares, so models without a
case input never see them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sqzdesk.engine.casing import CASE_PAD
from sqzdesk.engine.tokens import TextTokenizer, Tokens


class Cancelled(Exception):
    """Raised between batches when the caller's cancel check says stop."""


Progress = Callable[[int, int], None]   # (windows done, windows total)
ShouldStop = Callable[[], bool]


@dataclass(frozen=True)
class Window:
    item: int            # which input text this window belongs to
    start: int           # first token of the text in this window
    end: int             # one past the last
    input_ids: np.ndarray
    token_type_ids: np.ndarray
    text_offset: int     # model position of token ``start`` (1 + prefix length + [SEP] if any)
    case_ids: np.ndarray | None = None  # case class per position (CASE_PAD outside the text); None: all pad

    def __len__(self) -> int:
        return len(self.input_ids)


def spans(n_tokens: int, room: int, stride: int) -> list[tuple[int, int]]:
    """[start, end) token ranges of at most ``room`` tokens, neighbours sharing ``stride`` tokens."""
    if room <= 0:
        raise ValueError("window has no room for text tokens")
    if n_tokens <= room:
        return [(0, n_tokens)]
    step = max(1, room - min(stride, room - 1))
    out, start = [], 0
    while True:
        end = min(start + room, n_tokens)
        out.append((start, end))
        if end == n_tokens:
            return out
        start += step


def make_windows(tok: TextTokenizer, tokens: Sequence[Tokens], max_length: int, stride: int,
                 prefixes: Sequence[np.ndarray] | None = None) -> list[Window]:
    """Windows for every text: ``[CLS] (prefix [SEP])? text-slice [SEP]``, token types 0/1 like BERT."""
    out = []
    for item, t in enumerate(tokens):
        prefix = np.asarray(prefixes[item] if prefixes is not None else [], dtype=np.int64)
        head = np.concatenate([[tok.cls_id], prefix, [tok.sep_id]]) if len(prefix) else np.array([tok.cls_id])
        room = max_length - len(head) - 1
        for start, end in spans(len(t), room, stride):
            ids = np.concatenate([head, t.ids[start:end], [tok.sep_id]]).astype(np.int64)
            types = np.zeros_like(ids)
            if len(prefix):
                types[len(head):] = 1
            cases = np.full_like(ids, CASE_PAD)
            if t.cases is not None:
                cases[len(head):len(head) + end - start] = t.cases[start:end]
            out.append(Window(item, start, end, ids, types, len(head), cases))
    return out


def batches(windows: Sequence[Window], batch_size: int, pad_id: int = 0) -> Iterator[tuple[list[int], dict]]:
    """(window indices, padded feeds), shortest windows first so padding stays small."""
    order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
    for k in range(0, len(order), batch_size):
        idx = order[k:k + batch_size]
        width = max(len(windows[i]) for i in idx)
        ids = np.full((len(idx), width), pad_id, dtype=np.int64)
        types = np.zeros((len(idx), width), dtype=np.int64)
        mask = np.zeros((len(idx), width), dtype=np.int64)
        cases = np.full((len(idx), width), CASE_PAD, dtype=np.int64)
        for row, i in enumerate(idx):
            w = windows[i]
            n = len(w)
            ids[row, :n], types[row, :n], mask[row, :n] = w.input_ids, w.token_type_ids, 1
            if w.case_ids is not None:
                cases[row, :n] = w.case_ids
        yield idx, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types, "case_ids": cases}


class Runner(Protocol):
    """What :func:`run_windows` needs of a model: :class:`~sqzdesk.engine.session.OnnxModel`, or the
    model pipeline's torch stand-in."""

    def run(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]: ...


def run_windows(model: Runner, windows: Sequence[Window], *, per_token: Collection[str] = (),
                batch_size: int = 8, pad_id: int = 0, progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> list[dict[str, np.ndarray]]:
    """Model outputs per window; outputs named in ``per_token`` are cut to the window's own length.

    ``should_stop`` is checked before every batch, so a cancel takes effect within one batch.
    """
    results: list[dict[str, np.ndarray]] = [{} for _ in windows]
    done = 0
    for idx, feeds in batches(windows, batch_size, pad_id):
        if should_stop is not None and should_stop():
            raise Cancelled()
        outputs = model.run(feeds)
        for row, i in enumerate(idx):
            n = len(windows[i])
            results[i] = {k: v[row, :n] if k in per_token else v[row] for k, v in outputs.items()}
        done += len(idx)
        if progress is not None:
            progress(done, len(windows))
    return results


def merge_token_scores(n_tokens: int, windows: Sequence[Window], per_window: Sequence[np.ndarray]) -> np.ndarray:
    """Average per-token vectors over every window that saw the token -> [n_tokens, K]."""
    if not windows:
        return np.zeros((n_tokens, 0), dtype=np.float32)
    k = per_window[0].shape[-1]
    total = np.zeros((n_tokens, k), dtype=np.float64)
    count = np.zeros((n_tokens, 1), dtype=np.float64)
    for w, values in zip(windows, per_window, strict=True):
        rows = values[w.text_offset:w.text_offset + (w.end - w.start)]
        total[w.start:w.end] += rows
        count[w.start:w.end] += 1
    return (total / np.maximum(count, 1)).astype(np.float32)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)
