"""Entity tags decoded with the IOB2 rules (Viterbi), not word by word."""

from __future__ import annotations

import re

import numpy as np

from sqzdesk.engine.entities import (
    decode_entities,
    one_type_per_name,
    surnames_as_people,
    tag_words,
    transition_scores,
    viterbi,
)
from sqzdesk.engine.results import Entity

LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")


def _probs(*rows):
    return np.array(rows, dtype=np.float64)


def test_an_orphan_inside_tag_never_starts_a_name():
    # argmax says I-PER for the first word: IOB2 allows it only after B-PER/I-PER
    best = viterbi(_probs([.1, .3, .5, .05, .05], [.1, .1, .7, .05, .05]), LABELS)
    assert [LABELS[t] for t in best] == ["B-PER", "I-PER"]


def test_a_name_is_not_cut_in_two_by_a_second_begin():
    # "Marcello Cuttitta": argmax B-PER B-PER (two names); the restart cost keeps one name
    best = viterbi(_probs([.05, .9, .02, .02, .01], [.05, .5, .4, .03, .02]), LABELS)
    assert [LABELS[t] for t in best] == ["B-PER", "I-PER"]
    # ...but a clear second name stays a second name
    best = viterbi(_probs([.05, .9, .02, .02, .01], [.02, .9, .05, .02, .01]), LABELS)
    assert [LABELS[t] for t in best] == ["B-PER", "B-PER"]


def test_inside_tags_never_change_type():
    best = viterbi(_probs([.05, .05, .05, .8, .05], [.1, .05, .6, .05, .2]), LABELS)
    assert [LABELS[t] for t in best] in (["B-LOC", "I-LOC"], ["B-LOC", "O"])


def test_a_break_starts_a_new_sequence():
    probs = _probs([.05, .9, .02, .02, .01], [.1, .1, .7, .05, .05])
    assert [LABELS[t] for t in viterbi(probs, LABELS)] == ["B-PER", "I-PER"]
    assert LABELS[viterbi(probs, LABELS, breaks=[1])[1]] != "I-PER"


def test_transition_table():
    begin, trans = transition_scores(LABELS)
    assert np.isinf(begin[LABELS.index("I-PER")]) and begin[LABELS.index("B-PER")] == 0
    assert np.isinf(trans[LABELS.index("O"), LABELS.index("I-LOC")])
    assert np.isinf(trans[LABELS.index("B-PER"), LABELS.index("I-LOC")])
    assert trans[LABELS.index("B-LOC"), LABELS.index("I-LOC")] == 0
    assert trans[LABELS.index("I-PER"), LABELS.index("B-PER")] < 0 == trans[LABELS.index("O"), LABELS.index("B-PER")]


def _mentions(text: str, rows: dict[str, list[float]]):
    """Word spans, word probabilities and the decoded entities of ``text`` (one word a name)."""
    spans, probs = [], []
    for m in re.finditer(r"\S+", text):
        spans.append(m.span())
        probs.append(rows.get(m.group(), [.96, .01, .01, .01, .01]))
    probs_arr = np.array(probs)
    return spans, probs_arr, decode_entities(text, tag_words(spans, probs_arr, LABELS))


def test_a_repeated_name_takes_the_type_its_mentions_favour():
    text = "Cotti spoke . Later Cotti left . Then Cotti came"
    spans, probs, found = _mentions(text, {})
    # the same word read three times: twice clearly a person, once narrowly a place
    probs[[0, 4, 8]] = [[.02, .9, .02, .04, .02], [.02, .9, .02, .04, .02], [.02, .4, .02, .5, .06]]
    found = decode_entities(text, tag_words(spans, probs, LABELS))
    assert [e.label for e in found] == ["PER", "PER", "LOC"]
    unified = one_type_per_name(found, spans, probs, LABELS)
    assert [e.label for e in unified] == ["PER", "PER", "PER"]
    assert unified[:2] == found[:2] and 0.5 < unified[2].score < 0.8  # the mentions' mean evidence


def test_a_repeated_name_keeps_its_types_without_a_clear_majority_or_in_capitals():
    place = [.02, .02, .02, .9, .04]
    text = "Leeds won . Leeds lost"
    spans, probs, _ = _mentions(text, {})
    probs[[0, 3]] = [place, [.02, .8, .02, .1, .06]]  # LOC 0.94 + 0.16 against PER 0.04 + 0.82: not 1.5x
    found = decode_entities(text, tag_words(spans, probs, LABELS))
    assert [e.label for e in one_type_per_name(found, spans, probs, LABELS)] == ["LOC", "PER"]
    text = "NEW won . NEW lost . NEW drew"  # a team and its city, written in capitals by a wire
    spans, probs, _ = _mentions(text, {})
    probs[[0, 3, 6]] = [place, place, [.02, .9, .02, .04, .02]]
    found = decode_entities(text, tag_words(spans, probs, LABELS))
    assert [e.label for e in one_type_per_name(found, spans, probs, LABELS)] == ["LOC", "LOC", "PER"]


def _entity(text: str, word: str, label: str, nth: int = 0) -> Entity:
    start = [m.start() for m in re.finditer(re.escape(word), text)][nth]
    return Entity(start, start + len(word), label, word, 0.8 if label == "PER" else 0.6)


def test_a_lone_surname_after_its_person_is_that_person():
    text = "Michael Jordan scored . Jordan left for Jordan . JORDAN won . Michael waved ."
    found = [_entity(text, "Michael Jordan", "PER"), _entity(text, "Jordan", "LOC", 1), _entity(text, "Jordan", "LOC", 2),
             _entity(text, "JORDAN", "ORG"), _entity(text, "Michael", "LOC", 1)]
    got = surnames_as_people(found)
    # both lone "Jordan"s become the person (with its score); capitals only and a first name stay as read
    assert [(e.text, e.label) for e in got] == [("Michael Jordan", "PER"), ("Jordan", "PER"), ("Jordan", "PER"),
                                                ("JORDAN", "ORG"), ("Michael", "LOC")]
    assert got[1].score == 0.8 and got[1].start == found[1].start
    # a surname before the full name stays as read; the persons seen carry over to the next chunk
    text = "Jordan left . Michael Jordan scored ."
    assert surnames_as_people([_entity(text, "Jordan", "LOC"), _entity(text, "Michael Jordan", "PER")])[0].label == "LOC"
    people: dict[str, Entity] = {}
    surnames_as_people([Entity(0, 14, "PER", "Michael Jordan", 0.8)], people)
    assert surnames_as_people([Entity(100, 106, "ORG", "Jordan", 0.5)], people)[0].label == "PER"
