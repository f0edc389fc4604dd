"""CoNLL-2003 (and silver Wikipedia) for token classification: documents of sentences of (word, IOB2 tag).

``train.txt`` trains, ``valid.txt`` selects (the issue's rule); both are read the same way. Validation
packs the sentences of one document into chunks of at most ``budget`` subword tokens (the shipped cards'
definition). Training mixes two views of every document, because the engine is given both:

* **document windows**: the document's running words cut every ``budget - stride`` tokens wherever that
  falls, mid-sentence included, as the engine cuts a whole document read as sentences joined by newlines;
* **single sentences**: each sentence alone, as when a user analyses one line or a headline.

With ``runs/silver/silver.jsonl`` present (``python -m sqzdesk.modelbuild silver``), spaCy-tagged
Wikipedia articles join training as document windows, a different slice each epoch, and the held-out
articles become a second validation set (``source="silver"``, scored as ``silver_f1``).
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
    source: str = "conll"


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


def document_windows(docs, tokens_per_word, budget: int, stride: int, source: str = "conll") -> list[Chunk]:
    """Each document's running words in windows of at most ``budget`` tokens; a window starts about
    ``budget - stride`` tokens after the previous one, at whatever word that is (mid-sentence too)."""
    chunks: list[Chunk] = []
    for doc in docs:
        words = [w for sentence in doc for w, _ in sentence]
        tags = [t for sentence in doc for _, t in sentence]
        starts, k = [], 0
        for sentence in doc:
            starts.append(k)
            k += len(sentence)
        cost = [tokens_per_word(w) for w in words]
        begin = 0
        while begin < len(words):
            end, used = begin, 0
            while end < len(words) and (end == begin or used + cost[end] <= budget):
                used += cost[end]
                end += 1
            chunks.append(Chunk(tuple(words[begin:end]), tuple(tags[begin:end]),
                                tuple(s - begin for s in starts if begin <= s < end), source))
            if end == len(words):
                break
            step, nxt = 0, begin
            while nxt < end - 1 and step < budget - stride:
                step += cost[nxt]
                nxt += 1
            begin = max(begin + 1, nxt)
    return chunks


def sentences(docs, source: str = "conll") -> list[Chunk]:
    """Every sentence alone (the model's window cuts the rare one over budget)."""
    return [Chunk(tuple(w for w, _ in s), tuple(t for _, t in s), (0,), source) for doc in docs for s in doc]


@dataclass(frozen=True)
class EntitiesData:
    """Training chunks (fixed part, and per-epoch silver slices) and validation chunks."""

    train: list[Chunk]
    val: list[Chunk]
    rotating: list[list[Chunk]]  # epoch e adds rotating[e % len(rotating)] (silver slices); may be empty

    def __len__(self) -> int:
        return len(self.train)


SILVER_SLICES = 4     # the silver training articles are split in this many slices, one per epoch
SILVER_VAL_DOCS = 300  # held-out silver articles scored per evaluation (of ~500)
DOC_STRIDE = 32


def load(data_dir: Path, budget: int = 126, runs: Path | None = None, silver: bool = True):
    """(train, val): train an :class:`EntitiesData` (use ``.train``/``.rotating``), val CoNLL valid chunks
    (plus held-out silver chunks when the silver file exists)."""
    from sqzdesk.modelbuild.tokenize import load_tokenizer

    tok = load_tokenizer()
    cache: dict[str, int] = {}

    def tokens_per_word(word: str) -> int:
        if word not in cache:
            cache[word] = max(1, len(tok.encode(word, add_special_tokens=False).ids))
        return cache[word]

    root = data_dir / "conll2003"
    train_docs = read_conll(root / "train.txt")
    train = document_windows(train_docs, tokens_per_word, budget, DOC_STRIDE) + sentences(train_docs)
    val = pack(read_conll(root / "valid.txt"), tokens_per_word, budget)
    rotating: list[list[Chunk]] = []
    silver_file = runs / "silver" / "silver.jsonl" if runs is not None else None
    if silver and silver_file is not None and silver_file.exists():
        from sqzdesk.modelbuild.silver import read_silver

        silver_train, silver_val = read_silver(silver_file)
        rotating = [document_windows(silver_train[k::SILVER_SLICES], tokens_per_word, budget, DOC_STRIDE, "silver")
                    for k in range(SILVER_SLICES)]
        val += [Chunk(c.words, c.tags, c.sentence_starts, "silver")
                for c in pack(silver_val[:SILVER_VAL_DOCS], tokens_per_word, budget)]
    return EntitiesData(train, val, rotating), val
