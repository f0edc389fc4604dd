"""Tokenization with character offsets, via the bundle's ``tokenizer.json``.

Text is tokenized once, without special tokens; windows are cut from the token sequence afterwards.
Offsets are character (code point) offsets into the original Python string.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer


@dataclass(frozen=True)
class Tokens:
    ids: np.ndarray      # int64 [n]
    offsets: np.ndarray  # int64 [n, 2], [start, end) into the text
    words: np.ndarray    # int64 [n], word index per token (pre-tokenizer words), -1 if none

    def __len__(self) -> int:
        return len(self.ids)


class TextTokenizer:
    def __init__(self, path: Path):
        self.tokenizer = Tokenizer.from_file(str(path))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self.cls_id = self._special("[CLS]")
        self.sep_id = self._special("[SEP]")
        self.pad_id = self.tokenizer.token_to_id("[PAD]") or 0

    def _special(self, token: str) -> int:
        idx = self.tokenizer.token_to_id(token)
        if idx is None:
            raise ValueError(f"tokenizer has no {token} token")
        return idx

    def encode(self, text: str) -> Tokens:
        return self.encode_many([text])[0]

    def encode_many(self, texts: list[str]) -> list[Tokens]:
        out = []
        for enc in self.tokenizer.encode_batch(texts, add_special_tokens=False):
            n = len(enc.ids)
            words = [-1 if w is None else w for w in enc.word_ids]
            out.append(Tokens(
                ids=np.asarray(enc.ids, dtype=np.int64).reshape(n),
                offsets=np.asarray(enc.offsets, dtype=np.int64).reshape(n, 2),
                words=np.asarray(words, dtype=np.int64).reshape(n),
            ))
        return out
