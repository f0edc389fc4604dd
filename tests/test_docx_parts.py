"""DOCX as analysts get them (issue 15): text boxes, headers and footers, footnotes, endnotes and comments
are read, in a fixed order, each block marked as a ``Part`` and kept apart from the others by blank lines;
a redacted copy redacts them in their own XML parts; broken ones get one clear line."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import docx
from docx.oxml import parse_xml
from docxkit import (
    W,
    add_notes,
    error_of,
    member,
    note_ref,
    p,
    package,
    parts_of,
    r,
    repack,
    saved,
    t,
    tbl,
    tc,
    text_of,
    textbox,
    tr,
    vml_textbox,
    word_with,
    xml_members,
)
from helpers import run_cli

from sqzdesk.batch.decisions import Decision, Source, Verdict
from sqzdesk.batch.redacted_export import RedactionInput, export_redacted
from sqzdesk.documents import PartKind, read_bytes
from sqzdesk.engine.results import Entity
from sqzdesk.engine.sentences import split_sentences


def inner(*runs: str) -> str:
    """A paragraph without its namespace declaration, for inside other XML."""
    return p(*runs).replace(f"<w:p {W}>", "<w:p>")


def annotated_word(name: str = "Jane Doe"):
    """A document with ``name`` in every story: body, text box, header, footer, footnotes, an endnote and
    a comment (in its text and as its author)."""
    word = word_with(
        p(t(f"{name} wrote the memo."), note_ref("footnote", 2), textbox(inner(t(f"Sidebar on {name}.")))),
        p(t("The board agreed."), note_ref("footnote", 1), note_ref("endnote", 1)),
    )
    add_notes(word, "footnote", f"Interview with {name}.", "Minutes of 3 May.")
    add_notes(word, "endnote", f"Source: {name}.")
    word.sections[0].header.paragraphs[0].text = f"Confidential: {name}"
    word.sections[0].footer.paragraphs[0].text = "Acme internal"
    word.add_comment(word.paragraphs[1].runs[0], text="Check the date.", author=name, initials="JD")
    return word


# ---- reading -------------------------------------------------------------------------------------

def test_every_story_is_read_in_order_and_marked():
    data = saved(annotated_word())
    assert text_of(data) == (
        "Jane Doe wrote the memo.\n\nSidebar on Jane Doe.\n\nThe board agreed.\n\n"
        "Header: Confidential: Jane Doe\n\nFooter: Acme internal\n\n"
        "Footnote 1: Minutes of 3 May.\n\nFootnote 2: Interview with Jane Doe.\n\n"  # numbered by reference
        "Endnote 1: Source: Jane Doe.\n\nComment (Jane Doe): Check the date."
    )
    assert parts_of(data) == [
        ("body", "", "Jane Doe wrote the memo."),
        ("textbox", "Text box", "Sidebar on Jane Doe."),
        ("body", "", "The board agreed."),
        ("header", "Header", "Header: Confidential: Jane Doe"),
        ("footer", "Footer", "Footer: Acme internal"),
        ("footnote", "Footnote 1", "Footnote 1: Minutes of 3 May."),
        ("footnote", "Footnote 2", "Footnote 2: Interview with Jane Doe."),
        ("endnote", "Endnote 1", "Endnote 1: Source: Jane Doe."),
        ("comment", "Comment (Jane Doe)", "Comment (Jane Doe): Check the date."),
    ]


def test_no_sentence_runs_from_one_part_into_another():
    word = word_with(p(t("A sentence without an end")), p(t("and its second line")))
    word.sections[0].header.paragraphs[0].text = "no full stop either"
    word.add_comment(word.paragraphs[0].runs[0], text="a remark", author="")
    data = saved(word)
    document = read_bytes(data, ".docx")
    for start, end in split_sentences(document.text):
        part = document.part_at(start)
        assert part is not None and end <= part.end, document.text[start:end]
    assert [p.kind for p in document.parts] == [PartKind.BODY, PartKind.HEADER, PartKind.COMMENT]
    assert document.text.endswith("\n\nComment: a remark")  # no author: no name in brackets


def test_a_body_without_other_stories_reads_as_it_always_did():
    data = package(p(t("One.")), p(), tbl(tr(tc(inner(t("a"))), tc(inner(t("b")))), cols=2))
    document = read_bytes(data, ".docx")
    assert document.text == "One.\n\na\tb"
    assert [(p.kind, p.start, p.end) for p in document.parts] == [(PartKind.BODY, 0, len(document.text))]
    assert read_bytes(package(), ".docx").parts == ()


def test_text_boxes_once_after_their_block_nested_in_cells_and_old_style():
    data = package(
        p(t("Before."), textbox(inner(t("Drawing box.")))),  # the VML fallback copy is not read again
        p(t("Old."), r(vml_textbox(inner(t("VML box."))))),
        p(t("Outer."), textbox(inner(t("Outer box.")), inner(t("Inner:"), textbox(inner(t("nested.")))))),
        tbl(tr(tc(inner(t("cell"), textbox(inner(t("Cell box."))))), tc(inner(t("next")))), cols=2),
        p(t("Gone."), f"<w:del w:id='1' w:author='a'>{textbox(inner(t('Deleted box.')))}</w:del>"),
        p(t("Empty."), textbox(inner(t("  ")))),
        p(t("End.")),
    )
    assert parts_of(data) == [
        ("body", "", "Before."),
        ("textbox", "Text box", "Drawing box."),
        ("body", "", "Old."),
        ("textbox", "Text box", "VML box."),
        ("body", "", "Outer."),
        ("textbox", "Text box", "Outer box.\nInner:"),
        ("textbox", "Text box", "nested."),
        ("body", "", "cell\tnext"),
        ("textbox", "Text box", "Cell box."),
        ("body", "", "Gone.\nEmpty.\nEnd."),  # a deleted box is not read, an empty one cuts nothing
    ]


def test_headers_and_footers_once_when_repeated_across_sections():
    word = word_with(p(t("Body.")))
    first = word.sections[0]
    first.header.paragraphs[0].text = "Acme confidential"
    first.different_first_page_header_footer = True
    first.first_page_header.paragraphs[0].text = "Cover page"
    first.first_page_footer.paragraphs[0].text = ""  # empty: not read
    for text in ("Acme confidential", "Annex header"):
        section = word.add_section()
        section.header.is_linked_to_previous = False
        section.header.paragraphs[0].text = text
    assert len({id(s.header.part) for s in word.sections}) == 3  # three header parts, two texts
    assert parts_of(saved(word)) == [
        ("body", "", "Body.\n\n"),  # the paragraphs that end the first two sections
        ("header", "Header", "Header: Acme confidential"),
        ("header", "First-page header", "First-page header: Cover page"),
        ("header", "Header", "Header: Annex header"),
    ]


def test_notes_skip_separators_and_keep_unreferenced_ones_last():
    word = word_with(p(t("Text"), note_ref("footnote", 7), note_ref("footnote", 5)))
    add_notes(word, "footnote", "Seven.", "Never referenced.", "Five.", "", ids=[7, 6, 5, 8])
    assert parts_of(saved(word))[1:] == [
        ("footnote", "Footnote 1", "Footnote 1: Seven."),
        ("footnote", "Footnote 2", "Footnote 2: Five."),
        ("footnote", "Footnote (not referenced)", "Footnote (not referenced): Never referenced."),
    ]  # the empty note 8 is left out, and so are Word's separator "notes"


def test_a_note_with_a_table_and_several_paragraphs():
    word = word_with(p(t("Text"), note_ref("endnote", 1)))
    add_notes(word, "endnote", inner(t("First para.")) + inner(t("Second para."))
              + tbl(tr(tc(inner(t("x"))), tc(inner(t("y"))))).replace(f"<w:tbl {W}>", "<w:tbl>"))
    assert parts_of(saved(word))[1] == ("endnote", "Endnote 1", "Endnote 1: First para.\nSecond para.\nx\ty")


# ---- broken input: one line each -------------------------------------------------------------------

def test_broken_stories_are_refused_in_one_line():
    data = saved(annotated_word())
    broken_xml = "damaged DOCX: its XML is invalid"
    assert error_of(repack(data, {"word/footnotes.xml": b"<w:footnotes><w:footnote>"})) == broken_xml
    assert error_of(repack(data, {"word/comments.xml": b"<w:comments"})) == broken_xml
    assert error_of(repack(data, {"word/endnotes.xml": b"\x00\x01 not xml"})) == broken_xml
    doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + member(data, "word/footnotes.xml")[55:]
    assert "DOCTYPE" in error_of(repack(data, {"word/footnotes.xml": doctype}))
    missing = error_of(repack(data, {"word/header1.xml": None}))
    assert missing.startswith("damaged DOCX") and "\n" not in missing


# ---- the redacted copy ------------------------------------------------------------------------------

def redaction_input(data: bytes, name: str = "Jane Doe", keep_at: int | None = None) -> RedactionInput:
    """Every mention of ``name`` found as a PER entity; the one starting at ``keep_at`` rejected."""
    document = read_bytes(data, ".docx", path=Path("memo.docx"))
    text = document.text
    entities = tuple(Entity(m.start(), m.end(), "PER", name, 0.9) for m in re.finditer(re.escape(name), text))
    sha = hashlib.sha256(data).hexdigest()
    decisions = tuple(Decision(sha, e.start, e.end, "PER", name, Verdict.REJECTED, Source.MODEL)
                      for e in entities if e.start == keep_at)
    return RedactionInput(Path("memo.docx"), data, sha, document, entities, decisions)


def test_redacted_copy_has_the_name_in_no_part(tmp_path):
    word = annotated_word()
    # the same header in a second section (read once, redacted in both), a name split across runs
    section = word.add_section()
    section.header.is_linked_to_previous = False
    section.header.paragraphs[0].text = "Confidential: Jane Doe"
    word.add_paragraph().add_run("Ja")
    word.paragraphs[-1].add_run("ne Doe signs.")
    # a tracked change authored by her: its author is no text, but it is in the file
    word.element.body.sectPr.addprevious(parse_xml(p(f"<w:ins w:id='9' w:author='Jane Doe'>{t('Added.')}</w:ins>")))
    data = saved(word)
    item = redaction_input(data)
    assert len(item.entities) == 7  # the repeated header is not in the text
    exported = export_redacted(item, tmp_path / "memo.docx")
    assert exported.format == "docx" and exported.note is None
    members = xml_members(exported.target.read_bytes())
    assert "word/footnotes.xml" in members and "word/comments.xml" in members
    for name, xml in members.items():
        assert "Jane" not in xml and "Doe" not in xml and 'w:initials="JD"' not in xml, name
    copy = exported.target.read_bytes()
    assert parts_of(copy) == [
        ("body", "", "[PER] wrote the memo."),
        ("textbox", "Text box", "Sidebar on [PER]."),
        ("body", "", "The board agreed.\n\n[PER] signs.\nAdded."),  # the section's end between them
        ("header", "Header", "Header: Confidential: [PER]"),
        ("footer", "Footer", "Footer: Acme internal"),
        ("footnote", "Footnote 1", "Footnote 1: Minutes of 3 May."),
        ("footnote", "Footnote 2", "Footnote 2: Interview with [PER]."),
        ("endnote", "Endnote 1", "Endnote 1: Source: [PER]."),
        ("comment", "Comment ([PER])", "Comment ([PER]): Check the date."),
    ]
    redacted = docx.Document(str(exported.target))
    assert [s.header.paragraphs[0].text for s in redacted.sections] == ["Confidential: [PER]"] * 2


def test_metadata_bound_data_and_alt_text_lose_the_name_too(tmp_path):
    """What Word keeps beside the text: content-control data in customXml/, the Manager and Company of
    docProps/app.xml, a field code, an image's alt text. The copy still opens and reads the same."""
    data = saved(annotated_word())
    app = member(data, "docProps/app.xml")
    app = app.replace("</Properties>", "<Manager>Jane Doe</Manager><Company>Acme Holdings</Company></Properties>")
    bound = '<?xml version="1.0"?><contract xmlns="urn:example:contract"><signatory>Jane Doe</signatory>' \
            '<note>Signed by Jane Doe, 3 May</note><fee currency="EUR">2024</fee></contract>'
    document = member(data, "word/document.xml").replace(
        "<w:body>", "<w:body><w:p><w:r><w:fldChar w:fldCharType='begin'/></w:r><w:r><w:instrText xml:space='preserve'>"
        " MERGEFIELD Jane Doe </w:instrText></w:r><w:r><w:fldChar w:fldCharType='end'/></w:r></w:p>"
        "<w:p><w:r><w:drawing><wp:inline xmlns:wp='http://schemas.openxmlformats.org/drawingml/2006/"
        "wordprocessingDrawing'><wp:extent cx='1' cy='1'/><wp:docPr id='7' name='Picture 7' "
        "descr='Jane Doe at the signing'/></wp:inline></w:drawing></w:r></w:p>", 1)
    types = member(data, "[Content_Types].xml").replace(
        "</Types>", '<Override PartName="/customXml/item1.xml" ContentType="application/xml"/></Types>')
    rels = member(data, "word/_rels/document.xml.rels").replace(
        "</Relationships>", '<Relationship Id="rIdX1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/customXml" Target="../customXml/item1.xml"/></Relationships>')
    data = repack(data, {"docProps/app.xml": app, "customXml/item1.xml": bound, "word/document.xml": document,
                         "[Content_Types].xml": types, "word/_rels/document.xml.rels": rels})
    exported = export_redacted(redaction_input(data), tmp_path / "memo.docx")
    assert exported.format == "docx" and exported.note is None
    copy = exported.target.read_bytes()
    members = xml_members(copy)
    assert "customXml/item1.xml" in members
    for name, xml in members.items():
        assert "Jane" not in xml and "Doe" not in xml and "Acme Holdings" not in xml, name
    assert "<signatory>[PER]</signatory>" in members["customXml/item1.xml"]
    assert 'currency="EUR">2024<' in members["customXml/item1.xml"]  # markup and other values stay
    assert "name=\"Picture 7\"" in members["word/document.xml"]
    assert text_of(copy).lstrip().startswith("[PER] wrote the memo.")  # after the field and the picture


def test_a_rejected_mention_in_a_footnote_stays_and_the_rest_go(tmp_path):
    data = saved(annotated_word())
    text = read_bytes(data, ".docx").text
    in_note = text.index("Interview with Jane Doe") + len("Interview with ")
    exported = export_redacted(redaction_input(data, keep_at=in_note), tmp_path / "memo.docx")
    copy = text_of(exported.target.read_bytes())
    assert copy.count("Jane Doe") == 1 and "Footnote 2: Interview with Jane Doe." in copy
    assert copy.startswith("[PER] wrote the memo.") and "Comment ([PER])" in copy


# ---- shown -------------------------------------------------------------------------------------------

def test_text_json_lists_the_parts(tmp_path):
    path = tmp_path / "memo.docx"
    path.write_bytes(saved(annotated_word()))
    proc = run_cli("text", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    kinds = [(part["kind"], part["label"]) for part in record["parts"]]
    assert kinds[:4] == [("body", ""), ("textbox", "Text box"), ("body", ""), ("header", "Header")]
    assert kinds[-1] == ("comment", "Comment (Jane Doe)")
    comment = record["parts"][-1]
    assert record["text"][comment["start"]:comment["end"]] == "Comment (Jane Doe): Check the date."


def test_the_window_grounds_the_parts_that_are_not_body_text(qtbot, tmp_path):
    from guikit import applied, make_window, open_and_wait

    from sqzdesk.gui.document_view import PART_COLOUR

    path = tmp_path / "memo.docx"
    path.write_bytes(saved(annotated_word()))
    tab = open_and_wait(qtbot, make_window(qtbot), path)
    parts = tab.document.parts
    assert applied(tab.view, "part") == [(p.start, p.end, PART_COLOUR) for p in parts if p.kind != "body"]
    note = next(p for p in parts if p.label == "Footnote 2")
    tips = [tab.view.tooltip_for(k) for k in range(note.start, note.end)]
    assert "<b>Footnote 2</b> · not the body text" in tips  # where no entity is (the words "Interview with")
    assert all(tip.endswith(("<b>Footnote 2</b> · not the body text", "<br>in Footnote 2")) for tip in tips)
    assert tab.view.part_at(parts[0].start) is None  # the body is not grounded
    tab.view.clear_results()  # a new analysis keeps the ground
    tab.view.flush()
    assert len(applied(tab.view, "part")) == len(parts) - 2
