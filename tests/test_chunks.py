"""Where the engine cuts a long document into chunks (engine.chunks; every caller streams through it)."""

from __future__ import annotations

from sqzdesk.engine import Analysis, Entity, SentenceSentiment, Sentiment
from sqzdesk.engine.chunks import CHUNK_CHARS, split_chunks


def test_chunks_cover_the_text_and_end_at_paragraphs():
    para = "Angela Merkel visited Paris. The film was great.\n\n"
    text = para * 300
    chunks = split_chunks(text)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(chunks, chunks[1:], strict=False))
    assert all(0 < c.end - c.start <= CHUNK_CHARS for c in chunks)
    assert all(text[c.end - 2:c.end] == "\n\n" for c in chunks[:-1])  # cut at blank lines
    assert split_chunks("") == split_chunks("")[:1] and len(split_chunks("short")) == 1


def test_chunks_fall_back_to_sentence_then_space_boundaries():
    text = "This is one sentence. " * 400  # no newlines at all
    chunks = split_chunks(text, target=1000)
    assert all(text[c.end - 2:c.end] == ". " for c in chunks[:-1])
    words = "word " * 1000
    assert all(words[c.end - 1] == " " for c in split_chunks(words, target=1000)[:-1])
    solid = "x" * 2500
    assert [c.end - c.start for c in split_chunks(solid, target=1000)] == [1000, 1000, 500]


def test_shifted_moves_every_offset_and_keeps_the_sentiment():
    a = Analysis(Sentiment("positive", 0.9), (SentenceSentiment(0, 10, "positive", 0.9),),
                 (Entity(2, 5, "PER", "Ann", 0.8),))
    moved = a.shifted(100)
    assert moved.sentences[0].start == 100 and moved.entities[0].end == 105 and moved.sentiment == a.sentiment
    assert a.shifted(0) is a
