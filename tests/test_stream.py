"""The engine's one analysis path: the stream, the document rule, the prose rule, typed errors."""

from __future__ import annotations

import re

import pytest

from sqzdesk.engine import Analyzer, Cancelled, NoText, TextTooLong
from sqzdesk.engine.analysis import collect
from sqzdesk.engine.chunks import split_chunks
from sqzdesk.engine.patterns import find_patterns, merge_entities
from sqzdesk.engine.results import Entity
from sqzdesk.engine.sentiment import Passage, document_sentiment, is_prose, pack_passages

PARAGRAPH = ("Angela Merkel visited Paris today and the film was wonderful. Write to jane.doe@example.org "
             "or call +44 20 7946 0958 about invoice GB82 WEST 1234 5698 7654 32. The price was terrible.\n\n")


@pytest.fixture()
def analyzer(tiny_models):
    return Analyzer(tiny_models["sentiment"], tiny_models["entities"], chunk_chars=600)


def test_stream_covers_the_text_in_chunks_with_document_offsets(analyzer):
    text = PARAGRAPH * 12
    chunks = list(analyzer.stream(text))
    assert [(c.start, c.end) for c in chunks] == [(c.start, c.end) for c in split_chunks(text, 600)]
    assert len(chunks) > 3 and chunks[-1].end == len(text) == chunks[0].total
    for c in chunks:
        assert all(c.start <= s.start < s.end <= c.end for s in c.sentences)
        assert all(text[e.start:e.end] == e.text for e in c.entities)


def test_patterns_are_merged_once_even_across_a_chunk_boundary(analyzer):
    text = PARAGRAPH * 12
    cut = text.index("GB82") + 6  # the first chunk ends inside the first IBAN
    analyzer.chunk_chars = cut
    assert split_chunks(text, cut)[0].end < text.index("GB82") + 29
    result = analyzer.analyze(text)
    patterns = find_patterns(text)
    model_only = collect(analyzer.stream(text, patterns=()))
    # over all chunks: merge_entities(model entities, patterns of the whole text), each pattern once
    assert list(result.entities) == merge_entities(model_only.entities, patterns)
    assert sum(e.label == "IBAN" for e in result.entities) == text.count("GB82")


def test_analyze_is_the_stream_collected(analyzer):
    text = PARAGRAPH * 5
    chunks = list(analyzer.stream(text))
    whole = analyzer.analyze(text)
    assert whole.sentences == tuple(s for c in chunks for s in c.sentences)
    assert whole.entities == tuple(e for c in chunks for e in c.entities)
    assert whole.sentiment is not None and whole.sentiment == chunks[-1].document


def test_progress_is_monotonic_and_ends_at_1000(analyzer):
    seen: list[int] = []
    analyzer.analyze(PARAGRAPH * 6, progress=lambda done, total: seen.append(done))
    assert seen == sorted(seen) and seen[-1] == 1000 and all(0 <= d <= 1000 for d in seen)


def test_cancel_stops_between_batches_and_keeps_earlier_chunks(analyzer):
    got: list = []
    checks_after_cancel = 0

    def stop() -> bool:
        nonlocal checks_after_cancel
        if len(got) >= 2:  # the caller cancels once two chunks arrived
            checks_after_cancel += 1
            return True
        return False

    with pytest.raises(Cancelled):
        for chunk in analyzer.stream(PARAGRAPH * 12, should_stop=stop):
            got.append(chunk)
    assert len(got) == 2 < len(split_chunks(PARAGRAPH * 12, 600)) and checks_after_cancel == 1


@pytest.mark.parametrize("text", ["", "   \n\t ", "---- ==== ----\n\n....", "\u200b\u200b"])
def test_a_text_without_words_is_no_text(analyzer, text):
    with pytest.raises(NoText, match="no text"):
        analyzer.analyze(text)


def test_no_text_and_too_long_are_not_value_errors(analyzer):
    assert not issubclass(NoText, ValueError) and not issubclass(TextTooLong, ValueError)
    analyzer.sentiment.max_chars = 10
    try:
        with pytest.raises(TextTooLong, match="--max-chars"):
            analyzer.analyze("A sentence of more than ten characters.")
    finally:
        analyzer.sentiment.max_chars = 2_000_000


def test_numbers_get_entities_but_no_sentiment(analyzer):
    rates = "".join(f"07/{d:02d}/2015 21:00:15.469,1.083,1.0833{d}\n" for d in range(1, 20))
    result = analyzer.analyze(rates)
    assert result.sentences == () and result.sentiment is None
    mixed = analyzer.analyze("Sales were great this year.\n" + rates)
    assert [mixed.sentences[0].start] == [s.start for s in mixed.sentences] == [0]


@pytest.mark.parametrize(("text", "prose"), [
    ("07/19/2015 21:00:15.469,1.083,1.08332", False), ("| 1.2 | 3.4 | 5.6 |", False), ("1234 5678", False),
    ("x = 1", False), ("Q3 revenue rose 5%", True), ("Great!", True), ("I loved it.", True),
    ("USD/EUR 1.0833 1.0841 1.0829", False), ("Übermäßig gut.", True),
])
def test_prose(text, prose):
    assert is_prose(text) is prose


def test_document_sentiment_is_the_token_weighted_mean_of_passages():
    labels = ("negative", "positive")
    p = [Passage((0.6, 0.4), 100), Passage((0.1, 0.9), 50), Passage((0.2, 0.8), 50)]
    doc = document_sentiment(p, labels)
    # (100 * 0.4 + 50 * 0.9 + 50 * 0.8) / 200
    assert doc is not None and doc.label == "positive" and doc.score == pytest.approx(0.625)
    assert document_sentiment([], labels) is None


def test_passages_pack_consecutive_sentences_up_to_a_window():
    assert pack_passages([40, 50, 30, 10, 126, 5, 200, 3], 126) == [(0, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8)]
    assert pack_passages([10, 10, 10], 126) == [(0, 3)]
    assert pack_passages([], 126) == []


def test_a_document_under_the_neutral_line_is_mixed_and_keeps_its_lean():
    """A neutral report (passages pulling both ways) is not "Negative 0.51": mixed, leaning negative."""
    labels = ("negative", "positive")
    p = [Passage((0.9, 0.1), 20)] * 6 + [Passage((0.1, 0.9), 20)] * 5
    doc = document_sentiment(p, labels, neutral_below=0.7)
    assert doc is not None and doc.label == "negative" and doc.score < 0.7
    assert doc.mixed and doc.verdict == "mixed, leans negative" and doc.to_dict()["mixed"] is True
    sure = document_sentiment(p[:6], labels, neutral_below=0.7)
    assert sure is not None and not sure.mixed and sure.verdict == "negative"
    assert not document_sentiment(p, labels).mixed  # a bundle without the line never calls it mixed


def test_records_give_their_fields_in_the_cli_contract_order():
    """``to_dict`` reads the flat fields (no deep copy): the same dict, in the same order, as asdict."""
    from dataclasses import asdict

    from sqzdesk.engine.results import Answer, Classification, Entity, SentenceSentiment, Sentiment

    records = [Sentiment("negative", 0.62, mixed=True), SentenceSentiment(0, 12, "positive", 0.91),
               Entity(4, 17, "PER", "Angela Merkel", 0.98), Answer("Berlin", 30, 36, 0.4),
               Classification("sport", 0.7)]
    for record in records:
        got = record.to_dict()
        assert got == asdict(record) and list(got) == list(asdict(record))


def test_a_surname_in_a_later_chunk_is_the_person_named_in_an_earlier_one(analyzer, monkeypatch):
    first = "Michael Jordan scored thirty points for the team tonight. " * 3
    text = first + "\n\n" + "Jordan said the game was hard. " * 3
    analyzer.chunk_chars = len(first) + 2
    assert len(split_chunks(text, analyzer.chunk_chars)) == 2

    def model_reading(chunk: str, *args, **kwargs):  # what the model made of each chunk, read alone
        return [Entity(m.start(), m.end(), "PER" if m.group().startswith("M") else "LOC", m.group(), 0.9)
                for m in re.finditer(r"Michael Jordan|Jordan", chunk)]

    monkeypatch.setattr(analyzer.entities, "analyze", model_reading)
    found = analyzer.analyze(text, patterns=()).entities
    assert [e.label for e in found] == ["PER"] * 6
    assert [e.text for e in found] == ["Michael Jordan"] * 3 + ["Jordan"] * 3
