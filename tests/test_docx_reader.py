"""The DOCX reader on WordprocessingML that python-docx has no API for: runs, breaks, revisions, content
controls, text boxes, merged and nested table cells, damaged packages, and hostile XML.

The expected texts and messages were recorded from an earlier python-docx based reader and kept by the
standard-library reader that stood in for it until issue 14; the reader is back on python-docx and
gives them all again (tests/test_docx_parity.py holds a random corpus recorded from the stand-in; see
also tests/test_documents.py).
"""

from __future__ import annotations

import io

import docx
import pytest
from docx.enum.text import WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docxkit import (
    MAIN,
    MC,
    RT,
    WPS,
    V,
    W,
    cell_p,
    error_of,
    member,
    p,
    package,
    r,
    repack,
    t,
    tbl,
    tc,
    text_of,
    tr,
)

# --- text: each case is (body blocks, the text the python-docx reader gave) ---------------------------------

TEXT_CASES = {
    "empty body": ((), ""),
    "plain paragraphs and an empty one": ((p(t("One.")), p(), p(t("Three."))), "One.\n\nThree."),
    "several runs and text elements": (
        (p(t("Split "), r("<w:t>across</w:t><w:t xml:space='preserve'> runs</w:t>")),),
        "Split across runs",
    ),
    "tabs, breaks and hyphens": (
        (
            p(
                r(
                    "<w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t><w:cr/><w:t>d</w:t>"
                    "<w:noBreakHyphen/><w:t>e</w:t><w:ptab w:relativeTo='margin' w:alignment='right'"
                    " w:leader='none'/><w:t>f</w:t>"
                )
            ),
        ),
        "a\tb\nc\nd-e\tf",
    ),
    "break types": (
        (
            p(
                r(
                    "<w:t>1</w:t><w:br w:type='page'/><w:t>2</w:t><w:br w:type='column'/><w:t>3</w:t>"
                    "<w:br w:type='textWrapping'/><w:t>4</w:t><w:br w:type='bogus'/><w:t>5</w:t>"
                    "<w:br w:clear='all'/><w:t>6</w:t><w:br type='page'/><w:t>7</w:t>"
                )
            ),
        ),
        "123\n45\n6\n7",
    ),
    "run content that is not text": (
        (
            p(
                r(
                    "<w:t>x</w:t><w:softHyphen/><w:sym w:font='Wingdings' w:char='F04A'/><w:delText>gone</w:delText>"
                    "<w:instrText> PAGE </w:instrText><w:fldChar w:fldCharType='begin'/><w:lastRenderedPageBreak/>"
                    "<w:footnoteReference w:id='1'/><w:t>y</w:t><w:dayShort/><w:pgNum/>"
                )
            ),
        ),
        "xy",
    ),
    "whitespace in text elements": (
        (p(r("<w:t>  kept as written  </w:t>"), r("<w:t></w:t>"), r("<w:t/>"), r("<w:t>\n</w:t>")),),
        "  kept as written  \n",
    ),
    "entities and character references": (
        (p(r("<w:t>&lt;a&gt; &amp; &quot;b&quot; &#x20AC;&#8364; <![CDATA[<c>]]></w:t>")),),
        '<a> & "b" €€ <c>',
    ),
    "comments and processing instructions": (
        (p(r("<!-- note --><w:t>a<!-- inside -->b</w:t><?pi data?><w:t>c</w:t>")),),
        "ac",
    ),
    "hyperlinks, fields, smart tags, custom XML and bidi runs": (
        (
            p(
                t("See "),
                f"<w:hyperlink {nsdecls('r')} r:id='rId99'>{t('the link')}</w:hyperlink>",
                "<w:fldSimple w:instr=' DATE '>" + t(", today") + "</w:fldSimple>",
                "<w:smartTag w:uri='u' w:element='place'>" + t(", in Paris") + "</w:smartTag>",
                "<w:customXml w:element='x'>" + t(", custom") + "</w:customXml>",
                "<w:dir w:val='rtl'>" + t(", rtl") + "</w:dir>",
                "<w:bdo w:val='rtl'>" + t(", bdo") + "</w:bdo>",
            ),
        ),
        "See the link, today, in Paris, custom, rtl, bdo",
    ),
    "inline content control": (
        (p(t("Name: "), f"<w:sdt><w:sdtPr/><w:sdtContent>{t('Ana')}</w:sdtContent></w:sdt>", t(".")),),
        "Name: Ana.",
    ),
    "tracked changes": (
        (
            p(
                t("Kept"),
                "<w:ins w:id='1' w:author='a'>" + t(" inserted") + "</w:ins>",
                "<w:del w:id='2' w:author='a'><w:r><w:delText> deleted</w:delText></w:r>" + t(" odd") + "</w:del>",
                "<w:moveFrom w:id='3' w:author='a'>" + t(" moved away") + "</w:moveFrom>",
                "<w:moveTo w:id='4' w:author='a'>" + t(" moved here") + "</w:moveTo>",
                "<w:ins w:id='5' w:author='a'><w:del w:id='6' w:author='b'>" + t(" in and out") + "</w:del></w:ins>",
            ),
        ),
        "Kept inserted moved here",
    ),
    "text boxes and alternate content": (
        (
            p(
                t("Before "),
                r(
                    f"<mc:AlternateContent {MC}><mc:Choice Requires='wps'><w:drawing><wps:txbx {WPS}>"
                    f"<w:txbxContent><w:p>{t('box text')}</w:p></w:txbxContent></wps:txbx></w:drawing>"
                    f"</mc:Choice><mc:Fallback><w:pict><v:shape {V}><v:textbox><w:txbxContent><w:p>"
                    f"{t('box text again')}</w:p></w:txbxContent></v:textbox></v:shape></w:pict>"
                    "</mc:Fallback></mc:AlternateContent>"
                ),
                t("after."),
            ),
            p(
                f"<mc:AlternateContent {MC}><mc:Choice Requires='w14'>{t('choice')}</mc:Choice>"
                f"<mc:Fallback>{t('fallback')}</mc:Fallback></mc:AlternateContent>",
                "<Fallback>" + t("any namespace") + "</Fallback>",
            ),
        ),
        # the box once (the DrawingML choice, not its VML fallback), as a block after its paragraph
        "Before after.\n\nbox text\n\nchoice",
    ),
    "runs nested where Word never puts them": (
        (p(r(f"<w:t>outer</w:t>{t(' inner')}<w:t> tail</w:t>"), f"<w:p>{t(' nested paragraph')}</w:p>"),),
        "outer tail inner nested paragraph",
    ),
    "elements in other namespaces are not Word's": (
        (p("<w:r><t xmlns='urn:other'>not text</t><w:t>text</w:t></w:r>", "<r xmlns='urn:other'><w:t>x</w:t></r>"),),
        "text",
    ),
    "block-level content controls and wrappers": (
        (
            p(t("First.")),
            f"<w:sdt {W}><w:sdtPr/><w:sdtContent>{p(t('In a control.'))}"
            f"<w:sdt><w:sdtContent>{p(t('Nested control.'))}</w:sdtContent></w:sdt></w:sdtContent></w:sdt>",
            f"<w:sdt {W}><w:sdtPr/></w:sdt>",
            f"<w:sdt {W}><w:sdtContent/><w:sdtContent>{p(t('second content'))}</w:sdtContent></w:sdt>",
            f"<w:customXml {W} w:element='x'>{p(t('custom XML block is skipped'))}</w:customXml>",
            f"<w:bookmarkStart {W} w:id='0' w:name='b'/>",
            p(t("Last.")),
        ),
        "First.\nIn a control.\nNested control.\nLast.",
    ),
    "table with horizontal and vertical merges": (
        (
            tbl(
                tr(tc(cell_p("A")), tc(cell_p("B")), tc(cell_p("C"))),
                tr(tc(cell_p("wide"), span=2), tc(cell_p("tall"), vmerge="restart")),
                tr(tc(cell_p("x")), tc(cell_p("y")), tc(vmerge="continue")),
                tr(tc(cell_p("p")), tc(cell_p("q")), tc(vmerge="")),
                tr(tc(cell_p("block"), span=2, vmerge="restart"), tc(cell_p("z"))),
                tr(tc(span=2, vmerge="continue"), tc(cell_p("end"))),
            ),
        ),
        "A\tB\tC\nwide\ttall\nx\ty\t\np\tq\t\nblock\tz\n\tend",
    ),
    "rows that start late or end early": (
        (
            tbl(
                tr(tc(cell_p("A")), tc(cell_p("B")), tc(cell_p("C"))),
                tr(tc(cell_p("b1")), tc(cell_p("c1"), vmerge="restart"), props="<w:gridBefore w:val='1'/>"),
                tr(tc(cell_p("a2")), tc(cell_p("b2")), props="<w:gridAfter w:val='1'/>"),
                tr(tc(cell_p("b3")), tc(), props="<w:gridBefore w:val='1'/>"),
            ),
        ),
        "A\tB\tC\nb1\tc1\na2\tb2\nb3\t",
    ),
    "vertical merge reaching over a row that starts late": (
        (
            tbl(
                tr(tc(cell_p("A")), tc(cell_p("B")), tc(cell_p("C"), vmerge="restart")),
                tr(tc(cell_p("b")), tc(vmerge="continue"), props="<w:gridBefore w:val='1'/>"),
                tr(tc(cell_p("a2")), tc(cell_p("bb")), tc(vmerge="continue")),
            ),
        ),
        "A\tB\tC\nb\t\na2\tbb\t",
    ),
    "cells with several paragraphs, whitespace and nested tables": (
        (
            tbl(
                tr(
                    tc(cell_p("line one"), cell_p("  line\ttwo \n"), "<w:p/>"),
                    tc(
                        cell_p("outer"),
                        tbl(tr(tc(cell_p("in1")), tc(cell_p("in2"))), tr(tc(cell_p("in3"), span=2)), cols=2),
                        cell_p("after"),
                    ),
                    tc(f"<w:sdt><w:sdtContent>{cell_p('in control')}</w:sdtContent></w:sdt>"),
                ),
            ),
        ),
        "line one line two\touter in1 in2 in3 after\tin control",
    ),
    "nested table with a vertical merge": (
        (
            tbl(
                tr(
                    tc(
                        tbl(
                            tr(tc(cell_p("n1"), vmerge="restart"), tc(cell_p("n2"))),
                            tr(tc(vmerge="continue"), tc(cell_p("n3"))),
                            cols=2,
                        )
                    ),
                    tc(cell_p("right")),
                ),
                cols=2,
            ),
        ),
        "n1 n2 n3\tright",
    ),
    "table edge cases": (
        (
            tbl(cols=2),
            tbl(tr(), cols=2),
            tbl(tr(tc(cell_p("gone"), span=0), tc(cell_p("kept")), tc(cell_p("neg"), span=-1)), cols=2),
            tbl(tr(tc(cell_p("spaced"), span=" 2"), tc(cell_p("x"))), cols=3),
            tbl(tr(tc(cell_p("a")), f"<w:sdt><w:sdtContent>{tc(cell_p('cell in control'))}</w:sdtContent></w:sdt>"),
                f"<w:sdt><w:sdtContent>{tr(tc(cell_p('row in control')))}</w:sdtContent></w:sdt>", cols=2),
            p(t("after tables")),
        ),
        "\nkept\nspaced\tx\na\nafter tables",
    ),
    "whitespace-only text before a child node is dropped unless preserved": (
        (
            p(r("<w:t> <!--c-->x</w:t>"), r("<w:t xml:space='preserve'> <!--c--></w:t>"), t("|")),
            f"<w:p {W} xml:space='preserve'><w:r><w:t>\t<!--c--></w:t></w:r><w:r><w:t xml:space='default'> <?pi?></w:t></w:r>"
            "<w:r><w:t>y<!--c--></w:t></w:r></w:p>",
        ),
        " |\n\ty",
    ),
}


@pytest.mark.parametrize("case", sorted(TEXT_CASES))
def test_text(case):
    blocks, expected = TEXT_CASES[case]
    assert text_of(package(*blocks)) == expected


CT, PACKAGE_RELS, DOCUMENT, DOCUMENT_RELS = (
    "[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels"
)


def edited(name: str, old: str, new: str):
    """A damage: replace the first ``old`` in member ``name`` by ``new``."""

    def damage(data: bytes) -> bytes:
        text = member(data, name)
        assert old in text
        return repack(data, {name: text.replace(old, new, 1)})

    return damage


def replaced(name: str, value: str | None):
    return lambda data: repack(data, {name: value})


def with_body(*blocks: str):
    return lambda data: repack(data, {DOCUMENT: member(package(*blocks), DOCUMENT)})


def test_document_written_through_python_docx():
    word = docx.Document()
    word.add_heading("Report", level=0)
    paragraph = word.add_paragraph("Intro ", style="List Bullet")
    paragraph.add_run("bold").bold = True
    run = paragraph.add_run(" then\ttab and\nline")
    run.add_tab()
    run.add_text("after tab")
    run.add_break()
    run.add_text("after break")
    run.add_break(WD_BREAK.PAGE)
    run.add_text("after page break")
    run.add_break(WD_BREAK.COLUMN)
    run.add_text("|")
    word.add_page_break()
    table = word.add_table(rows=4, cols=4)
    for r_index, row in enumerate(table.rows):
        for c_index, cell in enumerate(row.cells):
            cell.text = f"r{r_index}c{c_index}"
    table.cell(0, 0).merge(table.cell(1, 1)).text = "2x2 block"
    table.cell(2, 2).merge(table.cell(3, 2))
    table.cell(3, 0).merge(table.cell(3, 1))
    inner = table.cell(2, 0).add_table(rows=2, cols=2)
    inner.cell(0, 0).text = "inner a"
    inner.cell(1, 1).text = "inner\nd"
    inner.cell(0, 1).merge(inner.cell(1, 1))
    table.cell(2, 3).text = "multi\nline\tcell"
    word.add_paragraph("The end.")
    buffer = io.BytesIO()
    word.save(buffer)
    assert text_of(buffer.getvalue()) == (
        "Report\n"
        "Intro bold then\ttab and\nline\tafter tab\nafter breakafter page break|\n"
        "\n"
        "2x2 block\tr0c2\tr0c3\n"
        "\tr1c2\tr1c3\n"
        "r2c0 inner a inner d\tr2c1\tr2c2 r3c2\tmulti line cell\n"
        "r3c0 r3c1\t\tr3c3\n"
        "The end."
    )


def test_word_online_main_part_name():
    """Word Online sometimes names the main part word/document2.xml."""
    data = package(p(t("Online.")))
    data = repack(
        data,
        {
            DOCUMENT: None,
            "word/document2.xml": member(data, DOCUMENT),
            DOCUMENT_RELS: None,
            "word/_rels/document2.xml.rels": member(data, DOCUMENT_RELS),
            PACKAGE_RELS: member(data, PACKAGE_RELS).replace(DOCUMENT, "word/document2.xml"),
            CT: member(data, CT).replace("/word/document.xml", "/word/document2.xml"),
        },
    )
    assert text_of(data) == "Online."


def test_main_part_found_through_relationships_and_default_content_type():
    data = package(p(t("Moved.")))
    data = repack(
        data,
        {
            DOCUMENT: None,
            "word/body.xml": member(data, DOCUMENT),
            DOCUMENT_RELS: None,
            "word/_rels/body.xml.rels": member(data, DOCUMENT_RELS),
            PACKAGE_RELS: member(data, PACKAGE_RELS).replace(DOCUMENT, "./word/../word/body.xml"),
            "word/document2.xml": "<unused/>",  # only the first name check looks for it
            CT: member(data, CT)
            .replace('PartName="/word/document.xml"', 'PartName="/WORD/OTHER.xml"')
            .replace('Extension="xml" ContentType="application/xml"', f'Extension="XML" ContentType="{MAIN}"'),
        },
    )
    assert text_of(data) == "Moved."


def test_long_vertical_merge():
    rows = [tr(tc(cell_p("merged"), vmerge="restart"), tc(cell_p("0")))]
    rows += [tr(tc(vmerge="continue"), tc(cell_p(str(n)))) for n in range(1, 300)]
    lines = text_of(package(tbl(*rows, cols=2))).split("\n")
    assert lines[:2] == ["merged\t0", "\t1"] and lines[-1] == "\t299" and len(lines) == 300


# --- refusals: (how to damage a one-paragraph document, the message; None: it still reads) ---------------

OFFICE_DOCUMENT_REL = f'Type="{RT}/officeDocument" Target="word/document.xml"'
STYLES_REL = f'Type="{RT}/styles" Target="styles.xml"'
MAIN_OVERRIDE = f'<Override PartName="/word/document.xml" ContentType="{MAIN}"/>'
XML_DEFAULT = '<Default Extension="xml" ContentType="application/xml"/>'
SDT_OPEN, SDT_CLOSE = "<w:sdt><w:sdtContent>", "</w:sdtContent></w:sdt>"

REFUSALS = {
    "macro-enabled": (
        edited(CT, MAIN, "application/vnd.ms-word.document.macroEnabled.main+xml"),
        "not a Word document: this is a macro-enabled Word document (.docm) with a .docx name",
    ),
    "excel": (
        edited(CT, MAIN, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
        "not a Word document: this is an Excel workbook with a .docx name",
    ),
    "powerpoint": (
        edited(CT, MAIN, "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
        "not a Word document: this is a PowerPoint presentation with a .docx name",
    ),
    "template": (
        edited(CT, MAIN, "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"),
        "not a Word document (unexpected content type)",
    ),
    "main part without a content type": (
        lambda data: edited(CT, XML_DEFAULT, "")(edited(CT, MAIN_OVERRIDE, "")(data)),
        "damaged DOCX: a part it refers to is missing",
    ),
    "main part whose override has no content type": (
        edited(CT, f'ContentType="{MAIN}"', ""),
        "not a Word document (unexpected content type)",
    ),
    "no package relationships": (replaced(PACKAGE_RELS, None), "damaged DOCX: a part it refers to is missing"),
    "no office-document relationship": (
        edited(PACKAGE_RELS, f"{RT}/officeDocument", f"{RT}/somethingElse"),
        "damaged DOCX: a part it refers to is missing",
    ),
    "two office-document relationships": (
        edited(PACKAGE_RELS, "<Relationship ", f'<Relationship Id="rIdX" {OFFICE_DOCUMENT_REL}/><Relationship '),
        "damaged DOCX: a value in it is invalid",
    ),
    "office-document relationship replaced by a later one with the same Id": (
        edited(PACKAGE_RELS, "</Relationships>", f'<Relationship Id="rId1" Type="{RT}/x" Target="docProps/app.xml"/></Relationships>'),
        "damaged DOCX: a part it refers to is missing",
    ),
    "external office-document relationship": (
        edited(PACKAGE_RELS, OFFICE_DOCUMENT_REL, OFFICE_DOCUMENT_REL + ' TargetMode="External"'),
        "damaged DOCX: a value in it is invalid",
    ),
    "main part reached first through an image relationship": (
        replaced(
            "docProps/_rels/core.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RT}/image" Target="../word/document.xml"/></Relationships>',
        ),
        "damaged DOCX: its structure could not be read (AttributeError)",
    ),
    "vertical merge over a row that starts later": (
        with_body(
            tbl(
                tr(tc(cell_p("A"), vmerge="restart"), tc(cell_p("B")), tc(cell_p("C"))),
                tr(tc(cell_p("b")), tc(cell_p("c")), props="<w:gridBefore w:val='1'/>"),
                tr(tc(vmerge="continue"), tc(), tc()),
            )
        ),
        "damaged DOCX: a value in it is invalid",
    ),
    "relationship without a target": (
        edited(DOCUMENT_RELS, STYLES_REL, f'Type="{RT}/styles"'),
        "damaged DOCX: its structure could not be read (TypeError)",
    ),
    "missing styles part": (replaced("word/styles.xml", None), "damaged DOCX: a part it refers to is missing"),
    "missing part that is not XML": (
        replaced("docProps/thumbnail.jpeg", None),
        "damaged DOCX: a part it refers to is missing",
    ),
    "external relationship to a missing part": (
        edited(DOCUMENT_RELS, STYLES_REL, f'Type="{RT}/styles" Target="styles.xml" TargetMode="External"'),
        None,
    ),
    "part without a content type": (
        edited(DOCUMENT_RELS, STYLES_REL, f'Type="{RT}/styles" Target="../docProps/thumbnail.unknown"'),
        "damaged DOCX: a part it refers to is missing",
    ),
    "invalid XML in the styles part": (replaced("word/styles.xml", "<w:styles>"), "damaged DOCX: its XML is invalid"),
    "invalid XML in the core properties": (replaced("docProps/core.xml", ""), "damaged DOCX: its XML is invalid"),
    "invalid XML in a part python-docx did not parse": (replaced("word/fontTable.xml", "<not xml"), None),
    "invalid XML in the main part": (edited(DOCUMENT, "<w:body>", "<w:body><w:p>"), "damaged DOCX: its XML is invalid"),
    "undeclared namespace prefix": (edited(DOCUMENT, "<w:body>", "<w:body><x:p/>"), "damaged DOCX: its XML is invalid"),
    "invalid XML in the package relationships": (
        replaced(PACKAGE_RELS, "<Relationships"),
        "damaged DOCX: its XML is invalid",
    ),
    "invalid XML in a part's relationships": (
        edited(DOCUMENT_RELS, "</Relationships>", "</Relationship>"),
        "damaged DOCX: its XML is invalid",
    ),
    "invalid XML in the content types": (edited(CT, "</Types>", "</Types><junk/>"), "damaged DOCX: its XML is invalid"),
    "content types of another kind": (
        edited(CT, "package/2006/content-types", "x"),
        "damaged DOCX: its structure could not be read (AttributeError)",
    ),
    "relationships of another kind": (
        edited(PACKAGE_RELS, "package/2006/relationships", "x"),
        "damaged DOCX: its structure could not be read (AttributeError)",
    ),
    "override without a part name": (
        edited(CT, 'PartName="/word/styles.xml"', ""),
        "damaged DOCX: its structure could not be read (AttributeError)",
    ),
    "main part is not a w:document": (
        lambda data: edited(DOCUMENT, "</w:document>", "</w:hdr>")(edited(DOCUMENT, "<w:document ", "<w:hdr ")(data)),
        "damaged DOCX: its structure could not be read (AttributeError)",
    ),
    "main part without a body": (
        lambda data: edited(DOCUMENT, "</w:body>", "</w:notbody>")(edited(DOCUMENT, "<w:body>", "<w:notbody>")(data)),
        "damaged DOCX: its structure could not be read (AttributeError)",
    ),
    "vertical merge continuing from nowhere": (
        with_body(tbl(tr(tc(vmerge="continue"), tc(), tc()))),
        "damaged DOCX: a value in it is invalid",
    ),
    "vertical merge with no cell above at its column": (
        with_body(tbl(tr(tc(span=2), tc()), tr(tc(), tc(vmerge="continue"), tc()))),
        "damaged DOCX: a value in it is invalid",
    ),
    "grid span that is not a number": (
        with_body(tbl(tr(tc(span="two"), tc()))),
        "damaged DOCX: a value in it is invalid",
    ),
    "grid span without a value": (
        with_body(tbl(tr(tc(props="<w:gridSpan/>"), tc()))),
        "damaged DOCX: its structure could not be read (InvalidXmlError)",
    ),
    "grid-before without a value": (
        with_body(tbl(tr(tc()), tr(tc(vmerge="continue"), props="<w:gridBefore/>"))),
        "damaged DOCX: its structure could not be read (InvalidXmlError)",
    ),
    "nesting deeper than 256 elements": (
        edited(DOCUMENT, "<w:body>", "<w:body>" + SDT_OPEN * 127 + "<x/>" + SDT_CLOSE * 127),
        "damaged DOCX: its XML is invalid",
    ),
    "nesting of 256 elements": (
        edited(DOCUMENT, "<w:body>", "<w:body>" + SDT_OPEN * 127 + SDT_CLOSE * 127),
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_damaged_package(case):
    damage, expected = REFUSALS[case]
    data = damage(package(p(t("Some text."))))
    if expected is None:
        text_of(data)
    else:
        assert error_of(data) == expected


# --- hostile XML: no DOCTYPE reaches python-docx ------------------------------------------------------------

DOCTYPE_REFUSED = "damaged DOCX: its XML is invalid (it declares a DOCTYPE, which Office files never have)"
BILLION_LAUGHS = "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">' for i in range(10)
)


def with_doctype(name: str, doctype: str, text: str = "Some text.", encoding: str = "utf-8"):
    """A damage: ``doctype`` after the XML declaration of member ``name`` (and ``text`` for the body's)."""

    def damage(data: bytes) -> bytes:
        xml = member(data, name).replace("Some text.", text)
        declaration_end = xml.index("?>") + 2 if xml.startswith("<?xml") else 0
        xml = xml[:declaration_end] + doctype + xml[declaration_end:]
        if encoding != "utf-8":
            assert "encoding='UTF-8'" in xml
            xml = xml.replace("encoding='UTF-8'", f"encoding='{encoding.upper()}'")
        return repack(data, {name: xml.encode(encoding)})

    return damage


@pytest.mark.parametrize(
    ("doctype", "text"),
    [
        ("<!DOCTYPE w:document>", "Some text."),
        ('<!DOCTYPE w:document [<!ENTITY e "entity">]>', "Some &e; text."),
        (f"<!DOCTYPE w:document [{BILLION_LAUGHS}]>", "Some &lol9; text."),
        ('<!DOCTYPE w:document [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "Some &e; text."),
        ('<!DOCTYPE w:document SYSTEM "http://127.0.0.1:9/x.dtd">', "Some text."),
        ('<!DOCTYPE w:document [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>', "Some text."),
    ],
    ids=["bare", "entity", "billion laughs", "external entity", "external DTD", "parameter entity"],
)
def test_doctype_in_the_main_part_is_refused(doctype, text):
    """python-docx would read some of these (entities unexpanded: the rest of a w:t after a reference is
    lost), refuse others as invalid XML; a DOCTYPE is refused before it parses anything."""
    assert error_of(with_doctype(DOCUMENT, doctype, text)(package(p(t("Some text."))))) == DOCTYPE_REFUSED


@pytest.mark.parametrize("name", [CT, PACKAGE_RELS, DOCUMENT_RELS, "word/styles.xml", "docProps/core.xml",
                                  "word/fontTable.xml"])
def test_doctype_in_any_xml_member_is_refused(name):
    """The package's own XML too, and members python-docx would not parse: a DOCTYPE is a sign of a
    crafted file, whichever member carries it."""
    data = with_doctype(name, f"<!DOCTYPE x [{BILLION_LAUGHS}]>")(package(p(t("Some text."))))
    assert error_of(data) == DOCTYPE_REFUSED


def test_doctype_in_a_utf16_part_is_refused():
    data = with_doctype(DOCUMENT, '<!DOCTYPE w:document [<!ENTITY e "x">]>', encoding="utf-16")(
        package(p(t("Some text."))))
    assert error_of(data) == DOCTYPE_REFUSED


def test_utf16_part_without_doctype_reads():
    data = package(p(t("Zwölf Ärzte")))
    xml = member(data, DOCUMENT)
    assert "encoding='UTF-8'" in xml
    data = repack(data, {DOCUMENT: xml.replace("encoding='UTF-8'", "encoding='UTF-16'").encode("utf-16")})
    assert text_of(data) == "Zwölf Ärzte"


def test_embedded_html_may_have_a_doctype():
    """An altChunk (HTML embedded in a document) is not one of the package's XML members."""
    data = repack(package(p(t("Body."))), {"word/afchunk.htm": "<!DOCTYPE html><html><body>x</body></html>"})
    assert text_of(data) == "Body."


def test_python_docx_parses_without_expanding_entities():
    """Should a part with entities ever get past the DOCTYPE check, python-docx's own parser settings
    still keep them unexpanded and unfetched (and libxml2 stops an amplification)."""
    from lxml import etree

    assert parse_xml(b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>x&e;y</a>').text == "x"
    assert parse_xml(b'<!DOCTYPE a [<!ENTITY e "expanded">]><a>x&e;y</a>').text == "x"
    with pytest.raises(etree.XMLSyntaxError):
        parse_xml(f"<!DOCTYPE a [{BILLION_LAUGHS}]><a>&lol9;</a>".encode())
