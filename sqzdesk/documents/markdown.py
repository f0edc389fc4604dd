"""Markdown reader: decoded like plain text, then light markup stripping so the text reads as prose.

This is deliberately not a Markdown renderer. It works line by line, keeps every line of content
(list bullets stay as line starts so lists still read as lists) and removes only the markup that
would otherwise pollute sentences: heading hashes, emphasis, code backticks, link targets, images,
HTML tags and comments, front matter and fences.

Every regular expression here is written so that each match attempt stops at the next delimiter
character (its character classes exclude the delimiters themselves); nothing can backtrack
catastrophically, so a pathological line costs time linear in its length.
"""

from __future__ import annotations

import re
from pathlib import Path

from .decoding import decode_text
from .model import Document

_FENCE_OPEN = re.compile(r" {0,3}(`{3,}|~{3,})")
_REFERENCE_DEFINITION = re.compile(r" {0,3}\[[^\[\]\n]{1,999}\]:")
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]+|$)")
_BLOCKQUOTE = re.compile(r" {0,3}(?:>[ \t]?)+")
_BULLET = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")

_IMAGE = re.compile(r"!\[[^\[\]\n]*\]\((?:[^()\n]|\([^()\n]*\))*\)")
_LINK = re.compile(r"\[([^\[\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_REFERENCE_LINK = re.compile(r"\[([^\[\]\n]+)\]\[[^\[\]\n]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^\s<>]*)>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?/?>")
_STAR_EMPHASIS = re.compile(r"(?<![\\*])(\*{1,3})(?=[^\s*])([^*\n]+?)(?<=[^\s*\\])\1(?!\*)")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![\w\\])(_{1,3})(?=[^\s_])([^_\n]+?)(?<=[^\s_\\])\1(?!\w)")
_STRIKETHROUGH = re.compile(r"(?<!\\)~~(?=\S)([^~\n]+?)(?<=\S)~~")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_EMPHASIS_PASSES = 3  # enough for **bold _italic_ bold** style nesting


def read_markdown(data: bytes, path: Path) -> Document:
    """Decode like plain text, then strip markup with :func:`strip_markdown`."""
    return Document(path=path, text=strip_markdown(decode_text(data)), format="md")


def strip_markdown(text: str) -> str:
    """Return ``text`` (``"\n"`` newlines) without Markdown markup: one output line per input line,
    except for front matter, code fences, rules and reference definitions, which are dropped."""
    lines = _drop_html_comments(text).split("\n")
    out: list[str] = []
    fence: str | None = None
    for line in lines[_front_matter_end(lines) :]:
        if fence is not None:
            if _closes_fence(line, fence):
                fence = None
            else:
                out.append(line)  # code stays verbatim
            continue
        opening = _FENCE_OPEN.match(line)
        if opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end() :]):
            fence = opening.group(1)
            continue
        if _is_rule(line) or _REFERENCE_DEFINITION.match(line):
            continue
        out.append(_strip_line(line))
    return "\n".join(out)


def _strip_line(line: str) -> str:
    """Block-level markers first (they only count at the start of a line), then inline markup."""
    quote = _BLOCKQUOTE.match(line)
    if quote:
        line = line[quote.end() :]
    heading = _HEADING.match(line)
    if heading:
        return _strip_inline(_drop_closing_hashes(line[heading.end() :]))
    if line.lstrip().startswith("|"):
        cells = line.strip().strip("|").split("|")
        return "\t".join(_strip_inline(cell.strip()) for cell in cells)
    bullet = _BULLET.match(line)
    prefix = bullet.group(0) if bullet else ""
    return prefix + _strip_inline(line[len(prefix) :])


def _strip_inline(text: str) -> str:
    """Inline markup outside code spans; code span contents are kept exactly as written."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick is literal text
        parts[-2:] = ["`".join(parts[-2:])]
    return "".join(part if index % 2 else _strip_prose(part) for index, part in enumerate(parts))


def _strip_prose(text: str) -> str:
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _REFERENCE_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _HTML_TAG.sub(_replace_tag, text)
    for _ in range(_EMPHASIS_PASSES):
        stripped = _STAR_EMPHASIS.sub(r"\2", text)
        stripped = _UNDERSCORE_EMPHASIS.sub(r"\2", stripped)
        stripped = _STRIKETHROUGH.sub(r"\1", stripped)
        if stripped == text:
            break
        text = stripped
    return _ESCAPE.sub(r"\1", text)


def _replace_tag(tag: re.Match[str]) -> str:
    """Tags vanish, except that a line break still separates the words on either side."""
    return " " if tag.group(1).lower() == "br" else ""


def _drop_html_comments(text: str) -> str:
    """Remove ``<!-- ... -->`` (possibly spanning lines). An unclosed comment is left as text rather
    than swallowing the rest of the document: losing text silently is worse than showing markup."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        end = text.find("-->", start + 4) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:start])
        pos = end + 3


def _front_matter_end(lines: list[str]) -> int:
    """Index of the first line after a YAML front-matter block (``---`` ... ``---``), else 0."""
    if not lines or lines[0].strip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return index + 1
    return 0


def _closes_fence(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and stripped == fence[0] * len(stripped)


def _is_rule(line: str) -> bool:
    """Thematic breaks (``***``, ``- - -``), setext underlines (``===``) and table delimiter rows."""
    compact = line.replace(" ", "").replace("\t", "")
    if len(compact) >= 3 and compact[0] in "-*_=" and compact == compact[0] * len(compact):
        return True
    return "|" in compact and "-" in compact and not compact.strip("|:-")


def _drop_closing_hashes(text: str) -> str:
    """``## Title ##`` -> ``Title``; a hash glued to a word (``C#``) is content and stays."""
    text = text.rstrip()
    without = text.rstrip("#")
    if without != text and (not without or without[-1] in " \t"):
        return without.rstrip()
    return text
