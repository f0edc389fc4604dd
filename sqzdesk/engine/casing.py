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
    """int64 [n]: the case class of ``text[start:end]`` for every (start, end) token offset, exactly
    :func:`piece_case` of each slice.

    Counted with arrays rather than a slice per token (a 1 MB text has ~250,000 tokens: 0.75 s as a Python
    loop): each character is classed once (ASCII by its code, any other character by the same ``str``
    methods :func:`piece_case` uses, once per distinct character), then a token's letters, upper-case
    letters and first letter come from running counts at its two offsets. A token with an empty span (none
    in BERT's tokenizer, but possible in others) gets ``CASE_NONE``.
    """
    spans = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    if not len(spans):
        return np.empty(0, dtype=np.int64)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    upper = (codes >= 65) & (codes <= 90)
    letter = upper | ((codes >= 97) & (codes <= 122))
    other = np.flatnonzero(codes > 127)
    if len(other):
        distinct, where = np.unique(codes[other], return_inverse=True)
        kinds = np.array([_char_kind(chr(c)) for c in distinct.tolist()], dtype=np.int8)[where]
        letter[other] = kinds > 0
        upper[other] = kinds == 2
    n = len(codes)
    # Python's slice semantics for the offsets (clipped to the text; end before start is empty)
    start = np.clip(spans[:, 0], 0, n)
    end = np.maximum(np.clip(spans[:, 1], 0, n), start)
    letters_before = np.concatenate(([0], np.cumsum(letter)))
    upper_before = np.concatenate(([0], np.cumsum(upper)))
    letters = letters_before[end] - letters_before[start]
    uppers = upper_before[end] - upper_before[start]
    positions = np.flatnonzero(letter)
    first = positions[np.minimum(np.searchsorted(positions, start), max(len(positions) - 1, 0))] \
        if len(positions) else np.zeros(len(spans), dtype=np.int64)
    first_upper = upper[first] if len(positions) else np.zeros(len(spans), dtype=bool)
    out = np.full(len(spans), CASE_MIXED, dtype=np.int64)
    out[uppers == letters] = CASE_UPPER
    out[first_upper & (uppers == 1)] = CASE_TITLE
    out[uppers == 0] = CASE_LOWER
    out[letters == 0] = CASE_NONE
    return out


def _char_kind(ch: str) -> int:
    """0: not a cased letter, 1: lower-case letter, 2: upper-case letter (as :func:`piece_case` reads it)."""
    if not (ch.isalpha() and (ch.isupper() or ch.islower())):
        return 0
    return 2 if ch.isupper() else 1
