"""What a main-content extractor leaves around the article: teaser lists, the page's footer, inline teasers.

resiliparse finds the article well but often keeps what follows it on the page: "The Latest on ..." or
"Read this next" with other stories' headlines and blurbs, "Most Viewed", share and follow buttons,
copyright lines. Analysed with the article, those add entities and sentiment that belong to other
stories (a privacy reviewer sees names that are not in the article). :func:`strip_furniture` removes
them; its first two steps are confined to the end of the text, so the article itself is never cut:

1. **a teaser heading in the last half** ("The Latest on ...", "Read this next", "Most viewed",
   "Related stories", "You may also like", ...): the text is cut there, provided what follows is the
   smaller part of the text;
2. **trailing furniture**, paragraph by paragraph from the end, while each is footer-like (copyright,
   "All rights reserved", follow/share/subscribe/sign-up lines, "Advertisement", "Filed under", link rows
   with ``|``) or a stub of at most three words ("ON FACEBOOK", "See all", "References[edit]");
3. anywhere, the **inline teasers** news sites put between paragraphs: a short paragraph that is a link to
   another story under a fixed capitalised label ("(MORE: ...)", "READ MORE: ...", "RELATED: ...",
   "WATCH: ..."). Only those labels: transcripts write speakers the same way ("JON SIEBEN: ...").

The patterns are English page furniture; other text is left as it is.
"""

from __future__ import annotations

import re

_TEASER = re.compile(
    r"(the )?latest (on|from|in)\b.*|read (this|these) next\b.*|(more|other) (stories|news|articles) (from|on|in)\b.*"
    r"|most (viewed|popular|read|commented|emailed|shared)\b.*|related (stories|articles|posts|content|coverage|links)"
    r"|you (may|might) (also )?(like|enjoy)\b.*|recommended (for you|stories|articles|reading)|around the web"
    r"|what to read next|(don't|do not) miss\b.*|trending (now|stories)",
    re.IGNORECASE,
)
_FURNITURE = re.compile(
    r".*(all rights reserved|©|\(c\) \d{4}|copyright \d{4}).*|(follow|like|join|find) us\b.*|follow\b.{0,40}"
    r"|(share|email|print) this\b.*|read or share this\b.*|leave a comment\b.*|\d* ?comments?"
    r"|advertisement|sponsored\b.*|filed under:.*|tags?:.*|posted in\b.*|see all\b.*|learn more\b.*"
    r"|(subscribe|sign up|unsubscribe)\b.*|get updated when\b.*|privacy policy\b.*|terms of (use|service)\b.*"
    r"|(photos?|videos?|watch|gallery):.*|more (from|on|commentary|news|stories)\b.*|please enable javascript\b.*"
    r"|scroll (left|right)\b.*|view the top \d+\b.*|powered by\b.*",
    re.IGNORECASE,
)
_INLINE_TEASER = re.compile(
    r"\(?(MORE|READ MORE|ALSO READ|RELATED|SEE ALSO|WATCH|PHOTOS?|VIDEO|LISTEN|READ|RELATED STORY): .*")
_LINK_ROW = re.compile(r"([^|]+\|){3,}")
_WORD = re.compile(r"\w+")
_BLANK_RUNS = re.compile(r"\n{3,}")
STUB_WORDS = 3
MAX_FURNITURE_WORDS = 30  # a "footer" line longer than this is prose that happens to name a pattern


def word_count(text: str) -> int:
    """Runs of word characters: the one word count of the HTML reading (here and in :mod:`.html`)."""
    return len(_WORD.findall(text))


def _is_teaser(paragraph: str) -> bool:
    return word_count(paragraph) <= 12 and bool(_TEASER.fullmatch(paragraph.strip(" •»›:")))


def is_furniture(paragraph: str) -> bool:
    """A footer-like paragraph: a stub, or a short line of page furniture."""
    line = paragraph.strip(" •»›\t")
    n = len(line.split())
    if n <= STUB_WORDS:
        return True
    return n <= MAX_FURNITURE_WORDS and bool(_FURNITURE.fullmatch(line) or _LINK_ROW.match(line))


def strip_furniture(text: str) -> str:
    """``text`` without the teasers and footer after the article, and without inline teasers (see the
    module's docstring)."""
    kept = [line for line in text.split("\n")
            if not (word_count(line) <= 25 and _INLINE_TEASER.fullmatch(line.strip()))]
    text = _BLANK_RUNS.sub("\n\n", "\n".join(kept))
    lines = text.split("\n")
    total = word_count(text)
    seen = 0
    for i, line in enumerate(lines):
        if i and seen >= total / 2 and _is_teaser(line) and total - seen - word_count(line) < seen:
            lines = lines[:i]
            break
        seen += word_count(line)
    left = seen  # the words of ``lines``: all of them, or those before the teaser heading
    while lines and (not lines[-1].strip() or is_furniture(lines[-1])):
        last = word_count(lines[-1])
        if left - last < total / 2:
            break  # never trim into the first half: a short page stays as it is
        lines.pop()
        left -= last
    return "\n".join(lines).rstrip()
