"""Named entities: token tags -> word tags -> character spans.

The whole text is tokenized once and cut into overlapping windows; a token seen by several windows
gets the mean of their probabilities. A word (the tokenizer's pre-tokenizer word: whitespace and
punctuation split) takes the tag of its first subword, so a name is highlighted whole or not at all.
Words are joined into entities by their IOB2 tags, never across a blank line or a tab (the cell
separator of table rows from DOCX, HTML and spreadsheets pasted as text); two same-type entities
separated only by a short run of non-space characters (``O'Neil``, ``Jean-Luc``) are one entity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sqzdesk.engine.results import Entity
from sqzdesk.engine.sentences import PARAGRAPH_BREAK
from sqzdesk.engine.task import TaskModel
from sqzdesk.engine.tokens import Tokens
from sqzdesk.engine.windows import Progress, ShouldStop, merge_token_scores, softmax

JOIN_GAP = 2  # max non-space characters between two same-type pieces merged into one entity
# words that link the parts of one name ("University of Geneva", "Ludwig van Beethoven")
CONNECTORS = frozenset({"of", "de", "du", "des", "la", "le", "von", "van", "der", "den", "di", "da", "del",
                        "and", "&", "for", "the", "on", "upon"})


def _boundary(gap: str) -> bool:
    """A gap no entity spans: a blank line, or a tab between table cells ("Google<TAB>London")."""
    return "\t" in gap or bool(PARAGRAPH_BREAK.search(gap))


def word_tags(tokens: Tokens, probs: np.ndarray, labels: Sequence[str]) -> list[tuple[int, int, str, float]]:
    """(start, end, tag, score) per word, from each word's first subword."""
    out: list[tuple[int, int, str, float]] = []
    last_word = None
    for i in range(len(tokens)):
        word = int(tokens.words[i])
        start, end = int(tokens.offsets[i, 0]), int(tokens.offsets[i, 1])
        if word == last_word and word >= 0:
            s, _, tag, score = out[-1]
            out[-1] = (s, max(end, out[-1][1]), tag, score)
            continue
        best = int(probs[i].argmax())
        out.append((start, end, labels[best], float(probs[i, best])))
        last_word = word
    return out


def decode_entities(text: str, words: Sequence[tuple[int, int, str, float]]) -> list[Entity]:
    """IOB2 word tags -> non-overlapping character spans."""
    groups: list[list] = []  # [start, end, type, [scores]]
    for start, end, tag, score in words:
        if tag == "O" or "-" not in tag:
            prefix, kind = "O", None
        else:
            prefix, kind = tag.split("-", 1)
        if kind is None:
            groups.append([start, end, None, []])  # a barrier: ends any open entity
            continue
        prev = groups[-1] if groups else None
        if prefix == "I" and prev is not None and prev[2] == kind and not _boundary(text[prev[1]:start]):
            prev[1] = end
            prev[3].append(score)
        else:
            groups.append([start, end, kind, [score]])
    spans = [g for g in groups if g[2] is not None]
    merged: list[list] = []
    for g in spans:
        prev = merged[-1] if merged else None
        if prev is not None and prev[2] == g[2] and _joinable(text[prev[1]:g[0]]):
            prev[1] = g[1]
            prev[3] += g[3]
        elif prev is not None and _ends_with_connector(text, prev) and _space_only(text[prev[1]:g[0]]):
            prev[1] = g[1]  # "University of" + "Geneva": one name, of the first part's type
            prev[3] += g[3]
        else:
            merged.append(g)
    out = []
    for s, e, kind, scores in merged:
        s, e = _trim_connectors(text, s, e)
        if e > s:
            out.append(Entity(s, e, kind, text[s:e], float(np.mean(scores))))
    return out


def _ends_with_connector(text: str, group: list) -> bool:
    words = text[group[0]:group[1]].split()
    return len(words) > 1 and words[-1].lower() in CONNECTORS


def _space_only(gap: str) -> bool:
    return 0 < len(gap) <= 2 and gap.strip(" \t") == ""


def _trim_connectors(text: str, start: int, end: int) -> tuple[int, int]:
    """A name never ends with a dangling "of" or "and" (nor starts with one, bar a single word)."""
    words = text[start:end].split()
    while len(words) > 1 and words[-1].lower() in CONNECTORS:
        end = text.rindex(words[-1], start, end)
        end = len(text[:end].rstrip())
        words.pop()
    return start, end


def _joinable(gap: str) -> bool:
    return len(gap) <= JOIN_GAP and not any(ch.isspace() for ch in gap)


class EntityModel(TaskModel):
    task = "entities"
    per_token = ("logits",)

    def analyze(self, text: str, progress: Progress | None = None,
                should_stop: ShouldStop | None = None) -> list[Entity]:
        self.check_length(text)
        tokens = self.tokenizer.encode(text)
        if len(tokens) == 0:
            return []
        windows = self.windows([tokens])
        outputs = self.run(windows, progress, should_stop)
        probs = merge_token_scores(len(tokens), windows, [softmax(o["logits"]) for o in outputs])
        return decode_entities(text, word_tags(tokens, probs, self.labels))
