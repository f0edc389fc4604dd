"""The three tasks on real (tiny, random-weight) ONNX models: spans, offsets, aggregation."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqzdesk.engine import EntityModel, QAModel, SentimentModel
from sqzdesk.engine.entities import decode_entities
from sqzdesk.engine.sentences import split_sentences

TEXT = ("Angela Merkel visited Paris today. The film was wonderful!\n\n"
        "But the price was terrible. Acme Corporation said no to O'Neil.")


def test_entity_words_join_into_iob_spans():
    text = "Angela Merkel met O'Neil in New York"
    words = [(0, 6, "B-PER", .9), (7, 13, "I-PER", .8), (14, 17, "O", .9), (18, 19, "B-PER", .7),
             (19, 20, "O", .5), (20, 24, "B-PER", .6), (25, 27, "O", .9), (28, 31, "I-LOC", .9),
             (32, 36, "I-LOC", .7)]
    got = [(e.text, e.label) for e in decode_entities(text, words)]
    # B-I joins; a same-type piece across "'" joins (no half-highlighted name); I- after O starts one
    assert got == [("Angela Merkel", "PER"), ("O'Neil", "PER"), ("New York", "LOC")]


def test_an_entity_never_runs_across_a_blank_line():
    text = "Acme\n\nCorporation"
    words = [(0, 4, "B-ORG", .9), (6, 17, "I-ORG", .9)]
    assert [e.text for e in decode_entities(text, words)] == ["Acme", "Corporation"]
    text = "Acme\nCorporation"  # two lines its author ended (no wrapped text around): two names
    words = [(0, 4, "B-ORG", .9), (5, 16, "I-ORG", .9)]
    assert [e.text for e in decode_entities(text, words)] == ["Acme", "Corporation"]


def test_an_entity_never_runs_across_table_cells():
    """DOCX/HTML table rows are read as cells joined by tabs: "Google<TAB>London" is two names."""
    text = "Google\tLondon"
    words = [(0, 6, "B-ORG", .9), (7, 13, "I-ORG", .6)]
    assert [e.text for e in decode_entities(text, words)] == ["Google", "London"]


def test_answers_are_whole_words(tiny_models):
    context = "Zurich and Swissair and Swisscom agreed. " * 6
    qa = tiny_models["qa"]
    tokens = qa.tokenizer.encode(context)
    assert len(set(tokens.words.tolist())) < len(tokens)  # some words have several pieces
    for a in qa.ask("Who agreed?", context, top_k=20, threshold=0.0):
        assert (a.start == 0 or not context[a.start - 1].isalnum()) and \
            (a.end == len(context) or not context[a.end].isalnum()), a


def test_a_name_joined_by_a_connector_is_one_entity_and_never_ends_in_one():
    text = "The University of Geneva and the council of Acme"
    words = [(0, 3, "O", .9), (4, 14, "B-ORG", .9), (15, 17, "I-ORG", .6), (18, 24, "B-LOC", .8),
             (25, 28, "O", .9), (29, 32, "O", .9), (33, 40, "B-ORG", .7), (41, 43, "I-ORG", .5), (44, 48, "O", .9)]
    got = [(e.text, e.label) for e in decode_entities(text, words)]
    assert got == [("University of Geneva", "ORG"), ("council", "ORG")]


def test_entities_follow_conll_on_leading_articles():
    """CoNLL never starts a name with a lower-case article; the spaCy teacher of the silver data does
    (13% of its entities), so a model may: "the Atlantic Ocean" comes out as "Atlantic Ocean", a lone
    "the" or "of" as nothing, and a capitalised "The" stays ("The Hague")."""
    text = "He crossed the Atlantic Ocean to The Hague and the Ballets Russes of Diaghilev"
    spans = {w: (text.index(w), text.index(w) + len(w)) for w in ("crossed", "Atlantic", "Ocean", "The", "Hague",
                                                                   "Ballets", "Russes", "Diaghilev")}
    the1, the3 = text.index("the "), text.index("the Ballets")
    of = text.index("of ")
    words = [(0, 2, "O", .9), (*spans["crossed"], "O", .9), (the1, the1 + 3, "B-LOC", .6),
             (*spans["Atlantic"], "I-LOC", .9), (*spans["Ocean"], "I-LOC", .9), (text.index("to"), text.index("to") + 2, "O", .9),
             (*spans["The"], "B-LOC", .9), (*spans["Hague"], "I-LOC", .9), (text.index("and"), text.index("and") + 3, "O", .9),
             (the3, the3 + 3, "B-ORG", .5), (*spans["Ballets"], "O", .9), (*spans["Russes"], "O", .9),
             (of, of + 2, "B-ORG", .4), (*spans["Diaghilev"], "B-PER", .9)]
    got = [(e.text, e.label) for e in decode_entities(text, words)]
    assert got == [("Atlantic Ocean", "LOC"), ("The Hague", "LOC"), ("Diaghilev", "PER")]
    start = text.index("Atlantic")
    assert decode_entities(text, words)[0].start == start  # offsets move with the trimmed word


def test_a_name_runs_across_a_wrapped_line_end_but_not_across_a_line_the_author_ended():
    """A line break where the next word would have fitted is the author's (a list, CoNLL's sentence a line):
    no name runs across it; one where it would not have fitted is hard wrapping: the name goes on."""
    def decode(text: str, names: list[tuple[str, str]]) -> list[str]:
        words, pos = [], 0
        for word, tag in names:
            at = text.index(word, pos)
            words.append((at, at + len(word), tag, .9))
            pos = at + len(word)
        return [e.text for e in decode_entities(text, words)]

    listed = "Winners this year, as announced by the committee on Monday:\nMike Sullivan , Willie\nWood , Loren"
    assert decode(listed, [("Mike", "B-PER"), ("Sullivan", "I-PER"), ("Willie", "B-PER"), ("Wood", "I-PER"),
                           ("Loren", "B-PER")]) == ["Mike Sullivan", "Willie", "Wood", "Loren"]
    wrapped = ("The meeting with Chancellor Angela\nMerkel went well and everyone who\ncame to the talks was "
               "happy about\nthe outcome.")
    assert decode(wrapped, [("Angela", "B-PER"), ("Merkel", "I-PER")]) == ["Angela\nMerkel"]


def test_different_types_and_spaces_are_not_joined():
    text = "Paris Hilton"
    words = [(0, 5, "B-LOC", .9), (6, 12, "B-PER", .9)]
    assert [(e.text, e.label) for e in decode_entities(text, words)] == [("Paris", "LOC"), ("Hilton", "PER")]
    words = [(0, 5, "B-PER", .9), (6, 12, "B-PER", .9)]
    assert len(decode_entities(text, words)) == 2


def test_document_sentiment_is_read_in_passages(tiny_root):
    """The document rule: consecutive sentences read together, up to a window each; a passage of one
    sentence is that sentence's reading (no second run), and the document is the passages' token-weighted
    mean."""
    import pytest

    from sqzdesk.engine.sentiment import document_sentiment, pack_passages

    model = SentimentModel.open([tiny_root])
    reading = model.read(TEXT)
    lengths = [len(model.tokenizer.encode(TEXT[s.start:s.end])) for s in reading.sentences]
    groups = pack_passages(lengths, model.max_length - 2)
    assert len(reading.sentences) == 4 and len(reading.passages) == len(groups) >= 2
    assert any(j - i > 1 for i, j in groups)
    for (i, j), passage in zip(groups, reading.passages, strict=True):
        assert passage.weight == sum(lengths[i:j]) and sum(passage.probs) == pytest.approx(1.0)
        if j - i == 1:
            s = reading.sentences[i]
            assert passage.probs[model.labels.index(s.label)] == pytest.approx(s.score)
    result = model.analyze(TEXT)
    assert result.sentences == reading.sentences
    # the passages run apart from the sentences: the sentences' batches, and so their labels, are the same
    # as without passages (int8 activations are quantized per batch)
    assert model.read(TEXT, passages=False).sentences == reading.sentences
    assert result.overall == document_sentiment(reading.passages, model.labels, model.neutral_below)
    single = model.analyze("The film was wonderful!")
    assert single.overall is not None and single.overall.label == single.sentences[0].label
    assert single.overall.score == pytest.approx(single.sentences[0].score)


def test_a_long_document_is_the_mean_of_its_sentences(tiny_root):
    """Over ``PASSAGE_CHARS`` a document is not read twice: every sentence counts the same."""
    import pytest

    from sqzdesk.engine.sentiment import PASSAGE_CHARS, read_in_passages

    model = SentimentModel.open([tiny_root])
    text = (TEXT + "\n\n") * (PASSAGE_CHARS // len(TEXT) + 1)
    assert not read_in_passages(len(text)) and read_in_passages(len(TEXT))
    reading = model.read(text, passages=False)
    assert [p.weight for p in reading.passages] == [1] * len(reading.sentences)
    result = model.analyze(text)
    pos = [s.score if s.label == "positive" else 1 - s.score for s in result.sentences]
    overall = result.overall.score if result.overall.label == "positive" else 1 - result.overall.score
    assert overall == pytest.approx(sum(pos) / len(pos), abs=1e-9)


def test_only_prose_gets_sentiment_and_no_text_is_refused(tiny_root):
    """A table of rates or a timestamp line has no sentiment (and does not drag the document's); a text
    without any letter or digit is refused with NoText, an AnalysisError, not a bare ValueError."""
    import pytest

    from sqzdesk.engine import AnalysisError, Analyzer, NoText, TextTooLong
    from sqzdesk.engine.sentiment import is_prose

    model = SentimentModel.open([tiny_root])
    rates = "".join(f"2015-07-{d:02d},EUR,USD,1.08{d:02d},1.09{d:02d}\n" for d in range(1, 20))
    assert model.analyze(rates).sentences == () and model.analyze(rates).overall is None
    prose = "The euro rose against the dollar, which pleased exporters."
    mixed = model.analyze(prose + "\n\n" + rates)
    assert [(s.start, s.end) for s in mixed.sentences] == [(0, len(prose))]
    assert mixed.overall == model.analyze(prose).overall
    assert not is_prose("07/19/2015 21:00:15.469,1.083") and is_prose("Q3 revenue rose 5%")
    analyzer = Analyzer.open(dirs=[tiny_root], threads=1)
    table = analyzer.analyze(rates + "10.20.30.40\n")
    assert table.sentiment is None and table.sentences == () and "IP" in {e.label for e in table.entities}
    for blank in ("", "   \n\t", "----- *** -----"):
        with pytest.raises(NoText):
            analyzer.analyze(blank)
    assert not issubclass(NoText, ValueError) and issubclass(NoText, AnalysisError)
    analyzer.sentiment.max_chars = 10
    with pytest.raises(TextTooLong, match="over the 10 analysed at most"):
        analyzer.analyze(prose)


def test_sentence_windows_agree_with_analysing_the_sentence_alone(tiny_root):
    model = SentimentModel.open([tiny_root])
    whole = model.analyze(TEXT)
    for s in whole.sentences:
        alone = model.analyze(TEXT[s.start:s.end])
        assert alone.overall.label == s.label and abs(alone.overall.score - s.score) < 1e-5


def test_entities_on_windowed_text_are_stable_where_windows_agree(tiny_root):
    model = EntityModel.open([tiny_root])
    ents = model.analyze(TEXT * 10)
    assert ents, "random tiny model still tags something"
    for a, b in zip(ents, ents[1:], strict=False):
        assert a.end <= b.start


def test_qa_answers_are_exact_slices_and_threshold_gives_no_answer(tiny_root):
    model = QAModel.open([tiny_root])
    context = TEXT * 8
    answers = model.ask("Who visited Paris?", context, top_k=5, threshold=0.0)
    assert 1 <= len(answers) <= 5
    assert [a.score for a in answers] == sorted((a.score for a in answers), reverse=True)
    for a in answers:
        assert context[a.start:a.end] == a.text
    assert model.ask("Who visited Paris?", context, threshold=1.01) == []


def test_qa_many_matches_one_by_one(tiny_root):
    model = QAModel.open([tiny_root])
    pairs = [("Who visited Paris?", TEXT), ("What was terrible?", TEXT * 3), ("Who said no?", "Acme said no.")]
    together = model.ask_many(pairs, threshold=0.0)
    alone = [model.ask(q, c, threshold=0.0) for q, c in pairs]
    assert [[(a.start, a.end) for a in r] for r in together] == [[(a.start, a.end) for a in r] for r in alone]


unicode_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=unicode_text)
def test_spans_are_valid_slices_for_arbitrary_unicode(tiny_models, text):
    ents = tiny_models["entities"].analyze(text)
    last = 0
    for e in ents:
        assert 0 <= e.start < e.end <= len(text) and e.start >= last
        assert text[e.start:e.end] == e.text and e.label in {"PER", "ORG", "LOC", "MISC"}
        last = e.end
    previous = 0
    for s, e in split_sentences(text):
        assert previous <= s < e <= len(text) and text[s:e].strip() == text[s:e]
        previous = e


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=unicode_text, context=unicode_text)
def test_answers_lie_inside_the_context_for_arbitrary_unicode(tiny_models, question, context):
    for a in tiny_models["qa"].ask(question, context, top_k=3, threshold=0.0):
        assert 0 <= a.start < a.end <= len(context) and context[a.start:a.end] == a.text


def test_answers_never_run_across_a_blank_line(tiny_models):
    """A heading glued to the next paragraph's first words is no answer (the tiny model proposes spans
    everywhere, so without the rule some of its 20 best cross a paragraph break)."""
    context = "\n\n".join(f"Heading {i}\n\nAlice met Bob in Paris on day {i} of the visit." for i in range(6))
    answers = tiny_models["qa"].ask("Who met Bob?", context, top_k=20, threshold=0.0)
    assert len(answers) >= 10  # 20 asked; spans inside (or around) a better one are not offered
    assert not [a.text for a in answers if "\n\n" in a.text]
    nested = [(a.text, b.text) for a in answers for b in answers
              if a is not b and b.start <= a.start and a.end <= b.end]
    assert not nested, nested


def test_answers_never_cut_an_email_or_iban_in_half(tiny_models):
    """The tiny model proposes spans everywhere; every answer holds a pattern entity whole or not at all."""
    from sqzdesk.engine.patterns import find_patterns

    context = " ".join(f"Write to anna.k{i}@mail.example.org or pay DE89 3704 0044 0532 0130 00 by Friday {i}."
                       for i in range(4))
    patterns = find_patterns(context)
    answers = tiny_models["qa"].ask("Where should I write?", context, top_k=20, threshold=0.0)
    assert len(answers) >= 10 and len({(a.start, a.end) for a in answers}) == len(answers)
    for a in answers:
        assert a.text == context[a.start:a.end]
        cut = [p.text for p in patterns if p.start < a.end and a.start < p.end
               and not (a.start <= p.start and p.end <= a.end)]
        assert not cut, (a.text, cut)


def test_a_question_longer_than_a_window_still_leaves_room_for_the_context(tiny_models):
    """The tiny bundle's windows hold 32 tokens: a long question is cut to half a window, not refused."""
    qa = tiny_models["qa"]
    question = "Who " + "really " * 60 + "agreed?"
    assert len(qa.tokenizer.encode(question)) > qa.max_length
    context = "Zurich and Swissair agreed."
    for a in qa.ask(question, context, top_k=3, threshold=0.0):
        assert context[a.start:a.end] == a.text
    assert qa.ask("0" * 29, "", top_k=3, threshold=0.0) == []


def test_lines_its_author_ended_are_read_alone_too(tiny_models):
    """Text written a line at a time: each line that fits a window is also read alone, and its tokens get
    the mean of both readings; prose without line breaks, and hard-wrapped lines, are read as before."""
    model = tiny_models["entities"]
    listed = "ESCHEN 1996\nIreland beat Malta\nCITIC Pacific said ."
    tokens = model.tokenizer.encode(listed)
    assert len(tokens) > model.max_length - 2  # the document needs two windows; each line fits one
    lines = model.line_windows(listed, tokens)
    assert len(lines) == 3 and [w.start for w in lines] == sorted(w.start for w in lines)
    assert lines[-1].end == len(tokens) and all(a.end == b.start for a, b in zip(lines, lines[1:], strict=False))
    for w in lines:  # each window holds exactly one line's tokens, at their places in the document
        covered = listed[tokens.offsets[w.start, 0]:tokens.offsets[w.end - 1, 1]]
        assert "\n" not in covered and covered in listed.split("\n")
    prose = listed.replace("\n", " ")
    assert model.line_windows(prose, model.tokenizer.encode(prose)) == []
    wrapped = ("The meeting with Chancellor Angela\nMerkel went well and everyone who\ncame to the talks was "
               "happy about\nthe outcome.")
    assert model.line_windows(wrapped, model.tokenizer.encode(wrapped)) == []  # one wrapped paragraph
    calls = []
    real_run = model.run
    model.run = lambda windows, *a, **k: calls.append(len(windows)) or real_run(windows, *a, **k)
    try:
        model.analyze(listed)
    finally:
        model.run = real_run
    assert calls == [len(model.windows([tokens])) + 3]  # one run: the document's windows and the lines'


def test_a_name_keeps_its_abbreviations_full_stop():
    text = "Norwest Corp. said Joseph Smith Jr. met the Corp ."
    words = [(m.start(), m.end(), tag, 0.9) for m, tag in zip(re.finditer(r"\w+|\.", text),
             ["B-ORG", "I-ORG", "O", "O", "B-PER", "I-PER", "I-PER", "O", "O", "O", "B-ORG", "O"], strict=True)]
    assert [e.text for e in decode_entities(text, words)] == ["Norwest Corp.", "Joseph Smith Jr.", "Corp"]


def test_a_capitalised_name_does_not_end_with_a_common_lower_case_word():
    """CoNLL annotates "South China" in "South China coast" and "First Union" in "First Union bank"; a name in
    lower case, a species name and a spaced hyphenated word keep their last word."""
    text = "South China coast , First Union bank , interior ministry , H. habilis , Inebu - hedj"
    tags = ["B-LOC", "I-LOC", "I-LOC", "O", "B-ORG", "I-ORG", "I-ORG", "O", "B-ORG", "I-ORG", "O",
            "B-MISC", "I-MISC", "O", "B-LOC", "I-LOC", "I-LOC"]
    words = [(m.start(), m.end(), tag, 0.9) for m, tag in zip(re.finditer(r"\S+", text), tags, strict=True)]
    assert [e.text for e in decode_entities(text, words)] == [
        "South China", "First Union", "interior ministry", "H. habilis", "Inebu - hedj"]


def test_a_name_does_not_end_inside_a_hyphenated_word():
    """"T-" of "T-bonds" is no name; "European Under-" of "European Under-21" is "European"."""
    text = "December T-bonds , European Under-21 side"
    tags = ["O", "B-MISC", "I-MISC", "O", "O", "B-MISC", "I-MISC", "I-MISC"]  # "T -" and "European Under -"
    pieces = [m for m in re.finditer(r"\w+|[^\w\s]", text)]
    words = [(m.start(), m.end(), tag, 0.9) for m, tag in zip(pieces, tags + ["O"] * (len(pieces) - len(tags)),
                                                               strict=True)]
    assert [(e.text, e.label) for e in decode_entities(text, words)] == [("European", "MISC")]


def test_a_regnal_number_belongs_to_the_persons_name():
    text = "Louis XIV met Queen Elizabeth I born there , and Smith I think ."
    tags = {"Louis": "B-PER", "Elizabeth": "B-PER", "Smith": "B-PER"}
    words = [(m.start(), m.end(), tags.get(m.group(), "O"), 0.9) for m in re.finditer(r"\S+", text)]
    assert [e.text for e in decode_entities(text, words)] == ["Louis XIV", "Elizabeth I", "Smith"]


def test_a_nickname_in_brackets_or_quotes_keeps_a_persons_name_whole():
    text = 'Alan John Percivale (A.J.P.) Taylor met Hector "Macho" Camacho; Smith ( Australia ) Jones'
    spans = {"Alan": "B-PER", "John": "I-PER", "Percivale": "I-PER", "A.J.P.": "B-ORG", "Taylor": "B-PER",
             "Hector": "B-PER", "Macho": "B-PER", "Camacho": "B-PER", "Smith": "B-PER", "Australia": "B-LOC",
             "Jones": "B-PER"}
    words = [(m.start(), m.end(), spans.get(m.group(), "O"), 0.9) for m in re.finditer(r"[\w.]+|[^\w\s]", text)]
    assert [(e.text, e.label) for e in decode_entities(text, words)] == [
        ("Alan John Percivale (A.J.P.) Taylor", "PER"), ('Hector "Macho" Camacho', "PER"), ("Smith", "PER"),
        ("Australia", "LOC"), ("Jones", "PER")]


def test_a_sports_name_alone_is_no_entity():
    text = "GOLF - HENKE TAKES LEAD IN MILWAUKEE"
    tags = {"GOLF": "B-LOC", "HENKE": "B-PER", "MILWAUKEE": "B-LOC"}
    words = [(m.start(), m.end(), tags.get(m.group(), "O"), 0.9) for m in re.finditer(r"\S+", text)]
    assert [e.text for e in decode_entities(text, words)] == ["HENKE", "MILWAUKEE"]
    car = "He drove a Golf ."
    assert [e.text for e in decode_entities(car, [(11, 15, "B-MISC", 0.9)])] == ["Golf"]  # the car is a name
