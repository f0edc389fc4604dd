"""Entity tags decoded with the IOB2 rules (Viterbi), not word by word."""

from __future__ import annotations

import numpy as np

from sqzdesk.engine.entities import transition_scores, viterbi

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
