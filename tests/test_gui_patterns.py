"""Pattern entities (e-mail, phone, URL, IP, IBAN, card) in an open document, as the batch runner finds them.

The tiny models' entities are random, but pattern entities are exact, so these tests can say precisely
which highlights a document must show and where, across chunk boundaries and astral characters.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sqzdesk.engine.patterns import PatternScan, find_patterns

EMAIL, PHONE, IBAN = "anna.berg@example.org", "+44 20 7946 0958", "DE89 3704 0044 0532 0130 00"


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
