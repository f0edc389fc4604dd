"""The engine-level entity figures (`modelbuild engine-eval --task entities`): texts rebuilt from tagged words,
read as documents, sentences or prose, scored as exact character spans."""

from __future__ import annotations

import json

import pytest

from sqzdesk.engine.results import Entity
from sqzdesk.modelbuild.engine_eval import entities_f1, silver_articles, unit_text

DOC = [[("Angela", "B-PER"), ("Merkel", "I-PER"), ("met", "O")], [("the", "O"), ("Atlantic", "B-LOC")]]


class _Finder:
    """Finds "Angela Merkel" (right) and "the Atlantic" (one word too many) wherever they are."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def analyze(self, text: str) -> list[Entity]:
        self.texts.append(text)
        found = []
        for name, label in (("Angela Merkel", "PER"), ("the Atlantic", "LOC")):
            if name in text:
                start = text.index(name)
                found.append(Entity(start, start + len(name), label, name, 0.9))
        return found


def test_units_are_read_as_the_mode_says():
    assert unit_text(DOC) == ("Angela Merkel met\nthe Atlantic", {(0, 13, "PER"), (22, 30, "LOC")})
    assert unit_text(DOC, " ")[0] == "Angela Merkel met the Atlantic"
    for mode, texts in (("doc", ["Angela Merkel met\nthe Atlantic"]), ("prose", ["Angela Merkel met the Atlantic"]),
                        ("sent", ["Angela Merkel met", "the Atlantic"])):
        finder = _Finder()
        result = entities_f1(finder, [DOC], mode)
        assert finder.texts == texts
        assert (result["tp"], result["gold"], result["pred"], result["f1"]) == (1, 2, 2, 50.0)  # a span off by a word counts nothing


def test_wiki_mode_reads_the_held_out_silver_articles(tmp_path):
    with pytest.raises(SystemExit, match="no silver data"):
        silver_articles(tmp_path)
    (tmp_path / "silver").mkdir()
    titles = [f"Article {i}" for i in range(200)]
    rows = [{"title": t, "sentences": [[["the", "B-LOC"], ["Atlantic", "I-LOC"]]]} for t in titles]
    (tmp_path / "silver" / "silver.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    articles = silver_articles(tmp_path)
    assert 0 < len(articles) < len(titles)  # the held-out ones only
    assert articles[0] == [[("the", "O"), ("Atlantic", "B-LOC")]]  # in CoNLL's convention


def test_the_card_says_what_the_wiki_figure_is_only_when_it_has_one():
    from sqzdesk.modelbuild.release import _engine_text

    with_wiki = _engine_text({"engine": {"int8": {"doc_f1": 93.2, "sent_f1": 93.7, "wiki_f1": 67.9}}})
    assert "CoNLL's convention" in with_wiki and "| wiki_f1 |" in with_wiki and "67.9" in with_wiki
    plain = _engine_text({"engine": {"int8": {"doc_f1": 93.2, "sent_f1": 93.7}}})
    assert "wiki" not in plain and "93.7" in plain
    assert _engine_text({}) == ""


def test_a_card_of_an_fp32_run_says_so_and_rebuilds_with_no_bf16():
    from sqzdesk.modelbuild.release import FP32_TRAINING, model_card

    metrics = {"f1": 93.4, "silver_f1": 70.1}
    facts = {"groups": 1, "latency_ms_b8x128_2threads": {"fp32": 90.0, "int8": 40.0}, "int8_ops": {},
             "validation_size": 1014, "runs": {"groups=1": metrics}, "fp32": metrics, "int8": metrics,
             "int8_agreement": 99.0, "metric": "f1", "int8_drop": 0.0, "size_mb": {"int8": 18.4, "fp32": 90.0},
             "spec": {}}
    command = "python -m sqzdesk.modelbuild build --task entities --no-bf16"
    card = model_card("entities", facts, command, bf16=False)
    assert FP32_TRAINING in card and "bf16 False" in card and command in card
    assert "Trained in bfloat16" not in card
    default = model_card("entities", facts, "python -m sqzdesk.modelbuild build --task entities")
    assert "Trained in bfloat16 autocast" in default and "bf16 True" in default and FP32_TRAINING not in default
