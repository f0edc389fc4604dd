"""Pattern entities (e-mail, phone, URL, IP, IBAN, card) in an open document, as the batch runner finds them.

The tiny models' entities are random, but pattern entities are exact, so these tests can say precisely
which highlights a document must show and where, across chunk boundaries and astral characters.
"""

from __future__ import annotations

import contextlib

from guikit import reference_analyzer
from hypothesis import given, settings
from hypothesis import strategies as st

from sqzdesk.engine import Analysis, Entity
from sqzdesk.engine.patterns import PATTERN_TYPES, PatternScan, find_patterns, merge_entities
from sqzdesk.gui.chunking import Chunk, shift, split_chunks, with_chunk_patterns
from sqzdesk.gui.worker import EngineConfig, WorkerHost

EMAIL, PHONE, IBAN = "anna.berg@example.org", "+44 20 7946 0958", "DE89 3704 0044 0532 0130 00"


def spans(text: str, *found: tuple[str, str]) -> list[tuple[int, int, str]]:
    """(start, end, label) of each (exact substring, label), located in ``text``."""
    return sorted((text.index(s), text.index(s) + len(s), label) for s, label in found)


def patterns_of(items) -> list[tuple[int, int, str]]:
    return sorted((a, b, lab) for a, b, lab in items if lab in PATTERN_TYPES)


def as_tuples(entities) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label) for e in entities]


def chunkwise_reference(text: str, chunk_chars: int) -> list[Entity]:
    """What the window must hold for ``text``: the engine's entities chunk by chunk (as the GUI
    analyses), merged with the whole text's pattern entities by the batch runner's merge_entities."""
    analyzer = reference_analyzer()
    model = []
    for c in split_chunks(text, chunk_chars):
        with contextlib.suppress(ValueError):  # a chunk without words
            model.extend(shift(analyzer.analyze(text[c.start:c.end]), c.start).entities)
    return merge_entities(model, find_patterns(text))


# --- the scan: the whole text's patterns, found chunk by chunk ----------------------------------

PIECES = [EMAIL, PHONE, IBAN, "4111 1111 1111 1111", "192.168.0.1", "2001:db8::1", "https://x.org/a_(b)",
          "www.example.com", "555-123-4567", "0301234567", "030/1234567", "(555) 123-4567", "2023-01-15",
          "1.2.3.4", "Tel:", "Tel:\n", "phone", "version", "version\n", "v", "Call", "GB82WEST12345698765432", "12", "word", "Ann",
          " ", " ", " ", "\n", "\n\n", "\r\n", ":", ".", ",", "(", ")", "-", "/", "+", "🙂", "𝔘"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.lists(st.integers(0, 400), max_size=8),
       st.lists(st.integers(0, 12), max_size=4), st.booleans())
def test_scan_gives_exactly_the_whole_texts_patterns_for_any_chunks(pieces, cuts, line_cuts, backwards):
    text = "".join(pieces)
    whole = find_patterns(text)
    lines = [i + 1 for i, ch in enumerate(text) if ch == "\n"]  # chunks often end just after a line
    cuts = [*cuts, *(lines[k] for k in line_cuts if k < len(lines))]
    bounds = sorted({0, len(text), *(c for c in cuts if c < len(text))})
    ranges = list(zip(bounds, bounds[1:], strict=False))
    scan = PatternScan(text)
    for start, end in reversed(ranges) if backwards else ranges:
        assert scan.overlapping(start, end) == [e for e in whole if e.start < end and e.end > start]
    assert scan.all() == whole


def test_scan_reads_the_context_before_a_line_like_the_detectors_do():
    # "Tel:" on the line before makes a bare digit string a phone; "version" before it, no IP.
    for text in ("Contact\nTel:\n0301234567 now", "Release version\n1.2.3.4 ships"):
        cut = text.index("\n", text.index("\n") + 1) if text.count("\n") > 1 else text.index("\n") + 1
        scan = PatternScan(text)
        parts = scan.overlapping(0, cut) + scan.overlapping(cut, len(text))
        assert parts == find_patterns(text)
    assert [e.text for e in find_patterns("Contact\nTel:\n0301234567 now")] == ["0301234567"]
    assert find_patterns("Release version\n1.2.3.4 ships") == []


def test_chunk_merge_is_the_batch_merge_and_a_straddling_pattern_comes_once():
    text = f"Pay {IBAN} today, Anna."
    cut = text.index("0532")  # the IBAN runs across the chunk boundary
    chunks = [Chunk(0, cut), Chunk(cut, len(text))]
    model = [Entity(0, 3, "ORG", "Pay", 0.6), Entity(4, 8, "ORG", "DE89", 0.7),  # fragment, chunk 1
             Entity(cut, cut + 4, "MISC", "0532", 0.5),                          # fragment, chunk 2
             Entity(text.index("Anna"), text.index("Anna") + 4, "PER", "Anna", 0.9)]
    scan = PatternScan(text)
    out = []
    for c in chunks:
        part = Analysis(entities=tuple(e for e in model if c.start <= e.start < c.end))
        out.extend(with_chunk_patterns(part, scan.overlapping(c.start, c.end), c).entities)
    assert out == merge_entities(model, find_patterns(text))
    assert as_tuples(out) == [(0, 3, "ORG"), (4, 4 + len(IBAN), "IBAN"), (out[2].start, out[2].end, "PER")]


# --- the worker thread --------------------------------------------------------------------------

def run_worker(qtbot, text: str, chunk_chars: int):
    host = WorkerHost(EngineConfig(threads=1, chunk_chars=chunk_chars))
    chunks = []
    host.worker.chunk_ready.connect(lambda doc_id, c: chunks.append(c))
    host.start()
    try:
        with qtbot.waitSignal(host.worker.analysis_ready, timeout=20_000) as ready:
            host.analyse(1, text)
        qtbot.waitUntil(lambda: host.idle)
    finally:
        host.shutdown()
    return chunks, ready.args[1].analysis


def test_worker_finds_patterns_across_chunk_boundaries_once_with_exact_offsets(qtbot):
    lead = "Angela Merkel visited the Acme factory in Berlin and praised the staff there " * 3
    text = f"{lead}Write to {EMAIL} and pay {IBAN} or call {PHONE} today.\n\nThe end."
    size = text.index("0532") + 3  # the last space before the limit is inside the IBAN
    boundaries = [c.end for c in split_chunks(text, size)[:-1]]
    iban = (text.index(IBAN), text.index(IBAN) + len(IBAN))
    assert any(iban[0] < b < iban[1] for b in boundaries), "the test needs a cut inside the IBAN"
    chunks, whole = run_worker(qtbot, text, size)
    assert len(chunks) == len(boundaries) + 1
    expected = spans(text, (EMAIL, "EMAIL"), (IBAN, "IBAN"), (PHONE, "PHONE"))
    assert patterns_of(as_tuples(whole.entities)) == expected
    assert [e.text for e in whole.entities if e.label == "IBAN"] == [IBAN]
    assert list(whole.entities) == chunkwise_reference(text, size)
    assert list(whole.entities) == sorted(whole.entities, key=lambda e: (e.start, e.end))
    assert not [e for e in whole.entities if e.label not in PATTERN_TYPES and e.start < iban[1] and iban[0] < e.end]


def test_a_pattern_starting_in_a_chunk_without_words_is_kept(qtbot):
    text = "=" * 40 + "(555) 123-4567 is my number."
    chunks, whole = run_worker(qtbot, text, 41)  # the first chunk is "====…(": no words at all
    assert [(c.start, c.end) for c in chunks] == [(0, 41), (41, len(text))]
    assert as_tuples(chunks[0].analysis.entities) == [(40, 54, "PHONE")] and not chunks[0].analysis.sentences
    assert list(whole.entities) == chunkwise_reference(text, 41)


def test_a_document_without_words_still_fails_like_a_batch(qtbot):
    host = WorkerHost(EngineConfig(threads=1))
    chunks = []
    host.worker.chunk_ready.connect(lambda doc_id, c: chunks.append(c))
    host.start()
    try:
        with qtbot.waitSignal(host.worker.failed, timeout=10_000) as failed:
            host.analyse(3, "---- ==== ----")
    finally:
        host.shutdown()
    assert "no text to analyse" in failed.args[1] and chunks == []
