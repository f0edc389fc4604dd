"""Pattern entities (e-mail, phone, URL, IP, IBAN, card) in an open document, as the batch runner finds them.

The tiny models' entities are random, but pattern entities are exact, so these tests can say precisely
which highlights a document must show and where, across chunk boundaries and astral characters.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

from guikit import (
    NEWS,
    analyse_in_steps,
    applied,
    make_window,
    open_and_wait,
    reference_analyzer,
    selected_text,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, Qt

from sqzdesk.batch.runner import BatchRunner
from sqzdesk.batch.store import ResultStore
from sqzdesk.engine import Entity
from sqzdesk.engine.chunks import split_chunks
from sqzdesk.engine.patterns import (
    PATTERN_TYPES,
    PatternScan,
    find_patterns,
    merge_entities,
    patterns_touching,
)
from sqzdesk.gui.entity_panel import HINT
from sqzdesk.gui.entity_types import TYPE_NAMES
from sqzdesk.gui.settings import DEFAULT_COLOURS, SettingsStore
from sqzdesk.gui.settings_dialog import SettingsDialog
from sqzdesk.gui.worker import EngineConfig, WorkerHost

EMAIL, PHONE, IBAN = "anna.berg@example.org", "+44 20 7946 0958", "DE89 3704 0044 0532 0130 00"
SENSITIVE = (
    "🙂 Réunion 𝔘𝔫𝔦 notes.\n\n"
    f"Angela Merkel wrote to {EMAIL} and asked her to call {PHONE} before Friday.\n"
    f"The refund goes to IBAN {IBAN} at the Acme bank in Berlin.\n"
)


def spans(text: str, *found: tuple[str, str]) -> list[tuple[int, int, str]]:
    """(start, end, label) of each (exact substring, label), located in ``text``."""
    return sorted((text.index(s), text.index(s) + len(s), label) for s, label in found)


def patterns_of(items) -> list[tuple[int, int, str]]:
    return sorted((a, b, lab) for a, b, lab in items if lab in PATTERN_TYPES)


def as_tuples(entities) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label) for e in entities]


def chunkwise_reference(text: str, chunk_chars: int) -> list[Entity]:
    """What the window must hold for ``text``: the model's entities chunk by chunk (the engine's stream
    with no patterns), merged with the whole text's pattern entities by merge_entities."""
    analyzer = reference_analyzer()
    analyzer.chunk_chars = chunk_chars
    model = analyzer.analyze(text, patterns=()).entities
    return merge_entities(model, find_patterns(text))


# --- the scan: the whole text's patterns, found chunk by chunk ----------------------------------

PIECES = [EMAIL, PHONE, IBAN, "4111 1111 1111 1111", "192.168.0.1", "2001:db8::1", "https://x.org/a_(b)",
          "www.example.com", "212-555-0123", "0301234567", "030/1234567", "(212) 555-0123", "2023-01-15",
          "219-45-6789", "SSN", "JG103759A", "NHS no", "943 476 5919", "Passport no.", "L898902C3", "3 March 1961",
          "221B Baker Street", "Hauptstraße 12a",
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


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.integers(0, 400), st.integers(1, 60))
def test_patterns_touching_a_span_are_the_whole_texts(pieces, start, length):
    """What QA uses to keep answers from cutting an e-mail or IBAN in half: a local scan, same result."""
    text = "".join(pieces)
    start = min(start, max(0, len(text) - 1))
    end = min(len(text), start + length)
    assert patterns_touching(text, start, end) == [e for e in find_patterns(text) if e.start < end and e.end > start]


def test_scan_reads_the_context_before_a_line_like_the_detectors_do():
    # "Tel:" on the line before makes a bare digit string a phone; "version" before it, no IP.
    for text in ("Contact\nTel:\n0301234567 now", "Release version\n1.2.3.4 ships"):
        cut = text.index("\n", text.index("\n") + 1) if text.count("\n") > 1 else text.index("\n") + 1
        scan = PatternScan(text)
        parts = scan.overlapping(0, cut) + scan.overlapping(cut, len(text))
        assert parts == find_patterns(text)
    assert [e.text for e in find_patterns("Contact\nTel:\n0301234567 now")] == ["0301234567"]
    assert find_patterns("Release version\n1.2.3.4 ships") == []


# --- the worker thread --------------------------------------------------------------------------

def run_worker(qtbot, text: str, chunk_chars: int):
    host = WorkerHost(EngineConfig(threads=1, chunk_chars=chunk_chars))
    chunks = []
    host.chunk_ready.connect(lambda job, c: chunks.append(c))
    host.start()
    try:
        with qtbot.waitSignal(host.analysis_ready, timeout=30_000) as ready:
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
    text = "=" * 40 + "(212) 555-0123 is my number."
    chunks, whole = run_worker(qtbot, text, 41)  # the first chunk is "====…(": no words at all
    assert [(c.start, c.end) for c in chunks] == [(0, 41), (41, len(text))]
    assert patterns_of(as_tuples(chunks[0].entities)) == [(40, 54, "PHONE")] and not chunks[0].sentences
    assert list(whole.entities) == chunkwise_reference(text, 41)


def test_a_document_without_words_still_fails_like_a_batch(qtbot):
    host = WorkerHost(EngineConfig(threads=1))
    chunks = []
    host.chunk_ready.connect(lambda job, c: chunks.append(c))
    host.start()
    try:
        with qtbot.waitSignal(host.failed, timeout=30_000) as failed:
            host.analyse(3, "---- ==== ----")
    finally:
        host.shutdown()
    assert "no text to analyse" in failed.args[1] and chunks == []


# --- the window -------------------------------------------------------------------------------

MODEL_GROUPS = (("PER", "People"), ("ORG", "Organisations"), ("LOC", "Places"), ("MISC", "Other names"))


def test_document_highlights_lists_and_hides_pattern_entities(qtbot, tmp_path):
    path = tmp_path / "sensitive.txt"
    path.write_text(SENSITIVE, encoding="utf-8")
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    view, panel = tab.view, tab.entity_panel
    expected = spans(SENSITIVE, (EMAIL, "EMAIL"), (PHONE, "PHONE"), (IBAN, "IBAN"))
    assert SENSITIVE.index(EMAIL) > SENSITIVE.index("🙂")  # UTF-16 positions differ from code points
    assert patterns_of(applied(view, "entity")) == expected
    for start, end, _ in expected:
        assert selected_text(view, start, end) == SENSITIVE[start:end]
    assert "3 by pattern" in tab.state_label.text()

    # each type its own colour, and its own group in the panel, after the model's types
    colours = {view.colour_of(lab) for lab in ("PER", "ORG", "LOC", "MISC", "EMAIL", "PHONE", "IBAN")}
    assert len(colours) == 7 and view.colour_of("IBAN") == DEFAULT_COLOURS["IBAN"]
    panel.finish()
    groups = [panel.tree.topLevelItem(i).text(0) for i in range(panel.tree.topLevelItemCount())]
    # found types first in display order, then the model's empty ones, greyed (the list is short beside
    # the batch dock: its rows in sight should be found ones; "People 0" still says none was found)
    found = [name for label, name in MODEL_GROUPS if panel.count(label)]
    empty = [name for label, name in MODEL_GROUPS if not panel.count(label)]
    assert groups == [*found, "E-mail addresses", "Phone numbers", "IBANs", *empty] and empty and found
    greyed = {panel.tree.topLevelItem(i).text(0) for i in range(len(groups))
              if panel.tree.topLevelItem(i).data(0, Qt.ItemDataRole.ForegroundRole) is not None}
    assert greyed == set(empty)
    for text, label in ((EMAIL, "EMAIL"), (PHONE, "PHONE"), (IBAN, "IBAN")):
        assert panel.count(label) == 1 and panel._groups[label].text(1) == "1"
        assert panel.row(label, text) is not None
    # one line of help under the list (its room is short with the batch dock open), the whole help on hover
    assert panel.note.text() == HINT and "right-click" in panel.tree.toolTip()

    row = panel.row("IBAN", IBAN)
    panel.tree.scrollToItem(row)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=panel.tree.visualItemRect(row).center())
    view.flush()
    iban = (SENSITIVE.index(IBAN), SENSITIVE.index(IBAN) + len(IBAN))
    assert [(a, b) for a, b, _ in applied(view, "mark")] == [iban] and view.selected_span() == iban
    assert "pattern match" in row.toolTip(0) and "score" not in row.toolTip(0)

    point = view.cursorRect(view.cursor_for(iban[0] + 2, iban[0] + 2)).center() + QPoint(2, 0)
    tip = view.tooltip_at(point)
    assert tip is not None and "IBAN" in tip and "checksum valid" in tip and "score" not in tip

    panel._groups["IBAN"].setCheckState(0, Qt.CheckState.Unchecked)
    view.flush()
    assert "IBAN" in window.settings.hidden_types and "IBAN" in window.store.load().hidden_types
    assert patterns_of(applied(view, "entity")) == [s for s in expected if s[2] != "IBAN"]
    assert view.tooltip_at(point) is None
    panel._groups["IBAN"].setCheckState(0, Qt.CheckState.Checked)
    view.flush()
    assert patterns_of(applied(view, "entity")) == expected


def test_window_entities_are_the_batch_runners_for_the_same_file(qtbot, tmp_path):
    path = tmp_path / "sensitive.txt"
    path.write_text(SENSITIVE, encoding="utf-8")
    with ResultStore(tmp_path / "store.sqlite3") as store:
        result = BatchRunner(reference_analyzer(), store).process(path)
    assert result is not None and not result.failed
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    assert tuple(tab.entities) == result.entities and tab.analysis == result.analysis
    assert patterns_of(as_tuples(tab.entities)) == spans(SENSITIVE, (EMAIL, "EMAIL"), (PHONE, "PHONE"),
                                                         (IBAN, "IBAN"))
    assert [(a, b, lab) for a, b, lab in applied(tab.view, "entity")] == sorted(as_tuples(result.entities))


def test_window_shows_a_pattern_across_a_chunk_boundary_once(qtbot, tmp_path):
    text = "Angela Merkel visited the Acme factory in Berlin and " * 4 + f"pays {IBAN} now.\n"
    size = text.index("0532") + 3
    assert any(text.index(IBAN) < c.end < text.index(IBAN) + len(IBAN) for c in split_chunks(text, size))
    path = tmp_path / "chunks.txt"
    path.write_text(text)
    window = make_window(qtbot)
    window.host.configure(replace(window._engine_config(), chunk_chars=size))
    tab = open_and_wait(qtbot, window, path)
    assert tab.chunks_done == len(split_chunks(text, size)) > 1
    assert patterns_of(applied(tab.view, "entity")) == spans(text, (IBAN, "IBAN"))
    assert applied(tab.view, "entity") == sorted(as_tuples(chunkwise_reference(text, size)))
    assert tab.entity_panel.count("IBAN") == 1


def test_a_document_dense_with_patterns_arrives_in_steps_with_the_gui_running_between(qtbot, tmp_path):
    """Thousands of pattern entities (their own highlights and panel rows) on top of the model's: still
    one signal per chunk, and the GUI's event loop turns between any two of them."""
    out, k = [], 0
    while sum(map(len, out)) < 60_000:
        out.append(f"Section {k}. Mail user{k}@example{k % 50}.org or call +44 20 7946 {k % 10000:04d}; server "
                   f"10.0.{k % 256}.{k * 7 % 256}, see https://example.org/item/{k}. " + NEWS.split("\n\n")[k % 3])
        k += 1
    path = tmp_path / "dense.txt"
    path.write_text("\n\n".join(out))
    window = make_window(qtbot)
    tab, steps = analyse_in_steps(qtbot, window, path)
    assert sum(e.label in PATTERN_TYPES for e in tab.entities) == 4 * len(out)
    assert steps.spans == [(c.start, c.end) for c in split_chunks(tab.document.text)] and len(steps.spans) > 10
    assert all(turns >= 1 for turns in steps.turns_between_chunks())


# --- settings ---------------------------------------------------------------------------------

def test_settings_from_before_patterns_load_and_cover_the_new_types(qtbot, tmp_path):
    old = {"threads": 1, "hidden_types": ["MISC"], "zoom": 1, "sentiment_tint": True,
           "colours": {"PER": "#123456", "ORG": "#74c0fc", "LOC": "#8ce99a", "MISC": "#d0bfff"}}
    store = SettingsStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(json.dumps(old))
    loaded = store.load()
    assert loaded.colours == {**DEFAULT_COLOURS, "PER": "#123456"} and loaded.hidden_types == ("MISC",)
    assert set(PATTERN_TYPES) <= set(loaded.colours)

    path = tmp_path / "sensitive.txt"
    path.write_text(SENSITIVE, encoding="utf-8")
    window = make_window(qtbot, **{"hidden_types": ("MISC",), "colours": loaded.colours})
    tab = open_and_wait(qtbot, window, path)
    assert tab.view.colour_of("EMAIL") == DEFAULT_COLOURS["EMAIL"] and tab.view.colour_of("PER") == "#123456"

    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    for label in PATTERN_TYPES:
        assert dialog.shown[label].text() == f"{TYPE_NAMES[label]} ({label})" and dialog.shown[label].isChecked()
    assert not dialog.shown["MISC"].isChecked()
    dialog.shown["EMAIL"].setChecked(False)
    dialog._colours["PHONE"] = "#abcdef"
    window.apply_settings(dialog.result_settings())
    tab.view.flush()
    assert set(window.store.load().hidden_types) == {"MISC", "EMAIL"}
    assert patterns_of(applied(tab.view, "entity")) == spans(SENSITIVE, (PHONE, "PHONE"), (IBAN, "IBAN"))
    assert tab.view.colour_of("PHONE") == "#abcdef"
    assert tab.entity_panel._groups["EMAIL"].checkState(0) == Qt.CheckState.Unchecked


def test_without_an_entity_model_patterns_are_still_found(qtbot, tmp_path, tiny_copy, monkeypatch):
    shutil.rmtree(tiny_copy / "tiny-entities")
    monkeypatch.setenv("SQZDESK_MODEL_PATH", str(tiny_copy))
    path = tmp_path / "sensitive.txt"
    path.write_text(SENSITIVE, encoding="utf-8")
    window = make_window(qtbot)
    tab = open_and_wait(qtbot, window, path)
    expected = spans(SENSITIVE, (EMAIL, "EMAIL"), (PHONE, "PHONE"), (IBAN, "IBAN"))
    assert applied(tab.view, "entity") == expected  # no model entities at all, only the rules'
    panel = tab.entity_panel
    panel.finish()
    assert panel.tree.isEnabled() and "No entity model" in panel.note.text()
    shown = [panel.tree.topLevelItem(i) for i in range(panel.tree.topLevelItemCount())]
    assert [g.text(0) for g in shown if not g.isHidden()] == ["E-mail addresses", "Phone numbers", "IBANs"]
