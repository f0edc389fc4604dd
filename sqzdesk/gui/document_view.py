"""The document text with entity highlights, sentence tint and the spans the user asked to see.

Highlights are ``QTextEdit.ExtraSelection`` layers, not formats written into the document: results
arrive chunk by chunk and can be filtered or recoloured at any time without touching the text.
Layers, bottom to top: the parts of a Word file kept apart from its body (headers, notes, comments, text
boxes: a grey ground; their label starts them in the text), sentence tint (by sentiment, or by a custom classifier's labels), entities (one colour per type; the model's names underlined,
pattern matches such as e-mail addresses and IBANs underlined with dashes), the analyst's spans that no
model or rule found (added, or a rejected repeat), "marked" spans (every mention of the entity the user
picked). A reviewed span is drawn by its verdict: accepted boxed (lines above and below, in green),
rejected struck through and greyed, added with a dotted purple underline.

Only the spans in and around the visible part of the text become extra selections. A long document
analysed by the tiny test models has tens of thousands of entities, and building a Qt object for each
on the GUI thread would stall it; the visible window holds a few hundred at most, so the cost of a
refresh does not grow with the document. Scrolling, resizing and zooming refresh the window.

All offsets in this class's API are the engine's code point offsets; the conversion to Qt's UTF-16
cursor positions happens here and only here (:class:`~sqzdesk.gui.offsets.Utf16Map`).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence

from PySide6.QtCore import QEvent, QPoint, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHelpEvent,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

from sqzdesk.batch.decisions import Decision, Verdict
from sqzdesk.documents import Part, PartKind
from sqzdesk.engine import Entity, SentenceSentiment
from sqzdesk.engine.results import Classification, SentenceClasses
from sqzdesk.gui.entity_types import is_pattern, provenance, term_list_of
from sqzdesk.gui.offsets import Utf16Map

# Marks on a format saying which layer a selection belongs to (tests and tooltips read them back).
LAYER = QTextFormat.Property.UserProperty + 1
ENTITY_LABEL = QTextFormat.Property.UserProperty + 2
REVIEW = QTextFormat.Property.UserProperty + 3   # the verdict drawn ("" when not reviewed)
ACCEPTED_COLOUR = "#146c43"
ACCEPTED_TEXT = "#0a3622"
ADDED_COLOUR = "#6f42c1"
REJECTED_TEXT = "#6c757d"
_SEP = "\x1f"  # between a label and its verdict in a layer's style key
TINT = {"positive": "#e3f6e8", "negative": "#fde4e4"}
MARK_COLOUR = "#ffd43b"
PART_COLOUR = "#e9ecef"  # the ground of text that is not the body (a footnote, a comment...)
BASE_POINT_SIZE = 11
REFRESH_MS = 30
MARGIN = 1500  # UTF-16 units highlighted beyond each edge of the view, so small scrolls look finished


def display_text(text: str) -> str:
    """The text as handed to Qt, with the same UTF-16 length as the engine's text.

    Qt turns "\\r\\n" into one paragraph break, which would shift every later offset, so a CR before a
    LF becomes a space and a lone CR a line break (the readers already normalise newlines; this keeps
    offsets exact for any text the view is given).
    """
    if "\r" not in text:
        return text
    return re.sub(r"\r(?=\n)", " ", text).replace("\r", "\n")


def style_key(label: str, verdict: Verdict | None) -> str:
    return label if verdict is None else f"{label}{_SEP}{verdict.value}"


def split_key(key: str) -> tuple[str, Verdict | None]:
    label, _, verdict = key.partition(_SEP)
    return label, Verdict(verdict) if verdict else None


class SpanLayer:
    """Non-overlapping spans in UTF-16 positions, kept sorted, each with a style key."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.keys: list[str] = []

    def __len__(self) -> int:
        return len(self.starts)

    def extend(self, spans: Iterable[tuple[int, int, str]]) -> None:
        new = sorted(spans)
        if not new:
            return
        if self.starts and new[0][0] < self.starts[-1]:
            new = sorted([*zip(self.starts, self.ends, self.keys, strict=True), *new])
            self.starts, self.ends, self.keys = [], [], []
        for start, end, key in new:
            self.starts.append(start)
            self.ends.append(end)
            self.keys.append(key)

    def index_of(self, start: int, end: int) -> int | None:
        """The index of the span [start, end), if the layer has it."""
        k = bisect_left(self.starts, start)
        while k < len(self.starts) and self.starts[k] == start:
            if self.ends[k] == end:
                return k
            k += 1
        return None

    def between(self, lo: int, hi: int) -> Iterator[tuple[int, int, int, str]]:
        """(index, start, end, key) of the spans that intersect [lo, hi)."""
        i = bisect_right(self.ends, lo)
        stop = bisect_left(self.starts, hi)
        for k in range(i, stop):
            yield k, self.starts[k], self.ends[k], self.keys[k]


class DocumentView(QPlainTextEdit):
    """Read-only text of one document; knows its entities and sentences for highlights and tooltips."""

    zoom_changed = Signal(int)

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = text
        self.offsets = Utf16Map(text)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setAcceptDrops(False)  # dropped files go to the window, which opens them
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.document().setDocumentMargin(18)
        self.setPlainText(display_text(text))
        self._zoom = 0
        self._apply_font()
        # Keep a picked span visibly selected while the user clicks around in the side panel.
        pal = self.palette()
        for role in (QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText):
            pal.setColor(QPalette.ColorGroup.Inactive, role, pal.color(QPalette.ColorGroup.Active, role))
        self.setPalette(pal)

        self._entities: list[Entity] = []           # sorted by start, for tooltips and lookups
        self._entity_starts: list[int] = []
        self._found: dict[tuple[int, int], Entity] = {}     # span -> entity, for decisions and lookups
        self._decisions: dict[tuple[int, int], Decision] = {}
        self._parts: list[Part] = []               # the non-body parts, in order, for tooltips
        self.layers = {"part": SpanLayer(), "tint": SpanLayer(), "ctint": SpanLayer(), "entity": SpanLayer(), "review": SpanLayer(),
                       "mark": SpanLayer()}
        self._classes: list[SentenceClasses] = []   # every sentence's custom classes, for the class tint
        self._class_tint = ""                        # the classifier whose labels tint the sentences
        self._class_colours: dict[str, str] = {}
        self._formats: dict[tuple[str, str], QTextCharFormat] = {}
        self._cache: dict[tuple[str, int], QTextEdit.ExtraSelection] = {}
        self._colours: dict[str, str] = {}
        self._hidden: set[str] = set()
        self._tint_on = True
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh.timeout.connect(self._apply_layers)
        self._scrolled = QTimer(self, singleShot=True, interval=0)
        self._scrolled.timeout.connect(self._apply_layers)
        self.verticalScrollBar().valueChanged.connect(lambda _: self._scrolled.start())

    # --- offsets ---------------------------------------------------------------------------------

    def cursor_for(self, start: int, end: int) -> QTextCursor:
        """A cursor selecting code points [start, end) of the engine's text."""
        return self._cursor_u16(self.offsets.to_utf16(start), self.offsets.to_utf16(end))

    def _cursor_u16(self, start: int, end: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def span_of(self, cursor: QTextCursor) -> tuple[int, int]:
        """The code point span a cursor selects."""
        return (self.offsets.to_code_point(cursor.selectionStart()),
                self.offsets.to_code_point(cursor.selectionEnd()))

    def selected_span(self) -> tuple[int, int] | None:
        cursor = self.textCursor()
        return self.span_of(cursor) if cursor.hasSelection() else None

    # --- results ---------------------------------------------------------------------------------

    def set_style(self, colours: dict[str, str], hidden: Iterable[str], tint: bool) -> None:
        """Entity colours, hidden entity types, sentence tint on/off (from the settings)."""
        colours = dict(colours)
        if colours != self._colours:
            self._colours = colours
            self._formats.clear()
            self._cache.clear()
        self._hidden = set(hidden)
        self._tint_on = tint
        self._schedule()

    def colour_of(self, label: str) -> str:
        return self._colours.get(label, "#dee2e6")

    @property
    def entities(self) -> list[Entity]:
        return self._entities

    @property
    def found(self) -> dict[tuple[int, int], Entity]:
        """Found entities by span (the first one found on a span)."""
        return self._found

    @property
    def decisions(self) -> dict[tuple[int, int], Decision]:
        return self._decisions

    def add_entities(self, entities: Sequence[Entity]) -> None:
        if not entities:
            return
        entities = sorted(entities, key=lambda e: e.start)
        if self._entities and entities[0].start < self._entities[-1].start:
            self._entities = sorted([*self._entities, *entities], key=lambda e: e.start)
            self._entity_starts = [e.start for e in self._entities]
            self._cache = {k: v for k, v in self._cache.items() if k[0] != "entity"}  # indices moved
        else:
            self._entities.extend(entities)
            self._entity_starts.extend(e.start for e in entities)
        for e in entities:
            self._found.setdefault((e.start, e.end), e)
        u16 = self.offsets.to_utf16
        verdict = self._verdict
        self.layers["entity"].extend((u16(e.start), u16(e.end), style_key(e.label, verdict(e.start, e.end)))
                                     for e in entities)
        if any((e.start, e.end) in self._decisions for e in entities):
            self._rebuild_review()  # a decision restored before its entity arrived is drawn on the entity now
        self._schedule()

    def _verdict(self, start: int, end: int) -> Verdict | None:
        d = self._decisions.get((start, end))
        return d.verdict if d is not None else None

    # --- review decisions ------------------------------------------------------------------------

    def set_decisions(self, decisions: dict[tuple[int, int], Decision]) -> None:
        """Draw these decisions (all of the document's; replaces what was drawn)."""
        old = self._decisions
        self._decisions = dict(decisions)
        for span in set(old) | set(self._decisions):
            if span in self._found:
                self._restyle_found(span)
        self._rebuild_review()
        self._schedule()

    def set_decision(self, start: int, end: int, decision: Decision | None) -> None:
        """One span's decision changed (None: undone)."""
        if decision is None:
            self._decisions.pop((start, end), None)
        else:
            self._decisions[(start, end)] = decision
        if (start, end) in self._found:
            self._restyle_found((start, end))
        else:
            self._rebuild_review()
        self._schedule()

    def _restyle_found(self, span: tuple[int, int]) -> None:
        """Every layer span of a found entity on ``span`` gets its verdict's style."""
        u16 = self.offsets.to_utf16
        layer = self.layers["entity"]
        k = layer.index_of(u16(span[0]), u16(span[1]))
        while k is not None and k < len(layer) and (layer.starts[k], layer.ends[k]) == (u16(span[0]), u16(span[1])):
            label, _ = split_key(layer.keys[k])
            layer.keys[k] = style_key(label, self._verdict(*span))
            self._cache.pop(("entity", k), None)
            k += 1

    def _rebuild_review(self) -> None:
        """The layer of decided spans that no model or rule found (few: rebuilt whole)."""
        u16 = self.offsets.to_utf16
        self.layers["review"] = SpanLayer()
        self.layers["review"].extend((u16(a), u16(b), style_key(d.label, d.verdict))
                                     for (a, b), d in self._decisions.items() if (a, b) not in self._found)
        self._cache = {k: v for k, v in self._cache.items() if k[0] != "review"}

    def decision_at(self, offset: int) -> Decision | None:
        """The decision on a span nothing found that covers code point ``offset``."""
        for (start, end), d in self._decisions.items():
            if start <= offset < end and (start, end) not in self._found:
                return d
        return None

    def add_sentences(self, sentences: Sequence[SentenceSentiment], neutral_below: float) -> None:
        """Tint confident sentences; uncertain ones (score under ``neutral_below``) stay untinted."""
        u16 = self.offsets.to_utf16
        self.layers["tint"].extend((u16(s.start), u16(s.end), s.label) for s in sentences
                                   if s.score >= neutral_below and s.label in TINT)
        self._schedule()

    def add_classes(self, classes: Sequence[SentenceClasses]) -> None:
        """Sentences' custom classes; those of the tint classifier are drawn at once."""
        self._classes.extend(classes)
        if self._class_tint:
            u16 = self.offsets.to_utf16
            self.layers["ctint"].extend((u16(c.start), u16(c.end), c.classes[self._class_tint].label)
                                        for c in classes if self._class_tint in c.classes)
            self._schedule()

    def set_class_tint(self, name: str, colours: dict[str, str]) -> None:
        """Tint sentences by classifier ``name``'s labels (``colours``: label -> colour) instead of by
        sentiment; "" goes back to the sentiment tint."""
        if (name, colours) == (self._class_tint, self._class_colours):
            return
        self._class_tint, self._class_colours = name, dict(colours)
        self._formats = {k: v for k, v in self._formats.items() if k[0] != "ctint"}
        self.layers["ctint"] = SpanLayer()
        self._cache = {k: v for k, v in self._cache.items() if k[0] != "ctint"}
        if name:
            u16 = self.offsets.to_utf16
            self.layers["ctint"].extend((u16(c.start), u16(c.end), c.classes[name].label)
                                        for c in self._classes if name in c.classes)
        self._schedule()

    @property
    def class_tint(self) -> str:
        return self._class_tint

    def class_at(self, offset: int) -> Classification | None:
        """The tint classifier's result for the sentence covering code point ``offset``."""
        for c in self._classes:
            if c.start <= offset < c.end and self._class_tint in c.classes:
                return c.classes[self._class_tint]
        return None

    def clear_results(self) -> None:
        """No found entities or sentences any more (the decisions stay: they are the analyst's)."""
        self._classes = []
        self._entities, self._entity_starts, self._found = [], [], {}
        self.layers = {name: layer if name == "part" else SpanLayer() for name, layer in self.layers.items()}
        self._cache.clear()
        self._rebuild_review()
        self._schedule()

    def set_parts(self, parts: Iterable[Part]) -> None:
        """Ground the parts that are not body text (a document's reader lists them), so a name in a
        footnote or comment is seen for what it is; the hover says which part it is."""
        self._parts = [p for p in parts if p.kind is not PartKind.BODY]
        u16 = self.offsets.to_utf16
        self.layers["part"] = SpanLayer()
        self.layers["part"].extend((u16(p.start), u16(p.end), str(p.kind)) for p in self._parts)
        self._cache = {k: v for k, v in self._cache.items() if k[0] != "part"}
        self._schedule()

    def part_at(self, offset: int) -> Part | None:
        """The non-body part holding code point ``offset``, if any."""
        return next((p for p in self._parts if p.start <= offset < p.end), None)

    def mark_spans(self, spans: Iterable[tuple[int, int]]) -> None:
        """Mark these spans (every mention of a picked entity) above all other highlights."""
        u16 = self.offsets.to_utf16
        self.layers["mark"] = SpanLayer()
        self.layers["mark"].extend((u16(a), u16(b), "mark") for a, b in spans)
        self._cache = {k: v for k, v in self._cache.items() if k[0] != "mark"}
        self._schedule()

    def _format(self, layer: str, key: str) -> QTextCharFormat:
        fmt = self._formats.get((layer, key))
        if fmt is not None:
            return fmt
        fmt = QTextCharFormat()
        fmt.setProperty(LAYER, "entity" if layer == "review" else layer)
        if layer in ("entity", "review"):
            label, verdict = split_key(key)
            colour = QColor(self.colour_of(label))
            fmt.setBackground(colour)
            fmt.setForeground(QColor("#111111"))
            # A rule's exact match is underlined with dashes, the model's guesses with a line.
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DashUnderline if is_pattern(label)
                                  else QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(colour.darker(170))
            fmt.setProperty(ENTITY_LABEL, label)
            fmt.setProperty(REVIEW, verdict.value if verdict is not None else "")
            if verdict is Verdict.ACCEPTED:
                # boxed in green, on a deeper shade of the type's colour. Only drawing properties: a
                # highlight is drawn over the laid-out text, so a bold font would overlap its neighbours.
                fmt.setBackground(colour.darker(115))
                fmt.setForeground(QColor(ACCEPTED_TEXT))
                fmt.setFontOverline(True)  # drawn in the text's colour
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
                fmt.setUnderlineColor(QColor(ACCEPTED_COLOUR))
            elif verdict is Verdict.REJECTED:
                fmt.setFontStrikeOut(True)
                fmt.setBackground(QColor("#f1f3f5"))
                fmt.setForeground(QColor(REJECTED_TEXT))
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.NoUnderline)
            elif verdict is Verdict.ADDED:
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
                fmt.setUnderlineColor(QColor(ADDED_COLOUR))
        elif layer == "part":
            fmt.setBackground(QColor(PART_COLOUR))
        elif layer == "tint":
            fmt.setBackground(QColor(TINT[key]))
        elif layer == "ctint":
            fmt.setBackground(QColor(self._class_colours.get(key, "#f1f3f5")))
        else:
            fmt.setBackground(QColor(MARK_COLOUR))
            fmt.setForeground(QColor("#000000"))
        self._formats[(layer, key)] = fmt
        return fmt

    def _schedule(self) -> None:
        if not self._refresh.isActive():
            self._refresh.start()

    def flush(self) -> None:
        """Apply pending highlight changes now (tests, screenshots)."""
        self._refresh.stop()
        self._apply_layers()

    def visible_range(self) -> tuple[int, int]:
        """UTF-16 range of the text on screen, widened by MARGIN on each side.

        Walks the visible blocks' geometry (cheap: they are laid out already) instead of hit-testing
        the viewport's corners, which costs milliseconds on a long document.
        """
        block = self.firstVisibleBlock()
        if not block.isValid():
            return 0, MARGIN
        top = block.position()
        height = self.viewport().height()
        y = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
        end = top
        while block.isValid() and y <= height:
            end = block.position() + block.length()
            y += self.blockBoundingRect(block).height()
            block = block.next()
        return max(0, top - MARGIN), end + MARGIN

    def _apply_layers(self) -> None:
        lo, hi = self.visible_range()
        selections: list[QTextEdit.ExtraSelection] = []
        for name in ("part", "tint", "ctint", "entity", "review", "mark"):
            if name == "tint" and (not self._tint_on or self._class_tint):
                continue
            if name == "ctint" and not self._class_tint:
                continue
            for index, start, end, key in self.layers[name].between(lo, hi):
                if name in ("entity", "review") and split_key(key)[0] in self._hidden:
                    continue
                sel = self._cache.get((name, index))
                if sel is None:
                    sel = QTextEdit.ExtraSelection()
                    sel.cursor = self._cursor_u16(start, end)
                    sel.format = self._format(name, key)
                    self._cache[(name, index)] = sel
                selections.append(sel)
        self.setExtraSelections(selections)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._schedule()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._schedule()

    # --- navigation ------------------------------------------------------------------------------

    def select_span(self, start: int, end: int) -> None:
        """Select [start, end) and scroll it to the middle of the view."""
        self.setTextCursor(self.cursor_for(start, end))
        self.centerCursor()
        self._scrolled.start()

    def find_text(self, needle: str, backward: bool = False) -> bool:
        """Select the next (or previous) match, wrapping around; False when there is none."""
        if not needle:
            return False
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        if self.find(needle, flags):
            return True
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start)
        self.setTextCursor(cursor)
        return self.find(needle, flags)

    # --- zoom ------------------------------------------------------------------------------------

    def set_zoom(self, steps: int) -> None:
        if steps == self._zoom:
            return
        self._zoom = max(-6, min(20, steps))
        self._apply_font()
        self._schedule()
        self.zoom_changed.emit(self._zoom)

    @property
    def zoom(self) -> int:
        return self._zoom

    def _apply_font(self) -> None:
        font = QFont(self.font())
        font.setPointSize(BASE_POINT_SIZE + self._zoom)
        self.setFont(font)

    # --- tooltips --------------------------------------------------------------------------------

    def entity_at(self, offset: int) -> Entity | None:
        """The (visible) entity covering code point ``offset``."""
        i = bisect_right(self._entity_starts, offset) - 1
        if i >= 0:
            e = self._entities[i]
            if e.start <= offset < e.end and e.label not in self._hidden:
                return e
        return None

    def offset_at(self, pos: QPoint) -> int:
        """Code point under a viewport position (the character the mouse is over, not the gap)."""
        cursor = self.cursorForPosition(pos)
        position = cursor.position()
        if self.cursorRect(cursor).center().x() > pos.x() and position > 0:
            position -= 1
        return self.offsets.to_code_point(position)

    def tooltip_at(self, pos: QPoint) -> str | None:
        return self.tooltip_for(self.offset_at(pos))

    def tooltip_for(self, offset: int) -> str | None:
        """Label, where it came from and the review state of the entity at ``offset``; and the part of a
        Word file it is in when that is not the body ("Footnote 2")."""
        tip = self._result_tip(offset)
        part = self.part_at(offset)
        if part is None:
            return tip
        where = f"<b>{_escape(part.label)}</b> · not the body text"
        return where if tip is None else f"{tip}<br>in {_escape(part.label)}"

    def _result_tip(self, offset: int) -> str | None:
        entity = self.entity_at(offset)
        if entity is None:
            d = self.decision_at(offset)
            if d is None or d.label in self._hidden:
                c = self.class_at(offset) if self._class_tint else None
                if c is None:
                    return None
                return f"<b>{_escape(c.label)}</b> · {_escape(self._class_tint)} · score {c.score:.2f}"
            state = "added by the analyst" if d.verdict is Verdict.ADDED else f"{d.verdict.value} by the analyst"
            return (f"<b>{d.label}</b> · {state}<br>{_escape(d.text)}"
                    "<br><small>U: undo</small>")
        d = self._decisions.get((entity.start, entity.end))
        found_by = ("found by a rule" if is_pattern(entity.label) else "from your term list"
                    if term_list_of(entity) else "found by the model")
        if d is None:
            state = "not reviewed"
        else:
            relabelled = f" as {d.label}" if d.label != entity.label else ""
            state = f"<b>{d.verdict.value}</b>{relabelled} by the analyst"
        return (f"<b>{entity.label}</b> · {provenance(entity)} · {found_by}<br>{_escape(entity.text)}"
                f"<br>{state}<br><small>A: accept · R: reject · Shift: every mention · U: undo</small>")

    def viewportEvent(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QEvent.Type.ToolTip:
            tip = self.tooltip_at(event.pos())
            if tip is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            return True
        return super().viewportEvent(event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
