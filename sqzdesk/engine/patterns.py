"""Pattern entities for privacy review: e-mail addresses, URLs, IBANs, payment cards, IP addresses, phones.

These identifiers have a fixed shape (and IBANs and cards a checksum), so rules find them exactly where a
small NER model can only guess; they are reported beside the model's PER/ORG/LOC/MISC as ordinary
:class:`Entity` objects with ``score=1.0``.

Every detector prefers missing an odd form to flagging an ordinary number: dates, version numbers,
prices, years and plain counts must never come back as PHONE, CARD or IP, because a review list full of
those gets ignored. Pure Python, no Qt. The streaming analysis (:mod:`.analysis`), which every caller
uses, reads a document chunk by chunk, gets the entities of the whole text from a :class:`PatternScan`
and merges them into each chunk's model entities with :func:`merge_entities`.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence

from sqzdesk.engine.results import Entity

# Also the priority order when two pattern matches overlap: the more specific shape wins.
PATTERN_TYPES: tuple[str, ...] = ("URL", "EMAIL", "IBAN", "CARD", "IP", "PHONE")
# Part of the result-store key: bump it whenever a detector changes what it finds.
PATTERNS_VERSION = 1

Span = tuple[int, int]

# How far before a match a detector reads to decide on it ("version 1.2.3.4" is no IP, "Tel: 555 1234"
# is a phone). :class:`PatternScan` relies on no detector reading further back than the longest.
_VERSION_LOOKBACK = 12
_KEYWORD_LOOKBACK = 24

# ---- e-mail and URL ------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])")
_URL = re.compile(r"(?<![\w@/.-])(?:https?://[^\s/?#<>\"'`]+|www\.[A-Za-z0-9-]+\.[A-Za-z0-9.-]+)"
                  r"[^\s<>\"'`]*", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\"*"
_BRACKETS = {")": "(", "]": "[", "}": "{"}


def _emails(text: str) -> Iterator[Span]:
    for m in _EMAIL.finditer(text):
        yield m.span()


def _urls(text: str) -> Iterator[Span]:
    for m in _URL.finditer(text):
        start, end = m.span()
        # Sentence punctuation and an unmatched closing bracket belong to the prose, not the link
        # ("see (https://x.org/a_(b))." keeps the balanced pair inside the URL).
        while end > start:
            last = text[end - 1]
            if last in _URL_TRAILING or (last in _BRACKETS and text[start:end].count(_BRACKETS[last])
                                         < text[start:end].count(last)):
                end -= 1
            else:
                break
        if end > start:
            yield start, end


# ---- IBAN ----------------------------------------------------------------------------------------

# Official IBAN lengths per country (SWIFT registry); only these countries are accepted, which keeps
# random "two letters and digits" codes out even before the checksum.
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20
}
_IBAN = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}(?![\w-])")


def iban_valid(iban: str) -> bool:
    """Known country, that country's length, and the ISO 13616 mod-97 check (remainder 1)."""
    compact = iban.replace(" ", "").upper()
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def _ibans(text: str) -> Iterator[Span]:
    for m in _IBAN.finditer(text):
        start = m.start()
        want = _IBAN_LENGTHS.get(text[start:start + 2])
        if want is None:
            continue
        # The greedy match may run into a following short word ("... 00 AND"); cut it at the country's
        # length, which must fall on a group boundary.
        seen, end = 0, start
        for pos in range(start, m.end()):
            if text[pos] != " ":
                seen += 1
            if seen == want:
                end = pos + 1
                break
        if seen == want and (end == len(text) or not text[end].isalnum()) and iban_valid(text[start:end]):
            yield start, end


# ---- payment cards -------------------------------------------------------------------------------

_CARD = re.compile(r"(?<![\w+.,/$€£¥-])\d(?:[ -]?\d){12,18}(?!\w|[.,/-]\d)")


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check every payment card number carries."""
    digits = [int(ch) for ch in number if ch.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return bool(digits) and total % 10 == 0


def _cards(text: str) -> Iterator[Span]:
    for m in _CARD.finditer(text):
        raw = m.group()
        digits = re.sub(r"\D", "", raw)
        seps = set(re.findall(r"[ -]", raw))
        groups = re.split(r"[ -]", raw)
        if len(seps) > 1 or (seps and not all(3 <= len(g) <= 6 for g in groups)):
            continue  # mixed separators or odd grouping: a list of numbers, not one card
        # Issuer ranges start with 2-6 (Mastercard 2-series, Amex 3, Visa 4, Mastercard 5, Discover 6).
        if digits[0] not in "23456" or len(set(digits)) == 1 or not luhn_valid(digits):
            continue
        yield m.span()


# ---- IP addresses --------------------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.-]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w-]|\.\d)")
_VERSION_CONTEXT = re.compile(r"(?i)(?:\bversion|\bver\.?|\bv\.?|\brelease|\bbuild|\brev\.?|\brevision)\s*$")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?"
                   r"(?![\w:])")


def _ipv4(text: str) -> Iterator[Span]:
    for m in _IPV4.finditer(text):
        if not _VERSION_CONTEXT.search(text[max(0, m.start() - _VERSION_LOOKBACK):m.start()]):
            yield m.span()


def _ipv6(text: str) -> Iterator[Span]:
    for m in _IPV6.finditer(text):
        candidate = m.group()
        groups = [g for g in re.split(r"[:.]", candidate) if g]
        # "::" or all eight groups; a digit and some length, so "a::b", "Foo::Bar" and times stay out.
        if ("::" not in candidate and candidate.count(":") != 7) or len(candidate) < 6 \
                or len(groups) < 2 or not any(ch.isdigit() for ch in candidate):
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        yield m.span()


def _ips(text: str) -> Iterator[Span]:
    yield from _ipv4(text)
    yield from _ipv6(text)


# ---- phone numbers -------------------------------------------------------------------------------

_PHONE_CANDIDATE = re.compile(r"(?<![\w+.,/$€£¥-])(?:\+|\()?\d[\d ()./-]{5,24}\d(?![\w]|[.,/-]\d)")
_PHONE_GROUP = re.compile(r"\+?\(?\d+\)?")
_PHONE_KEYWORD = re.compile(
    r"(?i)(?:\b(?:tel|telephone|phone|ph|fax|mobile|mob|cell|call|whatsapp)\b\.?\s*(?:no\.?|number|#)?"
    r"\s*[:.]?|\b[tmf]\s*:|☎|📞)\s*$")
_PHONE_RULES = (
    # +44 20 7946 0958, +1 (555) 123-4567, +49 (0)30 1234567
    re.compile(r"\+\d{1,3}(?:[ .-]?\(0\))?(?:[ .-]?\(?\d{1,5}\)?){1,6}"),
    # (555) 123-4567, (030) 1234 5678
    re.compile(r"\(\d{2,5}\)[ .-]?\d{3,4}[ .-]?\d{3,5}"),
    # 555-123-4567, 555.123.4567, 555 123 4567 (one separator throughout; area codes never start 0/1)
    re.compile(r"[2-9]\d{2}([-. ])\d{3}\1\d{4}"),
    # national numbers with a trunk 0: 020 7946 0958, 030/1234567, 06 12 34 56 78, 0800-123-456
    re.compile(r"0\d{1,4}(?:[ /-]\d{2,8}){1,4}"),
)
_DATE_LIKE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}|(?:19|20)\d\d ?[-/] ?(?:19|20)?\d\d")


def _phone_ok(candidate: str, keyword: bool) -> bool:
    digits = [ch for ch in candidate if ch.isdigit()]
    if not 7 <= len(digits) <= 15 or len(set(digits)) == 1 or "  " in candidate:
        return False
    if _DATE_LIKE.fullmatch(candidate):
        return False
    if any(rule.fullmatch(candidate) for rule in _PHONE_RULES):
        return len(digits) >= (8 if candidate.startswith("+") else 10 if candidate.startswith("0") else 9)
    # Right after "Tel:" / "phone" any plausible digit string is a number, but still not a date.
    return keyword and not _DATE_LIKE.search(candidate)


def _phones(text: str) -> Iterator[Span]:
    # Digits inside an IBAN-shaped code (even one with a bad checksum) are an account, not a phone.
    ibanish = [m.span() for m in _IBAN.finditer(text)]
    for m in _PHONE_CANDIDATE.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in ibanish):
            continue
        groups = [(g.start() + m.start(), g.end() + m.start()) for g in _PHONE_GROUP.finditer(m.group())]
        # The candidate may have swallowed neighbouring numbers ("Order 12 555-123-4567"): try every
        # run of whole groups, longest first, and keep the first that reads as a phone number.
        runs = sorted(((i, j) for i in range(len(groups)) for j in range(i, len(groups))),
                      key=lambda r: (r[0] - r[1], r[0]))
        for i, j in runs:
            start, end = groups[i][0], groups[j][1]
            # A run inside the candidate must be set off by spaces, so "2023-01-15" never yields "01-15".
            whole_groups = (i == 0 or text[start - 1] == " ") and (j == len(groups) - 1 or text[end] == " ")
            if text[end - 1] == ")" and "(" not in text[start:end]:
                end -= 1
            keyword = bool(_PHONE_KEYWORD.search(text[max(0, start - _KEYWORD_LOOKBACK):start]))
            if whole_groups and _phone_ok(text[start:end], keyword):
                yield start, end
                break


_DETECTORS: dict[str, Callable[[str], Iterator[Span]]] = {
    "URL": _urls, "EMAIL": _emails, "IBAN": _ibans, "CARD": _cards, "IP": _ips, "PHONE": _phones,
}


# ---- public API ----------------------------------------------------------------------------------

def parse_types(spec: str) -> frozenset[str]:
    """``"all"``, ``"none"`` or a comma list such as ``"EMAIL,PHONE"`` -> the set of pattern types.

    Raises ValueError naming the unknown type, so a typo on the command line is not silently ignored.
    """
    words = [w.strip().upper() for w in spec.split(",") if w.strip()]
    if words == ["ALL"]:
        return frozenset(PATTERN_TYPES)
    if words in ([], ["NONE"]):
        return frozenset()
    unknown = [w for w in words if w not in PATTERN_TYPES]
    if unknown:
        raise ValueError(f"unknown pattern type(s) {', '.join(unknown)} (known: {', '.join(PATTERN_TYPES)})")
    return frozenset(words)


def find_patterns(text: str, types: Iterable[str] = PATTERN_TYPES) -> list[Entity]:
    """Non-overlapping pattern entities in text order; where two overlap the higher-priority type wins."""
    wanted = set(types)
    found = [(PATTERN_TYPES.index(label), start, end, label)
             for label in PATTERN_TYPES if label in wanted
             for start, end in _DETECTORS[label](text)]
    found.sort(key=lambda f: (f[0], f[1] - f[2], f[1]))
    taken: list[Span] = []
    out = []
    for _, start, end, label in found:
        if not any(start < e and s < end for s, e in taken):
            taken.append((start, end))
            out.append(Entity(start, end, label, text[start:end], 1.0))
    return sorted(out, key=lambda e: e.start)


def merge_entities(model: Sequence[Entity], patterns: Sequence[Entity]) -> list[Entity]:
    """Model and pattern entities together, sorted, without overlaps.

    A model entity that overlaps any pattern entity is dropped whole: the rule match is exact (an
    e-mail's domain tagged ORG is a fragment of the address, not an organisation), and trimming the
    model span would leave pieces the model never proposed.
    """
    kept = [e for e in model if not any(e.start < p.end and p.start < e.end for p in patterns)]
    return sorted([*kept, *patterns], key=lambda e: (e.start, e.end))


class PatternScan:
    """``find_patterns(text, types)`` of one whole text, found a block of lines at a time, on demand.

    The GUI analyses a long document in chunks and shows each chunk's results as soon as they exist;
    scanning the whole text first would hold the first results back (and a document dense with
    identifiers costs a second per few hundred KB). A scan reads the text forward only as far as the
    chunks asked for so far, so the total work is one pass, and the entities it gives are exactly
    those of one :func:`find_patterns` call on the whole text, offsets included, whatever the chunks.

    Why that holds: no detector's match contains a line break (their character classes exclude it),
    the checks before and after a match treat a line break like the start or end of the text, and the
    only detectors that read further back (the "version" and "Tel:" checks) read at most
    ``_KEYWORD_LOOKBACK`` characters. So each block of whole lines is scanned with that much text before
    it for context, and only the matches starting inside the block are kept. tests/test_gui_patterns.py
    checks the equality on generated texts; a detector that breaks the rule makes it fail.
    """

    CONTEXT = max(_VERSION_LOOKBACK, _KEYWORD_LOOKBACK)

    def __init__(self, text: str, types: Iterable[str] = PATTERN_TYPES) -> None:
        self.text = text
        self.types = frozenset(types)
        self.scanned_to = 0  # text[:scanned_to] is done; always 0, just after a "\n", or len(text)
        self.entities: list[Entity] = []
        self._starts: list[int] = []
        self._ends: list[int] = []

    def _scan_to(self, offset: int) -> None:
        """Scan whole lines until every line touching text[:offset] is done."""
        if self.scanned_to >= min(offset, len(self.text)) or not self.types:
            return
        found, self.scanned_to = _scan_lines(self.text, self.scanned_to, offset, self.types)
        self.entities += found
        self._starts += [e.start for e in found]
        self._ends += [e.end for e in found]

    def overlapping(self, start: int, end: int) -> list[Entity]:
        """The entities that overlap text[start:end], in text order (scanning as far as needed).

        The entities never overlap each other, so sorted by start they are sorted by end as well.
        """
        self._scan_to(end)
        return self.entities[bisect_right(self._ends, start):bisect_left(self._starts, end)]

    def all(self) -> list[Entity]:
        """Every entity of the text (scans what is left)."""
        self._scan_to(len(self.text))
        return list(self.entities)


def patterns_touching(text: str, start: int, end: int, types: Iterable[str] = PATTERN_TYPES) -> list[Entity]:
    """The pattern entities of the whole ``text`` that overlap ``text[start:end]``, found by scanning only
    the lines that span touches (the way :class:`PatternScan` goes block by block). For a few spans deep
    in a long document, e.g. answers."""
    found, _ = _scan_lines(text, text.rfind("\n", 0, start) + 1, end, frozenset(types))
    return [e for e in found if e.start < end and e.end > start]


def _scan_lines(text: str, first: int, upto: int, types: frozenset[str]) -> tuple[list[Entity], int]:
    """The whole text's pattern entities that start in the lines from ``first`` (0 or just after a "\n")
    through the one holding ``text[upto - 1]``, and where those lines end. The lines are scanned with
    :attr:`PatternScan.CONTEXT` characters before them, which is all the detectors ever look back."""
    newline = text.find("\n", max(upto - 1, first))
    last = len(text) if newline < 0 else newline + 1
    base = max(0, first - PatternScan.CONTEXT)
    return [Entity(e.start + base, e.end + base, e.label, e.text, e.score)
            for e in find_patterns(text[base:last], types) if e.start + base >= first], last
