"""Tokenization with character offsets, via the bundle's ``tokenizer.json``.

Text is tokenized once, without special tokens; windows are cut from the token sequence afterwards.
Offsets are character (code point) offsets into the original Python string.

The tokenizer is :mod:`sqzdesk.engine.wordpiece`, pure Python with the same output as HuggingFace
``tokenizers`` on the bundles' BERT WordPiece ``tokenizer.json`` (the Rust library is a dev/train
dependency only). One deliberate difference: ``[CLS]``, ``[SEP]``, ``[MASK]`` and the other added tokens
are never recognised in the text itself, so a document cannot inject control tokens; such a literal is
tokenized as the ordinary text it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sqzdesk.engine.wordpiece import WordPieceTokenizer


@dataclass(frozen=True)
class Tokens:
    ids: np.ndarray      # int64 [n]
    offsets: np.ndarray  # int64 [n, 2], [start, end) into the text
    words: np.ndarray    # int64 [n], word index per token (pre-tokenizer words), -1 if none

    def __len__(self) -> int:
        return len(self.ids)


class TextTokenizer:
    """Loads ``tokenizer.json``; a file it cannot use raises ValueError naming the file."""

    def __init__(self, path: Path):
        self.tokenizer = WordPieceTokenizer.from_file(path)
        self.cls_id = self._special(path, "[CLS]")
        self.sep_id = self._special(path, "[SEP]")
        self.pad_id = self.tokenizer.token_to_id("[PAD]") or 0

    def _special(self, path: Path, token: str) -> int:
        idx = self.tokenizer.token_to_id(token)
        if idx is None:
            raise ValueError(f"{path}: tokenizer has no {token} token")
        return idx

    def encode(self, text: str) -> Tokens:
        ids, offsets, words = self.tokenizer.encode(text)
        return Tokens(ids=ids, offsets=offsets, words=words)

    def encode_many(self, texts: list[str]) -> list[Tokens]:
        return [self.encode(text) for text in texts]
