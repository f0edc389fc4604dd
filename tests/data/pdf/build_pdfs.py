"""Rebuild the typeset public-domain PDFs of this folder (see SOURCES.md): flat ODT -> LibreOffice -> PDF.

    apt-get install libreoffice-writer-nogui hyphen-en-us
    python tests/data/pdf/build_pdfs.py

The texts are public domain (US federal government works of 1787 and 1863); the layout is what analysts
get from a word processor: justified paragraphs with automatic hyphenation, a two-column section, a
narrow column where names, a URL and an e-mail address wrap at line ends. Kept so the files can be
remade, not run by the tests.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls/>
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties fo:text-align="justify" fo:hyphenation-ladder-count="no-limit"/>
  <style:text-properties style:font-name="Liberation Serif" fo:font-family="'Liberation Serif'" fo:font-size="11pt"
   fo:language="en" fo:country="US" fo:hyphenate="true" fo:hyphenation-remain-char-count="2"
   fo:hyphenation-push-char-count="2"/>
 </style:default-style>
 <style:style style:name="Body" style:family="paragraph">
  <style:paragraph-properties fo:text-align="justify" fo:margin-bottom="0.25cm"/>
 </style:style>
 <style:style style:name="Title" style:family="paragraph">
  <style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.4cm"/>
  <style:text-properties fo:font-size="15pt" fo:font-weight="bold" fo:hyphenate="false"/>
 </style:style>
 <style:style style:name="Heading" style:family="paragraph">
  <style:paragraph-properties fo:text-align="start" fo:margin-top="0.2cm" fo:margin-bottom="0.2cm"/>
  <style:text-properties fo:font-weight="bold" fo:hyphenate="false"/>
 </style:style>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="PL">
  <style:page-layout-properties fo:page-width="{width}cm" fo:page-height="21cm" fo:margin-top="1.5cm"
   fo:margin-bottom="1.5cm" fo:margin-left="1.8cm" fo:margin-right="1.8cm"/>
 </style:page-layout>
 <style:style style:name="Cols" style:family="section">
  <style:section-properties><style:columns fo:column-count="2" fo:column-gap="0.7cm"/></style:section-properties>
 </style:style>
 <style:style style:name="Break" style:family="paragraph" style:parent-style-name="Heading">
  <style:paragraph-properties fo:break-before="page"/>
 </style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="PL"/></office:master-styles>
<office:body><office:text>
"""
TAIL = "</office:text></office:body></office:document>\n"


def para(text: str, style: str = "Body") -> str:
    return f'<text:p text:style-name="{style}">{escape(text)}</text:p>\n'


def columns(paragraphs: list[str]) -> str:
    return '<text:section text:style-name="Cols" text:name="Columns">\n' + "".join(paragraphs) + "</text:section>\n"


GETTYSBURG = [
    "Four score and seven years ago our fathers brought forth on this continent, a new nation, conceived in "
    "Liberty, and dedicated to the proposition that all men are created equal.",
    "Now we are engaged in a great civil war, testing whether that nation, or any nation so conceived and so "
    "dedicated, can long endure. We are met on a great battle-field of that war. We have come to dedicate a "
    "portion of that field, as a final resting place for those who here gave their lives that that nation "
    "might live. It is altogether fitting and proper that we should do this.",
    "But, in a larger sense, we can not dedicate\u2014we can not consecrate\u2014we can not hallow\u2014this "
    "ground. The brave men, living and dead, who struggled here, have consecrated it, far above our poor power "
    "to add or detract. The world will little note, nor long remember what we say here, but it can never "
    "forget what they did here. It is for us the living, rather, to be dedicated here to the unfinished work "
    "which they who fought here have thus far so nobly advanced. It is rather for us to be here dedicated to "
    "the great task remaining before us\u2014that from these honored dead we take increased devotion to that "
    "cause for which they gave the last full measure of devotion\u2014that we here highly resolve that these "
    "dead shall not have died in vain\u2014that this nation, under God, shall have a new birth of "
    "freedom\u2014and that government of the people, by the people, for the people, shall not perish from the "
    "earth.",
]

PREAMBLE = (
    "We the People of the United States, in Order to form a more perfect Union, establish Justice, insure "
    "domestic Tranquility, provide for the common defence, promote the general Welfare, and secure the "
    "Blessings of Liberty to ourselves and our Posterity, do ordain and establish this Constitution for the "
    "United States of America."
)
ARTICLE_1 = [
    ("Section. 1.", "All legislative Powers herein granted shall be vested in a Congress of the United States, "
     "which shall consist of a Senate and House of Representatives."),
    ("Section. 2.", "The House of Representatives shall be composed of Members chosen every second Year by the "
     "People of the several States, and the Electors in each State shall have the Qualifications requisite for "
     "Electors of the most numerous Branch of the State Legislature. No Person shall be a Representative who "
     "shall not have attained to the Age of twenty five Years, and been seven Years a Citizen of the United "
     "States, and who shall not, when elected, be an Inhabitant of that State in which he shall be chosen. "
     "The actual Enumeration shall be made within three Years after the first Meeting of the Congress of the "
     "United States, and within every subsequent Term of ten Years, in such Manner as they shall by Law "
     "direct. The Number of Representatives shall not exceed one for every thirty Thousand, but each State "
     "shall have at Least one Representative; and until such enumeration shall be made, the State of New "
     "Hampshire shall be entitled to chuse three, Massachusetts eight, Rhode-Island and Providence Plantations "
     "one, Connecticut five, New-York six, New Jersey four, Pennsylvania eight, Delaware one, Maryland six, "
     "Virginia ten, North Carolina five, South Carolina five, and Georgia three."),
]
ARTICLE_1_PAGE_2 = [
    ("Section. 3.", "The Senate of the United States shall be composed of two Senators from each State, chosen "
     "by the Legislature thereof, for six Years; and each Senator shall have one Vote. No Person shall be a "
     "Senator who shall not have attained to the Age of thirty Years, and been nine Years a Citizen of the "
     "United States, and who shall not, when elected, be an Inhabitant of that State for which he shall be "
     "chosen. The Vice President of the United States shall be President of the Senate, but shall have no "
     "Vote, unless they be equally divided."),
]
NOTE = (
    "Transcribed from the National Archives copy; for the full text see https://www.archives.gov/founding-docs/"
    "constitution-transcript for details, and write to reading.room@example.org with corrections."
)
NOTE_LINCOLN = (
    "The Bliss copy, the last one Abraham Lincoln wrote out, is the text most often quoted; the Library of "
    "Congress shows the drafts at https://www.loc.gov/exhibits/gettysburg-address/ and answers questions "
    "sent to ask.a.librarian.gettysburg@example.org within a week."
)


def gettysburg() -> str:
    body = para("Address Delivered at the Dedication of the Cemetery at Gettysburg", "Title")
    body += "".join(para(p) for p in GETTYSBURG)
    body += para("Abraham Lincoln, November 19, 1863.", "Heading")
    body += para("About this text", "Break") + para(NOTE_LINCOLN)
    return HEAD.replace("{width}", "11") + body + TAIL


def constitution() -> str:
    body = para("The Constitution of the United States (1787), Article I, Sections 1 to 3", "Title")
    body += para(PREAMBLE)
    body += columns([para(h, "Heading") + para(t) for h, t in ARTICLE_1])
    body += para(ARTICLE_1_PAGE_2[0][0], "Break") + para(ARTICLE_1_PAGE_2[0][1]) + para(NOTE)
    return HEAD.replace("{width}", "17") + body + TAIL


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, xml in (("gettysburg", gettysburg()), ("constitution", constitution())):
            source = Path(tmp) / f"{name}.fodt"
            source.write_text(xml, encoding="utf-8")
            subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(HERE), str(source)],
                           check=True, stdout=sys.stderr)


if __name__ == "__main__":
    main()
