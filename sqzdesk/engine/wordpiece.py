"""BERT WordPiece tokenization in pure Python, token for token what HuggingFace ``tokenizers`` gives.

Reads the bundles' ``tokenizer.json`` and supports exactly what they use: the ``BertNormalizer``
(clean_text, handle_chinese_chars, strip_accents, lowercase, each as the file sets it), the
``BertPreTokenizer`` and the ``WordPiece`` model. Anything else is refused with a ``ValueError``.

Same results as ``Tokenizer.encode(text, add_special_tokens=False)`` with char offsets, except for
one deliberate difference: **added tokens are not matched in the text.** ``tokenizers`` turns a
literal ``[CLS]``, ``[SEP]``, ``[MASK]`` ... in the input into that control token; here a document
cannot inject control tokens, so ``"[SEP]"`` in a document is the words ``[``, ``sep``, ``]`` like any
other text. Also: a lone surrogate (which ``tokenizers`` refuses with a TypeError) is removed by
clean_text like the other "other"-category characters, or kept as a letter without clean_text.

How it matches the Rust library:

* Normalization works on the whole text with ``str.translate`` through a per-character table built on
  demand from :mod:`sqzdesk.engine.wordpiece_tables` (the library's own character classes, measured, see
  :mod:`sqzdesk.modelbuild.bert_tables`). Each normalized character remembers the original character it
  came from (as the library's alignments do), which gives the offsets into the original string.
* NFD reorders runs of combining marks, and the library then hands alignments out by position, not by
  character; the rare stretches where that can happen (characters whose decomposition holds a combining
  mark, side by side or with only clean_text-removed characters between them) are redone one character
  at a time with the library's exact rules.
* Pre-tokenization is one regular expression over the normalized text (whitespace drops, every
  punctuation character is a word); WordPiece is greedy longest-match-first with the continuing-subword
  prefix, ``[UNK]`` for a word it cannot split or one longer than ``max_input_chars_per_word``, and
  remembers the pieces of each word it has seen.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from sqzdesk.engine import wordpiece_tables as tables

MAX_CODE_POINT = 0x110000
SURROGATES = (0xD800, 0xDFFF)
HANGUL = (0xAC00, 0xD7A3)  # precomposed syllables: NFD gives 2 jamo, or 3 with a final consonant
WORD_CACHE_LIMIT = 50_000  # distinct words remembered per tokenizer (then forgotten all at once)
CHAR_TABLE_LIMIT = 65_536  # distinct characters remembered per normalizer (the rest are recomputed)
_FIRST, _SECOND, _THIRD = itemgetter(0), itemgetter(1), itemgetter(2)


def _ranges(spec: str) -> list[tuple[int, int]]:
    out = []
    for item in spec.split():
        lo, _, hi = item.partition("-")
        out.append((int(lo, 16), int(hi or lo, 16)))
    return out


class _CharSet:
    """Sorted, disjoint code point ranges: membership and a regex character class."""

    def __init__(self, ranges: list[tuple[int, int]]):
        self.ranges = sorted(ranges)
        self._starts = [a for a, _ in self.ranges]

    def __contains__(self, cp: int) -> bool:
        i = bisect.bisect_right(self._starts, cp) - 1
        return i >= 0 and cp <= self.ranges[i][1]

    def __or__(self, other: _CharSet) -> _CharSet:
        merged: list[list[int]] = []
        for a, b in sorted(self.ranges + other.ranges):
            if merged and a <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        return _CharSet([(a, b) for a, b in merged])

    def regex(self) -> str:
        """The ranges as the inside of a ``[...]`` class."""
        return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in self.ranges)

    def code_points(self):
        for a, b in self.ranges:
            yield from range(a, b + 1)


def _class_runs(spec: str) -> dict[int, int]:
    out = {}
    for item in spec.split():
        span, _, cls = item.partition(":")
        a, b = _ranges(span)[0]
        out.update(dict.fromkeys(range(a, b + 1), int(cls)))
    return out


def _lower_runs(spec: str) -> dict[int, str]:
    out = {}
    for item in spec.split():
        span, _, delta = item.partition(":")
        span, _, step = span.partition("/")
        a, b = _ranges(span)[0]
        for cp in range(a, b + 1, int(step or 1)):
            out[cp] = chr(cp + int(delta))
    return out


CONTROL = _CharSet(_ranges(tables.CONTROL) + [SURROGATES])
WHITESPACE = _CharSet(_ranges(tables.WHITESPACE))
PUNCTUATION = _CharSet(_ranges(tables.PUNCTUATION))
CHINESE = _CharSet(_ranges(tables.CHINESE))
NONSPACING_MARK = _CharSet(_ranges(tables.NONSPACING_MARK))
DECOMPOSES = _CharSet(_ranges(tables.DECOMPOSES))
COMBINING_CLASS = _class_runs(tables.COMBINING_CLASS)
LOWERCASE = {**_lower_runs(tables.LOWERCASE), **tables.LOWERCASE_MULTI}
CLEAN_WHITESPACE = WHITESPACE | _CharSet([(0x09, 0x0A), (0x0D, 0x0D)])


@dataclass(frozen=True)
class BertNormalization:
    clean_text: bool = True
    handle_chinese_chars: bool = True
    strip_accents: bool = True
    lowercase: bool = True


class _Translation(dict):
    """``str.translate`` table: code point -> normalized form of that character on its own, filled in
    as characters are met (up to a limit, so a text of every code point cannot grow it without bound)."""

    def __init__(self, normalizer: _Normalizer):
        super().__init__()
        self._normalizer = normalizer

    def __missing__(self, cp: int) -> str:
        out = self._normalizer.char(cp)
        if len(self) < CHAR_TABLE_LIMIT:
            self[cp] = out
        return out


class _Normalizer:
    """One BertNormalizer configuration; shared by every tokenizer that uses it."""

    def __init__(self, config: BertNormalization):
        self.config = config
        self.table = _Translation(self)
        self._tables: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @staticmethod
    def _nfd(cp: int) -> str:
        c = chr(cp)
        return unicodedata.normalize("NFD", c) if cp in DECOMPOSES else c

    def _clean(self, cp: int) -> str:
        """clean_text and handle_chinese_chars on one character."""
        cfg = self.config
        if cfg.clean_text:
            if cp in CONTROL:
                return ""
            if cp in CLEAN_WHITESPACE:
                return " "
        if cfg.handle_chinese_chars and cp in CHINESE:
            return f" {chr(cp)} "
        return chr(cp)

    def _finish(self, chars: str) -> str:
        """Accent stripping (on NFD output) and lowercasing."""
        if self.config.strip_accents:
            chars = "".join(d for d in chars if ord(d) not in NONSPACING_MARK)
        if self.config.lowercase:
            chars = "".join(LOWERCASE.get(ord(d), d) for d in chars)
        return chars

    def char(self, cp: int) -> str:
        """The normalized form of one character with nothing around it."""
        chars = self._clean(cp)
        if self.config.strip_accents:
            chars = "".join(self._nfd(ord(c)) for c in chars)
        return self._finish(chars)

    def tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per code point: the length of :meth:`char` (uint8, 1 for nearly all), whether its NFD holds a
        non-starter (reorderable), whether clean_text removes it (before NFD). Built on first use."""
        if self._tables is None:
            cfg = self.config
            lengths = np.ones(MAX_CODE_POINT, dtype=np.uint8)
            marks = np.zeros(MAX_CODE_POINT, dtype=bool)
            removed = np.zeros(MAX_CODE_POINT, dtype=bool)
            special: set[int] = set()
            if cfg.strip_accents:
                decomposing = [cp for cp in DECOMPOSES.code_points() if not HANGUL[0] <= cp <= HANGUL[1]]
                special.update(decomposing)
                special.update(NONSPACING_MARK.code_points())
                syllables = np.arange(HANGUL[0], HANGUL[1] + 1)
                lengths[HANGUL[0]:HANGUL[1] + 1] = np.where((syllables - HANGUL[0]) % 28 == 0, 2, 3)
                marks[list(COMBINING_CLASS)] = True
                marks[[cp for cp in decomposing if any(ord(d) in COMBINING_CLASS for d in self._nfd(cp))]] = True
            if cfg.lowercase:
                special.update(cp for cp, low in LOWERCASE.items() if len(low) != 1)
            if cfg.handle_chinese_chars:
                for a, b in CHINESE.ranges:
                    lengths[a:b + 1] = 3
            for cp in special:
                lengths[cp] = len(self.char(cp))
            if cfg.clean_text:
                for a, b in CONTROL.ranges:
                    lengths[a:b + 1] = 0
                    removed[a:b + 1] = True
            self._tables = lengths, marks, removed
        return self._tables

    def _regions(self, codes: np.ndarray) -> list[tuple[int, int]]:
        """Stretches where NFD may reorder marks across characters: two characters whose NFD holds a
        non-starter, with nothing or only clean_text-removed characters between them (chained)."""
        _, marks, removed = self.tables()
        at = np.flatnonzero(marks[codes])
        if len(at) < 2:
            return []
        linked = np.diff(at) == 1
        if self.config.clean_text and not linked.all():
            kept_before = np.cumsum(~removed[codes])  # kept characters up to and including each index
            linked |= kept_before[at[1:] - 1] == kept_before[at[:-1]]
        if not linked.any():
            return []
        edges = np.diff(np.concatenate([[0], linked.astype(np.int8), [0]]))
        firsts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        return [(int(at[i]), int(at[j]) + 1) for i, j in zip(firsts, stops, strict=True)]

    def _region(self, text: str, start: int) -> tuple[str, list[int]]:
        """The exact library rules on a stretch where NFD may reorder marks: (normalized, source index)."""
        cleaned = [(c, i) for i, ch in enumerate(text, start) for c in self._clean(ord(ch))]
        # NFD: every input character's first output "replaces" it, the others are "inserted"; the sort
        # of each run of non-starters by class is stable and carries that flag along ...
        out: list[tuple[int, str, bool]] = []  # (class, char, replaces)
        run_start = 0
        for c, _ in cleaned:
            for k, d in enumerate(self._nfd(ord(c))):
                cls = COMBINING_CLASS.get(ord(d), 0)
                if cls == 0:
                    out[run_start:] = sorted(out[run_start:], key=lambda x: x[0])
                    run_start = len(out) + 1
                out.append((cls, d, k == 0))
        out[run_start:] = sorted(out[run_start:], key=lambda x: x[0])
        # ... and alignments are then given by position: a replacing character takes the alignment of
        # the next input character in order, an inserted one that of the last input character taken.
        chars, src = [], []
        taken = -1
        for _, d, replaces in out:
            if replaces:
                taken += 1
            finished = self._finish(d)
            chars.append(finished)
            src.extend([cleaned[max(taken, 0)][1]] * len(finished))
        return "".join(chars), src

    def normalize(self, text: str) -> tuple[str, np.ndarray | None]:
        """The normalized text and, per normalized character, the index of its original character.

        The index array is None when the two strings correspond one to one (plain ASCII, mostly).
        """
        n = len(text)
        if text.isascii():
            normalized = text.translate(self.table)
            if len(normalized) == n:
                return normalized, None
            codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
            return normalized, np.repeat(np.arange(n, dtype=np.int64), self.tables()[0][codes])
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        lengths = self.tables()[0]
        regions = self._regions(codes) if self.config.strip_accents else []
        if not regions:
            normalized = text.translate(self.table)
            per_char = lengths[codes]
            if len(normalized) == n and (per_char == 1).all():
                return normalized, None
            return normalized, np.repeat(np.arange(n, dtype=np.int64), per_char)
        parts, srcs = [], []
        pos = 0
        for a, b in [*regions, (n, n)]:
            if a > pos:
                parts.append(text[pos:a].translate(self.table))
                srcs.append(np.repeat(np.arange(pos, a, dtype=np.int64), lengths[codes[pos:a]]))
            if b > a:
                chars, src = self._region(text[a:b], a)
                parts.append(chars)
                srcs.append(np.asarray(src, dtype=np.int64))
            pos = b
        return "".join(parts), np.concatenate(srcs)


@cache
def _normalizer(config: BertNormalization) -> _Normalizer:
    return _Normalizer(config)


@cache
def _pre_tokenizer() -> re.Pattern:
    """BertPreTokenizer as one pattern: (whitespace before, word); a word is one punctuation character
    or a run of anything that is neither punctuation nor whitespace."""
    p, w = PUNCTUATION.regex(), WHITESPACE.regex()
    return re.compile(f"([{w}]*)([{p}]|[^{p}{w}]+)")


def _bool(section: dict, key: str, default: bool | None, where: str) -> bool | None:
    value = section.get(key, default)
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"{where}: {key} must be true or false, not {value!r}")
    return value


class WordPieceTokenizer:
    """A ``tokenizer.json`` with BertNormalizer, BertPreTokenizer and WordPiece; see the module docstring."""

    def __init__(self, spec: dict):
        if not isinstance(spec, dict):
            raise ValueError("not a tokenizer definition (expected a JSON object)")
        norm = spec.get("normalizer")
        if not isinstance(norm, dict) or norm.get("type") != "BertNormalizer":
            raise ValueError(f"unsupported normalizer {_type_name(norm)} (only BertNormalizer is supported)")
        lowercase = _bool(norm, "lowercase", True, "BertNormalizer")
        strip = _bool(norm, "strip_accents", None, "BertNormalizer")
        self.normalization = BertNormalization(
            clean_text=bool(_bool(norm, "clean_text", True, "BertNormalizer")),
            handle_chinese_chars=bool(_bool(norm, "handle_chinese_chars", True, "BertNormalizer")),
            strip_accents=bool(lowercase if strip is None else strip),  # the library's rule for null
            lowercase=bool(lowercase))
        pre = spec.get("pre_tokenizer")
        if not isinstance(pre, dict) or pre.get("type") != "BertPreTokenizer":
            raise ValueError(f"unsupported pre_tokenizer {_type_name(pre)} (only BertPreTokenizer is supported)")
        model = spec.get("model")
        if not isinstance(model, dict) or model.get("type") != "WordPiece":
            raise ValueError(f"unsupported model {_type_name(model)} (only WordPiece is supported)")
        vocab = model.get("vocab")
        if not isinstance(vocab, dict) or not vocab or not all(
                isinstance(k, str) and k and isinstance(v, int) and not isinstance(v, bool) and v >= 0
                for k, v in vocab.items()):
            raise ValueError("WordPiece vocab must map non-empty token strings to ids")
        self.vocab: dict[str, int] = dict(vocab)
        self.unk_token = model.get("unk_token", "[UNK]")
        self.prefix = model.get("continuing_subword_prefix", "##")
        self.max_input_chars_per_word = model.get("max_input_chars_per_word", 100)
        if not isinstance(self.unk_token, str) or self.unk_token not in self.vocab:
            raise ValueError(f"WordPiece unk_token {self.unk_token!r} is not in the vocab")
        if not isinstance(self.prefix, str):
            raise ValueError("WordPiece continuing_subword_prefix must be a string")
        if not isinstance(self.max_input_chars_per_word, int) or isinstance(self.max_input_chars_per_word, bool):
            raise ValueError("WordPiece max_input_chars_per_word must be an integer")
        self.unk_id = self.vocab[self.unk_token]
        cut = len(self.prefix)
        self._continuing = {k[cut:]: v for k, v in self.vocab.items() if k.startswith(self.prefix) and len(k) > cut}
        self._longest = max(map(len, self.vocab))
        self._longest_continuing = max(map(len, self._continuing), default=0)
        added = spec.get("added_tokens") or []
        if not isinstance(added, list):
            raise ValueError("added_tokens must be a list")
        self.added_tokens: dict[str, int] = {}
        for item in added:
            if not (isinstance(item, dict) and isinstance(item.get("content"), str)
                    and isinstance(item.get("id"), int)):
                raise ValueError(f"added token {item!r} needs a content string and an integer id")
            self.added_tokens[item["content"]] = item["id"]
        self._normalizer = _normalizer(self.normalization)
        self._words = _pre_tokenizer()
        self._cache: dict[str, tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]] = {}

    @classmethod
    def from_file(cls, path: str | Path) -> WordPieceTokenizer:
        """Load a ``tokenizer.json``; any problem is a ValueError whose message starts with the path.

        Files with the same content share one tokenizer (the shipped bundles all carry the same file),
        so its vocab and its memory of words are held once.
        """
        try:
            data = Path(path).read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            shared = _LOADED.get(digest)
            if shared is None:
                shared = _LOADED[digest] = cls(json.loads(data.decode("utf-8")))
            return shared
        except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise ValueError(f"{path}: {exc}") from None

    def token_to_id(self, token: str) -> int | None:
        """Like the library: an added token's id first, then the vocab's."""
        idx = self.added_tokens.get(token)
        return idx if idx is not None else self.vocab.get(token)

    def normalize(self, text: str) -> tuple[str, np.ndarray | None]:
        return self._normalizer.normalize(text)

    def pieces(self, word: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """WordPiece on one normalized word: (ids, starts, ends), offsets in characters of the word."""
        n = len(word)
        whole = self.vocab.get(word) if n <= self.max_input_chars_per_word else self.unk_id
        if whole is not None:
            return (whole,), (0,), (n,)
        ids, starts, ends = [], [], []
        start = 0
        vocab, longest = self.vocab, self._longest
        while start < n:
            end = min(n, start + longest)  # no longer piece is in the vocab
            while end > start:
                idx = vocab.get(word[start:end])
                if idx is not None:
                    break
                end -= 1
            else:
                return (self.unk_id,), (0,), (n,)
            ids.append(idx)
            starts.append(start)
            ends.append(end)
            start = end
            vocab, longest = self._continuing, self._longest_continuing
        return tuple(ids), tuple(starts), tuple(ends)

    def encode(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids [n], offsets [n, 2] into ``text`` in code points, word index [n]), all int64."""
        normalized, src = self._normalizer.normalize(text)
        found = self._words.findall(normalized)
        n_words = len(found)
        if not n_words:
            empty = np.zeros(0, dtype=np.int64)
            return empty, np.zeros((0, 2), dtype=np.int64), empty
        words = list(map(_SECOND, found))
        word_len = np.fromiter(map(len, words), dtype=np.int64, count=n_words)
        gap_len = np.fromiter(map(len, map(_FIRST, found)), dtype=np.int64, count=n_words)
        word_end = np.cumsum(gap_len + word_len)
        word_start = word_end - word_len
        cache = self._cache
        if len(cache) > WORD_CACHE_LIMIT:
            cache.clear()
        entries: list[Any] = list(map(cache.get, words))  # then None-free: (ids, starts, ends) per word
        if None in entries:
            for k, entry in enumerate(entries):
                if entry is None:
                    entries[k] = cache[words[k]] = self.pieces(words[k])
        # flattened in C: one (ids, starts, ends) triple of tuples per word
        ids = np.fromiter(chain.from_iterable(map(_FIRST, entries)), dtype=np.int64)
        if len(ids) == n_words:  # one token per word: it spans the word
            starts, ends, word_ids = word_start, word_end, np.arange(n_words, dtype=np.int64)
        else:
            counts = np.fromiter(map(len, map(_FIRST, entries)), dtype=np.int64, count=n_words)
            word_ids = np.repeat(np.arange(n_words, dtype=np.int64), counts)
            base = word_start[word_ids]
            starts = base + np.fromiter(chain.from_iterable(map(_SECOND, entries)), dtype=np.int64, count=len(ids))
            ends = base + np.fromiter(chain.from_iterable(map(_THIRD, entries)), dtype=np.int64, count=len(ids))
        if src is not None:
            starts, ends = src[starts], src[ends - 1] + 1
        return ids, np.stack([starts, ends], axis=1), word_ids


_LOADED: dict[str, WordPieceTokenizer] = {}  # sha256 of a tokenizer.json -> its tokenizer


def _type_name(section) -> str:
    if isinstance(section, dict):
        return repr(section.get("type"))
    return "null" if section is None else repr(type(section).__name__)
