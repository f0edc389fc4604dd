"""The case input: one definition of a token's case class, computed by the engine from the original text,
carried through windows and batches, fed only to graphs that declare it, and listed in the manifest."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sqzdesk.engine import EntityModel, SentimentModel
from sqzdesk.engine.bundle import BundleError, load_bundle
from sqzdesk.engine.casing import (
    CASE_LOWER,
    CASE_MIXED,
    CASE_NONE,
    CASE_PAD,
    CASE_TITLE,
    CASE_UPPER,
    case_ids,
    piece_case,
)
from sqzdesk.engine.manifest import Manifest, ManifestError
from sqzdesk.engine.windows import batches


@pytest.mark.parametrize(("piece", "expected"), [
    ("the", CASE_LOWER), ("May", CASE_TITLE), ("A", CASE_TITLE), ("NATO", CASE_UPPER), ("US", CASE_UPPER),
    ("McDonald", CASE_MIXED), ("iPhone", CASE_MIXED), ("1996", CASE_NONE), (",", CASE_NONE), ("", CASE_NONE),
    ("Émile", CASE_TITLE), ("été", CASE_LOWER), ("日本", CASE_NONE),
])
def test_piece_case(piece, expected):
    assert piece_case(piece) == expected


def _case_of_each_slice(text: str, offsets: np.ndarray) -> np.ndarray:
    """The definition, one slice at a time (what ``case_ids`` computes with running counts)."""
    return np.array([piece_case(text[s:e]) for s, e in offsets.tolist()], dtype=np.int64).reshape(-1)


def test_case_ids_are_piece_case_of_every_slice():
    # letters that are cased or not (titlecase "ǅ", circled "Ⓐ" is upper but not alpha), outside the BMP,
    # lone surrogates, and offsets that are empty, reversed or past the end
    alphabet = [*"aZbCÉé日ǅǈⒶⓐßİıΣσﬁ1,. \n-'", "\ud800", "\udfff", "\U0001D400", "\U0001D41A"]
    rng = np.random.default_rng(0)
    for _ in range(500):
        text = "".join(rng.choice(alphabet, size=int(rng.integers(0, 40))))
        offsets = rng.integers(0, len(text) + 3, size=(int(rng.integers(0, 20)), 2))
        np.testing.assert_array_equal(case_ids(text, offsets), _case_of_each_slice(text, offsets))
    assert case_ids("", np.zeros((0, 2), dtype=np.int64)).shape == (0,)


def test_case_ids_of_a_tokenized_text_match_the_definition(tiny_models):
    text = ("The NATO summit in Washington, D.C., met McDonald's CEO and İstanbul's mayor; iPhone sales "
            "rose 12% in 1996. ΣΊΣΥΦΟΣ Ⓐbc ǅx \U0001D400bc\n") * 40
    tokens = tiny_models["entities"].tokenizer.encode(text)
    np.testing.assert_array_equal(tokens.cases, _case_of_each_slice(text, tokens.offsets))
    assert {CASE_LOWER, CASE_TITLE, CASE_UPPER, CASE_NONE} <= set(tokens.cases.tolist())  # word pieces: "Mc", "##Donald"


def test_case_comes_from_the_original_text_through_the_offsets(tiny_models):
    model = tiny_models["entities"]
    text = "Angela MERKEL visited paris in 2019."
    tokens = model.tokenizer.encode(text)
    assert tokens.cases is not None and len(tokens.cases) == len(tokens)
    by_piece = {text[s:e]: int(c) for (s, e), c in zip(tokens.offsets.tolist(), tokens.cases, strict=True)}
    assert by_piece["paris"] == CASE_LOWER and by_piece["2"] == CASE_NONE and by_piece["."] == CASE_NONE
    np.testing.assert_array_equal(tokens.cases, case_ids(text, tokens.offsets))
    # the lowercased ids are the same for "Paris" and "paris": only the case ids tell them apart
    other = model.tokenizer.encode(text.replace("paris", "Paris"))
    np.testing.assert_array_equal(other.ids, tokens.ids)
    assert not np.array_equal(other.cases, tokens.cases)


def test_windows_and_batches_carry_case_ids_with_pad_around_the_text(tiny_models):
    model = tiny_models["qa"]
    text = "The Acme Corporation met Angela Merkel in Berlin and London and Paris today " * 3
    tokens = model.tokenizer.encode(text)
    question = model.tokenizer.encode("Who met ACME?")
    windows = model.windows([tokens], [question.ids])
    assert len(windows) > 1
    for w in windows:
        assert w.case_ids is not None and len(w.case_ids) == len(w)
        body = slice(w.text_offset, w.text_offset + w.end - w.start)
        np.testing.assert_array_equal(w.case_ids[body], tokens.cases[w.start:w.end])
        rest = np.delete(w.case_ids, np.arange(len(w))[body])
        assert (rest == CASE_PAD).all()  # [CLS], the question prefix, [SEP]s
    for _idx, feeds in batches(windows, 2, model.tokenizer.pad_id):
        assert feeds["case_ids"].shape == feeds["input_ids"].shape
        assert (feeds["case_ids"][feeds["attention_mask"] == 0] == CASE_PAD).all()


def test_only_graphs_that_declare_case_ids_get_them(tiny_models):
    entities, sentiment = tiny_models["entities"], tiny_models["sentiment"]
    assert "case_ids" in entities.session.input_names
    assert entities.bundle.manifest.inputs == ("input_ids", "attention_mask", "token_type_ids", "case_ids")
    assert "case_ids" not in sentiment.session.input_names and sentiment.bundle.manifest.inputs == ()
    assert sentiment.analyze("The Film Was GREAT. the film was great.").overall is not None


def test_case_changes_what_the_cased_model_sees(tiny_models):
    model = tiny_models["entities"]
    feeds = []
    for text in ("angela merkel visited paris", "Angela Merkel visited Paris"):
        windows = model.windows([model.tokenizer.encode(text)])
        feeds.append(next(batches(windows, 8, model.tokenizer.pad_id))[1])
    np.testing.assert_array_equal(feeds[0]["input_ids"], feeds[1]["input_ids"])
    a, b = (model.session.run(f)["logits"] for f in feeds)
    assert not np.allclose(a, b)


def test_manifest_inputs_are_optional_and_checked():
    base = json.loads(Manifest(
        name="m", version="1", task="entities", architecture={"type": "squeezebert", "hidden_size": 8,
                                                              "num_layers": 1, "num_heads": 1, "vocab_size": 9,
                                                              "groups": {}},
        labels=("O",), max_length=32, files={}).to_json())
    assert "inputs" not in base  # older manifests are written as they always were
    base["files"] = {r: {"name": f"{r}.x", "sha256": "0"} for r in ("model", "tokenizer", "card")}
    assert Manifest.from_dict(base).inputs == ()
    listed = {**base, "inputs": ["input_ids", "attention_mask", "token_type_ids", "case_ids"]}
    manifest = Manifest.from_dict(listed)
    assert manifest.inputs[-1] == "case_ids" and json.loads(manifest.to_json())["inputs"] == listed["inputs"]
    for bad, message in ((["input_ids", "pixels"], "unknown inputs: pixels"), ("case_ids", "list of strings"),
                         (["attention_mask"], "including 'input_ids'")):
        with pytest.raises(ManifestError, match=message):
            Manifest.from_dict({**base, "inputs": bad})


def test_a_manifest_that_misstates_the_inputs_is_refused(tiny_copy):
    path = tiny_copy / "tiny-entities" / "manifest.json"
    data = json.loads(path.read_text())
    data["inputs"] = ["input_ids", "attention_mask", "token_type_ids"]
    path.write_text(json.dumps(data))
    with pytest.raises(BundleError, match="manifest lists inputs"):
        EntityModel(load_bundle(path.parent))


def test_sentiment_without_case_input_is_unchanged_by_case(tiny_models):
    model: SentimentModel = tiny_models["sentiment"]
    a = model.analyze("the film was great and the book was bad.")
    b = model.analyze("The Film was GREAT and the Book was BAD.")
    assert a.overall == b.overall
