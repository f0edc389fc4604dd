"""Pattern entities for privacy review: e-mail addresses, URLs, IBANs, payment cards, US social security
numbers, UK National Insurance and NHS numbers, passport/ID numbers, street lines of postal addresses,
IP addresses, dates, phones.

These identifiers have a fixed shape (and IBANs, cards and NHS numbers a checksum, SSNs and NI numbers
issuing rules, phone numbers a country's number plan, checked by libphonenumber), so rules find them
exactly where a small NER model can only guess; numbers without a shape of their own (passport and ID
numbers, NHS numbers, bare SSNs) count only right after a keyword naming them. They are reported beside the model's PER/ORG/LOC/MISC as ordinary
:class:`Entity` objects with ``score=1.0``.

Every detector prefers missing an odd form to flagging an ordinary number: dates, version numbers,
prices, years, timestamps and plain counts must never come back as PHONE, CARD, IP or an identifier,
because a review list full of
those gets ignored. Pure Python, no Qt. The streaming analysis (:mod:`.analysis`), which every caller
uses, reads a document chunk by chunk, gets the entities of the whole text from a :class:`PatternScan`
and merges them into each chunk's model entities with :func:`merge_entities`.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache

from sqzdesk.engine.results import Entity

# Also the priority order when two pattern matches overlap: the more specific shape wins.
PATTERN_TYPES: tuple[str, ...] = ("URL", "EMAIL", "IBAN", "CARD", "SSN", "NINO", "NHS", "ID", "ADDRESS", "IP",
                                  "DATE", "PHONE")
# Identifiers of a person or an account (what a redaction removes by default); DATE is not one of them.
IDENTIFIER_TYPES: tuple[str, ...] = tuple(t for t in PATTERN_TYPES if t != "DATE")
# Part of the result-store key: bump it whenever a detector changes what it finds.
# 2: DATE, SSN, NINO, NHS, ID, ADDRESS added; PHONE validated by libphonenumber.
# 3: no PHONE in a row of decimals or of game scores; a number written straight after "Tel"/"Fax" found.
PATTERNS_VERSION = 3

Span = tuple[int, int]

# How far before a match a detector reads to decide on it ("version 1.2.3.4" is no IP, "Tel: 555 1234"
# is a phone). :class:`PatternScan` relies on no detector reading further back than the longest.
_VERSION_LOOKBACK = 12
_KEYWORD_LOOKBACK = 24
_ID_LOOKBACK = 40

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

# Phone numbers are validated by libphonenumber (the ``phonenumbers`` package, its "lite" build without
# geocoder and carrier data): it knows every country's number plan, so "+44 20 7946 0958" and
# "(212) 555-0123" are found while "07/19/2015 21:00:15" (a timestamp), a price or a fictional
# "555-123-4567" are not. Numbers written with a country code ("+33 ...", "0049 ...") are checked in
# their country; national forms in each of these regions, in turn. Our own regular expression only
# proposes candidates (linebreak-free, set off from neighbouring numbers, not dates); the library
# decides. Its PhoneNumberMatcher was tried and is ~10x slower on number-heavy text for the same result.
# A national number starting with 0 is tried in the countries whose numbers are written with a trunk
# 0 ("020 7946 0958", "030/1234567"), any other in those written without one ("(212) 555-0123",
# "612 345 678"): where a plan has no trunk prefix (Austria's, Italy's) almost any digit string is a
# valid number, and "555-123-4567" or "16.469" would pass.
TRUNK_ZERO_REGIONS: tuple[str, ...] = ("GB", "DE", "FR", "NL", "BE", "CH", "AT", "IE", "IT")
NO_TRUNK_REGIONS: tuple[str, ...] = ("US", "CA", "ES")
# set off from what precedes it, or a "+" written straight after "tel"/"fax" ("Tel+44 171 542 8982", a wire's
# sign-off; "hotel+44 ..." too, whose number would otherwise be found without its country code)
_PHONE_CANDIDATE = re.compile(r"(?:(?<![\w+.,/$€£¥-])|(?<=(?i:tel|fax))(?=\+))"
                              r"(?:\+|\()?\d[\d ()./-]{5,24}\d(?![\w]|[.,/-]\d)")
_PHONE_GROUP = re.compile(r"\+?\(?\d+\)?")
_PHONE_KEYWORD = re.compile(
    r"(?i)(?:\b(?:tel|telephone|phone|ph|fax|mobile|mob|cell|call|whatsapp)\b\.?\s*(?:no\.?|number|#)?"
    r"\s*[:.]?|\b[tmf]\s*:|☎|📞)\s*$")
_DATE_LIKE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}|(?:19|20)\d\d ?[-/] ?(?:19|20)?\d\d")
_DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_FRENCH_PAIRS = re.compile(r"0\d(?:([. ])\d\d)(?:\1\d\d){3}")  # 06.12.34.56.78 starts like a date
# Columns of figures a candidate can string together: a decimal ("639.55 639.38", prices; "5647.65 ( -
# 64.73", a quote and its change) and game scores ("15-8 15-17 17-15", a squash match)
_DECIMAL_PART = re.compile(r"\(?\d+\.\d+\)?")
_SCORE_PART = re.compile(r"\d{1,2}-\d{1,2}")


def _keyword_before(text: str, start: int) -> bool:
    return bool(_PHONE_KEYWORD.search(text[max(0, start - _KEYWORD_LOOKBACK):start]))


@lru_cache(maxsize=4096)
def phone_valid(candidate: str) -> bool:
    """A number in some country's plan: with its country code ("+44 ...", "0044 ...") in that
    country, else a national form in one of :data:`TRUNK_ZERO_REGIONS` or :data:`NO_TRUNK_REGIONS`.
    Cached: documents repeat numbers."""
    import phonenumbers

    number = "+" + candidate[2:] if candidate.startswith("00") else candidate
    if number.startswith("+"):
        regions: tuple[str | None, ...] = (None,)
    else:
        regions = TRUNK_ZERO_REGIONS if number.lstrip("(").startswith("0") else NO_TRUNK_REGIONS
    for region in regions:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return True
    return False


def _phones(text: str) -> Iterator[Span]:
    """Digit strings (with the usual separators) that libphonenumber accepts as a real number; a bare
    run of digits ("2125550123", an order number as often as a phone) only after "Tel:" and the like,
    where also a local number no plan can place ("Phone: 555 1234") counts. Never a date."""
    # Digits inside an IBAN-shaped code (even one with a bad checksum) are an account, not a phone.
    ibanish = [m.span() for m in _IBAN.finditer(text)]
    for m in _PHONE_CANDIDATE.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in ibanish):
            continue
        groups = [(g.start() + m.start(), g.end() + m.start()) for g in _PHONE_GROUP.finditer(m.group())]
        # The candidate may have swallowed neighbouring numbers ("Order 12 212-555-0123"): try every
        # run of whole groups, longest first, and keep the first that reads as a phone number.
        runs = sorted(((i, j) for i in range(len(groups)) for j in range(i, len(groups))),
                      key=lambda r: (r[0] - r[1], r[0]))
        for i, j in runs:
            start, end = groups[i][0], groups[j][1]
            # A run inside the candidate must be set off by spaces, so "2023-01-15" never yields "01-15".
            if not ((i == 0 or text[start - 1] == " ") and (j == len(groups) - 1 or text[end] == " ")):
                continue
            if text[end - 1] == ")" and "(" not in text[start:end]:
                end -= 1
            candidate = text[start:end]
            digits = [ch for ch in candidate if ch.isdigit()]
            if not 7 <= len(digits) <= 15 or len(set(digits)) == 1 or "  " in candidate \
                    or (_DATE_LIKE.search(candidate) and not _FRENCH_PAIRS.fullmatch(candidate)):
                continue
            # A one-digit group first or last is an ISBN's or a part number's, not a phone number's, and
            # one dot between digits is a decimal point ("780000.000"), where 212.555.0123 has two.
            parts = re.findall(r"\d+", candidate)
            words = candidate.split()
            if any(_DECIMAL_PART.fullmatch(w) for w in words) \
                    or (len(words) > 1 and all(_SCORE_PART.fullmatch(w) for w in words)):
                continue  # a row of prices or of game scores
            if candidate.count(".") == 1 or _DOTTED_QUAD.fullmatch(candidate) \
                    or _VERSION_CONTEXT.search(text[max(0, start - _VERSION_LOOKBACK):start]):
                continue  # a decimal, an IP-shaped or a version number
            shaped = not candidate.isdigit() and (candidate.startswith("+") or min(len(parts[0]), len(parts[-1])) > 1)
            if _keyword_before(text, start) or (shaped and phone_valid(candidate)):
                yield start, end
                break


# ---- dates ---------------------------------------------------------------------------------------

_MONTHS = {name: i for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec")), 1) for name in names}
_MONTH = r"(?i:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d|21\d\d)"
_DATE_NUMERIC = re.compile(
    rf"(?<![\w.,/:-])(?:(?P<iso>{_YEAR})-(?P<im>[01]\d)-(?P<id>[0-3]\d)"
    rf"|(?P<a>[0-3]?\d)(?P<sep>[./-])(?P<b>[0-3]?\d)(?P=sep)(?P<y>{_YEAR}))(?=T\d|(?!\w|[.,/-]\d))")
_DATE_WORDS = re.compile(
    rf"(?<![\w.-])(?:(?P<d1>{_DAY})(?:\s+of)?\s+(?P<m1>{_MONTH}),?\s+(?P<y1>{_YEAR})"
    rf"|(?P<m2>{_MONTH})\s+(?P<d2>{_DAY}),?\s+(?P<y2>{_YEAR}))(?!\w)")


def _real_date(year: int, month: int, day: int) -> bool:
    import datetime

    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def _dates(text: str) -> Iterator[Span]:
    """Calendar dates with a four-digit year: ISO ``2023-01-15``, ``15.01.2023``, ``01/02/2023``,
    ``15 January 2023``, ``Jan. 5, 2021``. The day and month must make a real date in one reading
    (day-month or month-day), and a "version"/"v" before the match makes it a version number. Two-digit
    years are left alone: "1/2/23" is as often a ratio or a fraction."""
    for m in _DATE_NUMERIC.finditer(text):
        if _VERSION_CONTEXT.search(text[max(0, m.start() - _VERSION_LOOKBACK):m.start()]):
            continue
        if m.group("iso"):
            ok = _real_date(int(m.group("iso")), int(m.group("im")), int(m.group("id")))
        else:
            a, b, y = int(m.group("a")), int(m.group("b")), int(m.group("y"))
            ok = _real_date(y, b, a) or _real_date(y, a, b)
        if ok:
            yield m.span()
    for m in _DATE_WORDS.finditer(text):
        day, month, year = (m.group("d1"), m.group("m1"), m.group("y1")) if m.group("d1") else \
            (m.group("d2"), m.group("m2"), m.group("y2"))
        month_number = _MONTHS[month.lower().rstrip(".")]
        if _real_date(int(year), month_number, int(re.sub(r"\D", "", day))):
            yield m.span()


# ---- national identifiers ------------------------------------------------------------------------

_SSN = re.compile(r"(?<![\w./-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w]|[./-]\d|-\d)")
_SSN_KEYWORD = re.compile(r"(?i)\b(?:ssn|ss#|social\s+security(?:\s+(?:no\.?|number|#))?)\s*[:#.]?\s*$")
# Numbers the SSA never issued although they have the shape (advertising examples, test ranges).
_SSN_NEVER = {"078051120", "219099999", "123456789"}


def ssn_valid(number: str) -> bool:
    """The SSA's rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    digits = re.sub(r"\D", "", number)
    if len(digits) != 9 or digits in _SSN_NEVER:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _ssns(text: str) -> Iterator[Span]:
    """``123-45-6789`` by its shape and the SSA's rules; written with spaces or as nine bare digits only
    right after "SSN" / "social security number" (nine digits alone are as often a zip+4 or an order)."""
    for m in _SSN.finditer(text):
        if not ssn_valid(m.group()):
            continue
        if m.group(2) != "-" and not _SSN_KEYWORD.search(text[max(0, m.start() - _KEYWORD_LOOKBACK):m.start()]):
            continue
        yield m.span()


# UK National Insurance number: two prefix letters (D F I Q U V never; O never second; a few pairs
# never issued), six digits, a suffix A-D; written "AB123456C" or "AB 12 34 56 C".
_NINO = re.compile(r"(?<![\w-])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])(?![\w-])")
_NINO_NEVER = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def _ninos(text: str) -> Iterator[Span]:
    for m in _NINO.finditer(text):
        raw = m.group()
        # Spaced as "AB 12 34 56 C" or "AB 123456 C", or not at all: "AB 123456C" is some other code.
        spaced = raw.count(" ") == 4 or (raw.count(" ") == 2 and raw[2] == raw[-2] == " ")
        if m.group(1) not in _NINO_NEVER and (spaced or " " not in raw):
            yield m.span()


_NHS = re.compile(r"(?<![\w./-])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w]|[./-]\d)")
_NHS_KEYWORD = re.compile(r"(?i)\b(?:nhs|health\s+(?:service\s+)?(?:no\.?|number))\b[^\n\d]{0,16}$")


def nhs_valid(number: str) -> bool:
    """The NHS number's modulus 11 check digit (weights 10..2 over the first nine digits)."""
    digits = [int(ch) for ch in number if ch.isdigit()]
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return (0 if check == 11 else check) == digits[9]


def _nhs_numbers(text: str) -> Iterator[Span]:
    """``943 476 5919`` with a valid check digit and "NHS" shortly before: one in eleven random
    ten-digit numbers (a US phone number written 3-3-4 among them) passes the check on its own."""
    for m in _NHS.finditer(text):
        if nhs_valid(m.group()) and _NHS_KEYWORD.search(text[max(0, m.start() - _KEYWORD_LOOKBACK):m.start()]):
            yield m.span()


# Passport, identity card and driving licence numbers have no common shape: one is recognised only
# right after a keyword naming the document ("passport", "ID card", "driving licence", or "ID" /
# "document" / "licence" followed by "no." or "number", so "Order ID: 20231115" stays out), and must look
# like a document number: 6-12 capitals and digits, at least two digits, at most three letters
# ("C01X00T47", "L898902C3", "123456789").
_ID_KEYWORD = re.compile(
    r"(?i)(?:(?:\bpassport|\breisepass|\bpasseport|\bpersonalausweis|\bid[ -]?card|\bidentity\s+card"
    r"|\bnational\s+id(?:\s+card)?|\bdriver'?s?\s+licen[cs]e|\bdriving\s+licen[cs]e)"
    r"\s*(?:no\.?|nr\.?|number|#|-?nummer)?"
    r"|\b(?:id|identity\s+document|document|licen[cs]e|ausweis)\s*(?:no\.?|nr\.?|number|#|-?nummer))"
    r"\s*[:#.]?\s*$")
_ID_CANDIDATE = re.compile(r"(?<![\w-])[A-Z0-9][A-Z0-9-]{4,14}[A-Z0-9](?![\w-])")


def _id_numbers(text: str) -> Iterator[Span]:
    for m in _ID_CANDIDATE.finditer(text):
        compact = re.sub(r"[ -]", "", m.group())
        digits = sum(ch.isdigit() for ch in compact)
        if not (6 <= len(compact) <= 12 and digits >= 2 and len(compact) - digits <= 3):
            continue
        if _ID_KEYWORD.search(text[max(0, m.start() - _ID_LOOKBACK):m.start()]):
            yield m.span()


# ---- street lines of postal addresses ------------------------------------------------------------

# Only the street line, and only in the two shapes that say "street" themselves: a house number, one to
# four capitalised words and a street word ("221B Baker Street", "1600 Pennsylvania Avenue NW"), or a
# German street name and its number ("Hauptstraße 12a", "Berliner Straße 5"). Street words that are also
# ordinary nouns ("Way", "Court", "Place", "Close") are left out: "9 Supreme Court justices" is no address.
# Words are joined by spaces only, never a line break; the house number is 1-5 digits (4 after a German
# name), so "In 2019 ..." needs a street word right behind it and "Spring 2023" stays a season.
_STREET_WORDS = ("Street|Road|Avenue|Lane|Drive|Boulevard|Terrace|Crescent|Parkway|Highway|Gardens|Row|Mews"
                 "|St|Rd|Ave|Blvd|Ln")
_ADDRESS_EN = re.compile(
    rf"(?<![\w.,/-])\d{{1,5}}[A-Za-z]?(?:-\d{{1,5}})?,? (?:[A-Z][a-z'’]+\.? ){{0,3}}[A-Z][a-z'’]+ "
    rf"(?:{_STREET_WORDS})\b\.?(?: (?:NE|NW|SE|SW|N|S|E|W)\b)?")
_ADDRESS_DE = re.compile(
    r"(?<![\w-])(?:[A-ZÄÖÜ][a-zäöüß-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|damm|ufer)"
    r"|[A-ZÄÖÜ][a-zäöüß]+(?:er)? (?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Damm|Ufer)) "
    r"\d{1,3}(?: ?[a-z])?(?!\w|[.,/-]\d)")


# A street name used as a modifier counts things, it is not where someone lives: "3 Wall Street banks",
# "2 Oxford Street stores". Only a lowercase plural right behind the street word says so; a verb or function
# word ending in "s" ("12 Oak Road is ...", "was", "has") keeps the address (redaction errs on its side).
_PLURAL_AFTER = re.compile(r" ([a-z]{3,}s)\b")
_NOT_PLURALS = frozenset(("was", "has", "does", "is", "its", "this", "thus", "his", "hers", "ours", "yours",
                          "theirs", "always", "towards", "across", "besides", "perhaps", "unless", "whereas",
                          "plus", "minus", "versus", "once", "since", "sometimes", "nowadays"))


def _addresses(text: str) -> Iterator[Span]:
    for pattern in (_ADDRESS_EN, _ADDRESS_DE):
        for m in pattern.finditer(text):
            plural = _PLURAL_AFTER.match(text, m.end()) if pattern is _ADDRESS_EN else None
            if plural and plural.group(1) not in _NOT_PLURALS:
                continue
            end = m.end()
            if text[end - 1] == "." and m.group().rstrip(".").split()[-1] not in ("St", "Rd", "Ave", "Blvd", "Ln",
                                                                                   "Str"):
                end -= 1  # the sentence's full stop, not an abbreviation's
            yield m.start(), end


_DETECTORS: dict[str, Callable[[str], Iterator[Span]]] = {
    "URL": _urls, "EMAIL": _emails, "IBAN": _ibans, "CARD": _cards, "SSN": _ssns, "NINO": _ninos,
    "NHS": _nhs_numbers, "ID": _id_numbers, "ADDRESS": _addresses, "IP": _ips, "DATE": _dates, "PHONE": _phones,
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
    only detectors that read further back (the "version", "Tel:", "SSN", "NHS" and "passport" checks)
    read at most :attr:`CONTEXT` characters (libphonenumber is run one line at a time for that reason). So each block of whole lines is scanned with that much text before
    it for context, and only the matches starting inside the block are kept. tests/test_gui_patterns.py
    checks the equality on generated texts; a detector that breaks the rule makes it fail.
    """

    CONTEXT = max(_VERSION_LOOKBACK, _KEYWORD_LOOKBACK, _ID_LOOKBACK)

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
