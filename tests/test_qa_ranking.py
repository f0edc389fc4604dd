"""Questions on long contexts read only the windows that rank best against the question (BM25)."""

from __future__ import annotations

import numpy as np

from sqzdesk.engine import QAModel
from sqzdesk.engine.qa import CACHED_CONTEXTS, READ_WINDOWS, bm25, rank_windows
from sqzdesk.engine.tokens import PIECE_CHARS

FILLER = "The committee discussed the budget and the weather at length. "
NEEDLE = "Zanzibar exports cloves through the harbour of Stone Town. "


def test_bm25_prefers_the_passage_with_the_rare_question_words():
    passages = [np.array([1, 2, 3, 4, 2, 3]), np.array([1, 2, 9, 7, 3]), np.array([1, 2, 3, 3, 4])]
    scores = bm25(passages, np.array([2, 9, 9]))  # 2 is everywhere (no weight), 9 only in the second
    assert int(np.argmax(scores)) == 1


def test_a_long_context_is_answered_from_a_few_ranked_windows(tiny_models):
    qa = tiny_models["qa"]
    context = FILLER * 20 + NEEDLE + FILLER * 20
    read: list[int] = []
    original = qa.run

    def counting(windows, *args, **kwargs):
        read.append(len(windows))
        return original(windows, *args, **kwargs)

    qa.run = counting
    try:
        qa.ask("What does Zanzibar export?", context, threshold=0.0)
        ranked = sum(read)
        read.clear()
        qa.ask("What does Zanzibar export?", context, threshold=0.0, read_all=True)
        everything = sum(read)
    finally:
        qa.run = original
    assert ranked == READ_WINDOWS < everything

    tokens = qa.tokenizer.encode(context)
    question = qa.tokenizer.encode("What does Zanzibar export?").ids
    windows = qa.windows([tokens], [question])
    best = rank_windows(windows, tokens, question)[0]
    start, end = int(tokens.offsets[best.start, 0]), int(tokens.offsets[best.end - 1, 1])
    assert "Zanzibar" in context[start:end]


def test_a_short_context_is_read_whole(tiny_models):
    qa = tiny_models["qa"]
    tokens = qa.tokenizer.encode("Cloves come from Stone Town.")
    question = qa.tokenizer.encode("Where?").ids
    windows = qa.windows([tokens], [question])
    assert len(windows) <= READ_WINDOWS and rank_windows(windows, tokens, question) == windows


def test_a_long_context_is_encoded_once_for_the_questions_that_follow(tiny_models):
    """A follow-up question on the same long text reuses its tokens (on a 1 MB text encoding was most of
    a question's time); another text is encoded, and only the last CACHED_CONTEXTS are kept."""
    qa = QAModel(tiny_models["qa"].bundle)
    encoded: list[str] = []
    original = qa.tokenizer.encode

    def counting(text):
        encoded.append(text)
        return original(text)

    qa.tokenizer.encode = counting  # type: ignore[method-assign]
    long_text = FILLER * 100 + NEEDLE + FILLER * 100  # over a tokenizer piece: kept
    other = NEEDLE + FILLER * 200
    assert len(long_text) > PIECE_CHARS and CACHED_CONTEXTS == 2
    first = qa.ask("What does Zanzibar export?", long_text, threshold=0.0)
    again = qa.ask("What does Zanzibar export?", long_text, threshold=0.0)
    assert again == first
    assert encoded.count(long_text) == 1  # the context once, the question twice
    qa.ask("Where is Stone Town?", long_text[:200], threshold=0.0)  # a short context: encoded each time
    qa.ask("Where is Stone Town?", long_text[:200], threshold=0.0)
    assert encoded.count(long_text[:200]) == 2
    qa.ask("Who discussed the budget?", other, threshold=0.0)
    qa.ask("Who discussed the weather?", long_text.upper(), threshold=0.0)  # a third long text: the first goes
    qa.ask("Who discussed the budget?", long_text, threshold=0.0)
    assert encoded.count(long_text) == 2 and encoded.count(long_text.upper()) == 1
    assert list(qa._contexts) == [long_text.upper(), long_text]
    tokens = qa._contexts[long_text]
    assert not tokens.ids.flags.writeable  # shared by the next question: read-only
