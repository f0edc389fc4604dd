"""Training-side tokenization with the same ``tokenizer.json`` the bundle ships."""

from __future__ import annotations

import random
from collections.abc import Sequence

import torch
from tokenizers import Tokenizer

from sqzdesk.modelbuild.minilm import tokenizer_path


def load_tokenizer() -> Tokenizer:
    tok = Tokenizer.from_file(str(tokenizer_path()))
    tok.no_truncation()
    tok.no_padding()
    return tok


def head_tail(ids: list[int], budget: int) -> list[int]:
    """Keep the start and the end of a long text: reviews often give their verdict in the last lines."""
    if len(ids) <= budget:
        return ids
    head = budget // 2
    return ids[:head] + ids[len(ids) - (budget - head):]


def length_batches(n_items: int, lengths: Sequence[int], batch_size: int, seed: int) -> list[list[int]]:
    """Shuffled batches of similar length (less padding), the batch order itself shuffled."""
    rng = random.Random(seed)
    order = list(range(n_items))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for i in range(0, n_items, chunk):
        part = sorted(order[i:i + chunk], key=lambda j: lengths[j])
        batches += [part[k:k + batch_size] for k in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def pad(seqs: Sequence[Sequence[int]], value: int = 0) -> torch.Tensor:
    width = max(len(s) for s in seqs)
    out = torch.full((len(seqs), width), value, dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return out
