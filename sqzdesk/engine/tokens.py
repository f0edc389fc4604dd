"""Tokenization with character offsets, via the bundle's ``tokenizer.json`` and HuggingFace ``tokenizers``.

Text is tokenized once, without special tokens; windows are cut from the token sequence afterwards.
Offsets are character (code point) offsets into the original Python string.

Two things differ from ``Tokenizer.from_file(path).encode(text)``, both on purpose:

* **Added tokens are not matched in the text.** The library turns a literal ``[CLS]``, ``[SEP]``,
  ``[MASK]`` ... in its input into that control token, so a document could inject control tokens into
  the model's windows. The file is loaded without its ``added_tokens`` list, so such a literal is the
  ordinary text it is (``[``, ``cl``, ``##s``, ``]``); the ids of ``[CLS]``, ``[SEP]`` and ``[PAD]`` are
  still read from that list (or the vocab), which is all the windows need.
* **Lone surrogates are not fatal.** The library refuses a ``str`` holding one (TypeError); it becomes
  U+FFFD, one character for one so offsets stay true, which BERT's normalizer drops like other "other"
  characters.

The file's own truncation and padding (the bundles carry the training settings, 128 tokens) are
switched off: windows are cut by :mod:`sqzdesk.engine.windows`.

Every token also gets its case class (:func:`sqzdesk.engine.casing.case_ids`) from its offsets into the
original text, for models with a ``case_ids`` input: the tokenizer lowercases, the text does not.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from sqzdesk.engine.casing import case_ids

_SURROGATE = re.compile("[\ud800-\udfff]")
# a text longer than this is encoded in pieces (see TextTokenizer.encode): ~10 ms of the library's time each
PIECE_CHARS = 8192


@dataclass(frozen=True)
class Tokens:
    ids: np.ndarray      # int64 [n]
    offsets: np.ndarray  # int64 [n, 2], [start, end) into the text
    words: np.ndarray    # int64 [n], word index per token (pre-tokenizer words), -1 if none
    cases: np.ndarray | None = field(default=None)  # int64 [n], case class per token; None: not known

    def __len__(self) -> int:
        return len(self.ids)


class TextTokenizer:
    """Loads ``tokenizer.json``; a file the library cannot load raises ValueError naming the file.

    Files with the same content share one library tokenizer (the shipped bundles all carry the same
    file), so its vocab is held once.
    """

    def __init__(self, path: Path):
        self.tokenizer, added = _load(Path(path))
        self.cls_id = self._special(path, added, "[CLS]")
        self.sep_id = self._special(path, added, "[SEP]")
        pad = added.get("[PAD]", self.tokenizer.token_to_id("[PAD]"))
        self.pad_id = pad or 0

    def _special(self, path: Path, added: dict[str, int], token: str) -> int:
        idx = added.get(token, self.tokenizer.token_to_id(token))
        if idx is None:
            raise ValueError(f"{path}: tokenizer has no {token} token")
        return idx

    def encode(self, text: str) -> Tokens:
        """The tokens of ``text``; a long one is encoded in pieces cut at spaces and line breaks.

        Why pieces: the library holds Python's GIL for a whole ``encode`` call (about a second for a
        megabyte), and a question reads its document's whole text on the engine thread, so the window would
        stop repainting meanwhile. Cut where BERT's pre-tokenizer splits anyway (a space or a line break,
        never inside a word), the pieces give exactly the tokens of one call."""
        clean = _without_surrogates(text)
        if len(clean) <= PIECE_CHARS:
            return _tokens(self.tokenizer.encode(clean, add_special_tokens=False), text)
        ids, offsets, words = [], [], []
        first_word = 0
        for start, end in _pieces(clean, PIECE_CHARS):
            enc = self.tokenizer.encode(clean[start:end], add_special_tokens=False)
            part = _arrays(enc)
            ids.append(part[0])
            offsets.append(part[1] + start)
            words.append(np.where(part[2] >= 0, part[2] + first_word, -1))
            if len(part[2]):
                first_word = int(part[2].max()) + 1 + first_word
        joined = np.concatenate(offsets) if offsets else np.zeros((0, 2), dtype=np.int64)
        return Tokens(ids=np.concatenate(ids), offsets=joined, words=np.concatenate(words),
                      cases=case_ids(text, joined))

    def encode_many(self, texts: list[str]) -> list[Tokens]:
        """One text at a time, as :meth:`encode`: ``encode_batch`` would start the library's own thread pool
        beside ONNX Runtime's (and a process that forks after using it gets the library's warning and
        loses it), for no gain worth having on the sentences and questions encoded here."""
        return [self.encode(text) for text in texts]


_LOADED: dict[str, tuple[Tokenizer, dict[str, int]]] = {}  # sha256 of a tokenizer.json -> tokenizer, added ids


def _load(path: Path) -> tuple[Tokenizer, dict[str, int]]:
    """The library tokenizer for ``path`` without its added tokens, and the ids those had."""
    try:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest not in _LOADED:
            spec = json.loads(data.decode("utf-8"))
            if not isinstance(spec, dict):
                raise ValueError("not a tokenizer definition (expected a JSON object)")
            added = _added_ids(spec.get("added_tokens") or [])
            spec = {**spec, "added_tokens": [], "truncation": None, "padding": None}
            _LOADED[digest] = Tokenizer.from_str(json.dumps(spec)), added
        return _LOADED[digest]
    except Exception as exc:  # OSError, JSON/UTF-8 (ValueError), and whatever the library raises
        raise ValueError(f"{path}: {exc}") from None


def _added_ids(added_tokens) -> dict[str, int]:
    """content -> id of the file's added tokens (which the library is then not given, so not checked)."""
    if not isinstance(added_tokens, list):
        raise ValueError("added_tokens must be a list")
    ids = {}
    for token in added_tokens:
        if not (isinstance(token, dict) and isinstance(token.get("content"), str)
                and isinstance(token.get("id"), int) and not isinstance(token.get("id"), bool)):
            raise ValueError(f"added token {token!r} needs a content string and an integer id")
        ids[token["content"]] = token["id"]
    return ids


def _without_surrogates(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text) if not text.isascii() else text


def _pieces(text: str, size: int) -> list[tuple[int, int]]:
    """[start, end) spans covering ``text``, each at most ``size`` characters where a space or line break
    allows, every cut just after one (a text without either for ``size`` characters is cut at the next)."""
    spans, start, n = [], 0, len(text)
    while start < n:
        end = min(start + size, n)
        if end < n:
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            if cut < start:  # no break in reach: the next one, however far
                found = [i for i in (text.find(" ", end), text.find("\n", end)) if i >= 0]
                cut = min(found) if found else n - 1
            end = cut + 1
        spans.append((start, end))
        start = end
    return spans


def _arrays(enc) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ids [n], offsets [n, 2] and word indexes [n] (-1: none) of one library encoding."""
    n = len(enc.ids)
    # the (start, end) tuples flattened in C: twice as fast as np.array on the list of tuples
    offsets = np.fromiter(chain.from_iterable(enc.offsets), dtype=np.int64, count=2 * n).reshape(n, 2)
    return (np.array(enc.ids, dtype=np.int64).reshape(n), offsets,
            np.array([-1 if w is None else w for w in enc.word_ids], dtype=np.int64).reshape(n))


def _tokens(enc, text: str) -> Tokens:
    ids, offsets, words = _arrays(enc)
    return Tokens(ids=ids, offsets=offsets, words=words, cases=case_ids(text, offsets))
