"""Silver entity labels: spaCy's types onto CoNLL's four, IOB2 rebuilt per sentence, articles held out by title.

spaCy is not needed: a stand-in document has the few attributes :func:`doc_sentences` reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqzdesk.modelbuild.silver import conll_convention, doc_sentences, is_heldout, read_silver


@dataclass
class _Token:
    text: str
    ent_type_: str = ""
    ent_iob_: str = "O"

    @property
    def is_space(self) -> bool:
        return not self.text.strip()


class _Doc:
    def __init__(self, sents):
        self.sents = sents


def test_spacy_types_map_to_conll_iob2():
    doc = _Doc([[
        _Token("Marie", "PERSON", "B"), _Token("Curie", "PERSON", "I"), _Token("won"), _Token("the"),
        _Token("Nobel", "WORK_OF_ART", "B"), _Token("Prize", "WORK_OF_ART", "I"), _Token("in"),
        _Token("1903", "DATE", "B"), _Token("in"), _Token("Paris", "GPE", "B"), _Token("\n"),
        _Token("France", "GPE", "B"), _Token("."),
    ], [_Token("Google", "ORG", "B"), _Token("Maps", "PRODUCT", "I"), _Token(" ")]])
    first, second = doc_sentences(doc)
    assert first == [("Marie", "B-PER"), ("Curie", "I-PER"), ("won", "O"), ("the", "O"), ("Nobel", "B-MISC"),
                     ("Prize", "I-MISC"), ("in", "O"), ("1903", "O"), ("in", "O"), ("Paris", "B-LOC"),
                     ("France", "B-LOC"), (".", "O")]  # DATE dropped, whitespace gone, two places stay two
    assert second == [("Google", "B-ORG"), ("Maps", "B-MISC")]  # a type change starts a new entity


def test_held_out_articles_are_chosen_by_title_and_read_apart(tmp_path):
    titles = [f"Article {i}" for i in range(400)]
    held = [t for t in titles if is_heldout(t)]
    assert 5 <= len(held) <= 40 and held == [t for t in titles if is_heldout(t)]  # stable, about 5%
    path = tmp_path / "silver.jsonl"
    path.write_text("".join(json.dumps({"title": t, "sentences": [[["Word", "O"]]]}) + "\n" for t in titles))
    train, heldout = read_silver(path)
    assert len(heldout) == len(held) and len(train) == len(titles) - len(held)
    assert train[0] == [[("Word", "O")]]



def test_conll_convention_leaves_leading_articles_out():
    """The teacher puts "the"/"a" into 13% of its entities, CoNLL into none; capitalised "The" and articles
    inside a name stay."""
    sentence = [("the", "B-LOC"), ("Atlantic", "I-LOC"), ("Ocean", "I-LOC"), ("and", "O"), ("a", "B-MISC"),
                ("the", "B-ORG"), ("The", "B-LOC"), ("Hague", "I-LOC"), ("Bank", "B-ORG"), ("of", "I-ORG"),
                ("the", "I-ORG"), ("West", "I-ORG")]
    assert conll_convention(sentence) == [
        ("the", "O"), ("Atlantic", "B-LOC"), ("Ocean", "I-LOC"), ("and", "O"), ("a", "O"), ("the", "O"),
        ("The", "B-LOC"), ("Hague", "I-LOC"), ("Bank", "B-ORG"), ("of", "I-ORG"), ("the", "I-ORG"), ("West", "I-ORG")]
