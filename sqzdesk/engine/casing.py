"""Case shape per token: what the uncased tokenizer throws away, given back to the model as ``case_ids``.

The WordPiece tokenizer lowercases, so "may" and "May", "bush" and "Bush", "US" and "us" reach the
model as the same ids. Models built with a case input (manifest ``inputs`` lists ``case_ids``) get one
small id per token, read from the token's characters in the *original* text through its offsets, and
add a learned vector for it to the input embeddings.

This module is the one definition: the engine computes it for every window it feeds, and training
(``sqzdesk.modelbuild``) imports these very functions, so a model sees at run time exactly the ids it
was trained on.
"""

from __future__ import annotations

import numpy as np

CASE_PAD = 0      # padding, [CLS]/[SEP], a QA question prefix: no case information
CASE_LOWER = 1    # "the", "##son"
CASE_TITLE = 2    # "John", "A" (first letter upper, the rest lower)
CASE_UPPER = 3    # "NATO", "US" (two or more letters, all upper)
CASE_MIXED = 4    # "McDonald", "iPhone"
CASE_NONE = 5     # "1996", ",", "." (no cased letter)
CASE_VOCAB = 6    # rows of the case embedding table


def piece_case(piece: str) -> int:
    """The case class of one token's original characters (see the module constants)."""
    letters = [ch for ch in piece if ch.isalpha() and (ch.isupper() or ch.islower())]
    if not letters:
        return CASE_NONE
    upper = [ch.isupper() for ch in letters]
    if not any(upper):
        return CASE_LOWER
    if upper[0] and not any(upper[1:]):
        return CASE_TITLE
    if all(upper):
        return CASE_UPPER
    return CASE_MIXED


def case_ids(text: str, offsets: np.ndarray) -> np.ndarray:
    """int64 [n]: the case class of ``text[start:end]`` for every (start, end) token offset.

    A token with an empty span (none in BERT's tokenizer, but possible in others) gets ``CASE_NONE``.
    """
    out = np.empty(len(offsets), dtype=np.int64)
    cache: dict[str, int] = {}
    for i, (start, end) in enumerate(offsets.tolist()):
        piece = text[start:end]
        value = cache.get(piece)
        if value is None:
            value = cache[piece] = piece_case(piece)
        out[i] = value
    return out
