"""CoNLL-2003 for token classification: documents of sentences of (word, IOB2 tag).

``train.txt`` trains, ``valid.txt`` selects (the issue's rule); both are read the same way. Sentences of
one document are packed into chunks of at most ``budget`` subword tokens, so the model sees the running
text around a name as it will in real documents, not only isolated headline-length sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqzdesk.engine.manifest import ENTITY_TYPES

LABELS = ("O", *(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I")))


@dataclass(frozen=True)
class Chunk:
    words: tuple[str, ...]
    tags: tuple[str, ...]
    sentence_starts: tuple[int, ...]  # word index where each packed sentence begins


def read_conll(path: Path) -> list[list[list[tuple[str, str]]]]:
    """documents -> sentences -> (word, tag)."""
    docs: list[list[list[tuple[str, str]]]] = [[]]
    sentence: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            if sentence:
                docs[-1].append(sentence)
                sentence = []
            continue
        if parts[0] == "-DOCSTART-":
            if sentence:
                docs[-1].append(sentence)
                sentence = []
            if docs[-1]:
                docs.append([])
            continue
        sentence.append((parts[0], parts[-1]))
    if sentence:
        docs[-1].append(sentence)
    return [d for d in docs if d]


def pack(docs, tokens_per_word, budget: int) -> list[Chunk]:
    """Greedy packing of consecutive sentences of a document within ``budget`` subword tokens."""
    chunks: list[Chunk] = []
    for doc in docs:
        words: list[str] = []
        tags: list[str] = []
        starts: list[int] = []
        used = 0
        for sentence in doc:
            cost = sum(tokens_per_word(w) for w, _ in sentence)
            if words and used + cost > budget:
                chunks.append(Chunk(tuple(words), tuple(tags), tuple(starts)))
                words, tags, starts, used = [], [], [], 0
            starts.append(len(words))
            words += [w for w, _ in sentence]
            tags += [t for _, t in sentence]
            used += cost
        if words:
            chunks.append(Chunk(tuple(words), tuple(tags), tuple(starts)))
    return chunks


def load(data_dir: Path, budget: int = 126):
    from sqzdesk.modelbuild.tokenize import load_tokenizer

    tok = load_tokenizer()
    cache: dict[str, int] = {}

    def tokens_per_word(word: str) -> int:
        if word not in cache:
            cache[word] = max(1, len(tok.encode(word, add_special_tokens=False).ids))
        return cache[word]

    root = data_dir / "conll2003"
    train = pack(read_conll(root / "train.txt"), tokens_per_word, budget)
    val = pack(read_conll(root / "valid.txt"), tokens_per_word, budget)
    return train, val
