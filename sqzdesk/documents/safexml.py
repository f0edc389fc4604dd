"""XML from untrusted files, parsed with the standard library and accepted as libxml2 (lxml) accepts it.

:func:`parse` returns an :mod:`xml.etree.ElementTree` tree built by expat, after checks that make it
refuse what libxml2 refused, so that a reader moved off lxml (the DOCX reader) reads and refuses the same
files:

* a DOCTYPE is refused outright (formats such as Office Open XML never have one), before anything else
  is parsed, so no entity can be declared, let alone expanded; this one is new, lxml read them;
* every namespace name must be a URI reference as libxml2's RFC 3986 parser reads it: lxml refuses
  ``xmlns:w="not a uri"`` while expat takes any string;
* the XML declaration's version must be 1.x;
* a byte-order mark, or UTF-16 or UCS-4 seen in the first bytes, decides the encoding even when the
  declaration names another one, UTF-16 without a declaration is refused, and encodings expat does not
  know itself (Shift_JIS, "utf8", ...) are decoded by Python, as libxml2 decodes them with iconv;
* elements may nest 256 deep (libxml2's limit without XML_PARSE_HUGE).

Comments and processing instructions stay in the tree, as in lxml: an element's ``text`` then ends where
a comment starts, as lxml's does.

Known differences, none of which an Office application writes: libxml2's other limits (names over 50,000
characters, a text or attribute value over 10 MB) are not applied; an encoding name Python knows but
iconv does not ("UTF", "latin") is accepted; names with characters only XML 1.0's fifth edition allows
(U+20AC...) are refused, expat follows the fourth; and lxml let a namespace error through when a warning
(an invalid xml:space value, say) followed it, which this module does not.
"""

from __future__ import annotations

import codecs
import functools
import re
from xml.etree import ElementTree
from xml.parsers import expat

MAX_DEPTH = 256

_CHUNK = 64 * 1024
_VERSION = re.compile(r"1\.[0-9]*")
# (first bytes, codec), as libxml2 detects them: UTF-32 byte-order marks before UTF-16 ones, which
# they start with; "<" in UCS-4 and "<?" in UTF-16 without one
_DETECTED_ENCODINGS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_DECLARED_ENCODING = re.compile(rb"<\?xml\s[^>]*?\bencoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._-]*)[\"']")
_EXPAT_ENCODINGS = frozenset({"utf-8", "utf-16", "iso-8859-1", "us-ascii"})


class InvalidXML(ValueError):
    """Not well-formed, or refused by libxml2 for another reason."""


class DoctypeXML(InvalidXML):
    """Declares a DOCTYPE."""


def parse(xml: bytes) -> ElementTree.Element:
    """The root element of ``xml``; raises :class:`InvalidXML` (or :class:`DoctypeXML`)."""
    source = _decoded(xml)
    _check(source)
    parser = ElementTree.XMLParser(target=ElementTree.TreeBuilder(insert_comments=True, insert_pis=True))
    try:
        parser.feed(source)
        root = parser.close()
    except (ElementTree.ParseError, LookupError, UnicodeError) as exc:
        raise InvalidXML(str(exc)) from exc
    if _deeper_than(root, MAX_DEPTH):
        raise InvalidXML(f"elements nest more than {MAX_DEPTH} deep")
    return root


def _decoded(xml: bytes) -> bytes | str:
    """``xml`` as text where its first bytes tell the encoding (libxml2 then ignores the declared one;
    expat would refuse a mismatch) or where it declares an encoding expat does not know itself; else as
    it is, for expat to decode."""
    codec = next((codec for start, codec in _DETECTED_ENCODINGS if xml.startswith(start)), None)
    if codec is None:
        if xml[:2] in (b"<\x00", b"\x00<"):  # expat would take UTF-16 without "<?"; libxml2 sees a NUL
            raise InvalidXML("UTF-16 without an XML declaration")
        declared = _DECLARED_ENCODING.match(xml)
        if declared is None or declared.group(1).decode("ascii").lower() in _EXPAT_ENCODINGS:
            return xml
        codec = declared.group(1).decode("ascii")  # expat only knows single-byte ones besides those
    try:
        text = xml.decode(codec)
    except (LookupError, UnicodeDecodeError) as exc:
        raise InvalidXML(f"not valid {codec}") from exc
    # expat would still look for UTF-16 at the start of the text, and skip one more byte-order mark
    if "\x00" in text or text.startswith("\ufeff"):
        raise InvalidXML("NUL character or second byte-order mark")
    return text


def _check(source: bytes | str) -> None:
    """Reject a DOCTYPE, a namespace name that is not a URI and an XML version other than 1.x, and
    anything expat finds not well-formed. A handler's exception ends the scan (within the current chunk
    at the latest)."""

    def doctype(*_args: object) -> None:
        raise DoctypeXML("DOCTYPE declaration")

    def namespace(prefix: str | None, uri: str | None) -> None:
        if uri and not is_uri_reference(uri):
            raise InvalidXML(f"namespace name {uri!r} is not a URI")

    def declaration(version: str | None, _encoding: str | None, _standalone: int) -> None:
        if version is not None and not _VERSION.fullmatch(version):
            raise InvalidXML(f"unsupported XML version {version!r}")

    scanner = expat.ParserCreate(namespace_separator="}")
    scanner.StartDoctypeDeclHandler = doctype
    scanner.StartNamespaceDeclHandler = namespace
    scanner.XmlDeclHandler = declaration
    try:
        for start in range(0, len(source), _CHUNK):
            scanner.Parse(source[start : start + _CHUNK], False)
        scanner.Parse(source[:0], True)
    except (expat.ExpatError, LookupError, UnicodeError) as exc:  # LookupError: an unknown encoding
        raise InvalidXML(str(exc)) from exc


def _deeper_than(root: ElementTree.Element, limit: int) -> bool:
    """Whether elements nest more than ``limit`` deep (the root is at depth 1); comments do not count."""
    level = [root]
    for _ in range(limit):
        level = [child for element in level for child in element]
        if not level:
            return False
    return any(isinstance(node.tag, str) for node in level)


# --- RFC 3986 URI references, read as libxml2's xmlParseURI reads them (uri.c) ---------------------------------

_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGIT = frozenset("0123456789")
_HEX = _DIGIT | frozenset("abcdefABCDEF")
_UNRESERVED = _ALPHA | _DIGIT | frozenset("-._~")
_SUB_DELIMS = frozenset("!$&'()*+,;=")
_SCHEME = _ALPHA | _DIGIT | frozenset("+-.")
_PCHAR_EXTRA = frozenset(":@")
_REG_NAME = _UNRESERVED | _SUB_DELIMS
_USERINFO = _REG_NAME | frozenset(":")
_INT_MAX = 2**31 - 1


@functools.lru_cache(maxsize=1024)  # a file repeats the same few namespace names
def is_uri_reference(text: str) -> bool:
    """Whether libxml2 parses ``text`` as a URI reference: an absolute URI, else a relative reference."""
    return _Uri(text).absolute() or _Uri(text).relative()


class _Uri:
    """A cursor over the text; each production returns whether it matched and moves past what it read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def char(self, offset: int = 0) -> str:
        index = self.at + offset
        return self.text[index] if index < len(self.text) else ""

    def pct_encoded(self) -> bool:
        return self.char() == "%" and self.char(1) in _HEX and self.char(2) in _HEX

    def pchar(self) -> bool:
        c = self.char()  # "" past the end, in none of the sets
        return c in _UNRESERVED or c in _SUB_DELIMS or c in _PCHAR_EXTRA or self.pct_encoded()

    def step(self) -> None:
        self.at += 3 if self.char() == "%" else 1

    def absolute(self) -> bool:
        """scheme ":" hier-part [ "?" query ] [ "#" fragment ]"""
        if self.char() not in _ALPHA:
            return False
        self.at += 1
        while self.char() in _SCHEME:
            self.at += 1
        if self.char() != ":":
            return False
        self.at += 1
        if not self.hier_part():
            return False
        return self.query_fragment_end()

    def relative(self) -> bool:
        """relative-part [ "?" query ] [ "#" fragment ]; its first segment may not hold a colon"""
        return self.path_part(first_segment_forbid=":", strict=True) and self.query_fragment_end()

    def hier_part(self) -> bool:
        return self.path_part(first_segment_forbid="", strict=False)

    def path_part(self, first_segment_forbid: str, strict: bool) -> bool:
        """"//" authority path-abempty | path-absolute | path-rootless/noscheme | path-empty"""
        if self.char() == "/" and self.char(1) == "/":
            self.at += 2
            if not self.authority():
                return False
            self.path_segments()
        elif self.char() == "/":
            self.path_absolute()
        elif self.pchar():
            if not self.segment(forbid=first_segment_forbid, empty=False) and strict:
                return False
            self.path_segments()
        return True

    def query_fragment_end(self) -> bool:
        if self.char() == "?":
            self.at += 1
            while self.pchar() or self.char() in ("/", "?"):
                self.step()
        if self.char() == "#":
            self.at += 1
            while self.pchar() or self.char() in ("/", "?", "[", "]"):
                self.step()
        return self.at >= len(self.text)

    def authority(self) -> bool:
        """[ userinfo "@" ] host [ ":" port ]"""
        start = self.at
        while self.char() in _USERINFO or self.pct_encoded():
            self.step()
        if self.char() == "@":
            self.at += 1
        else:
            self.at = start
        if self.char() == "[":  # IP literal: anything up to the closing bracket
            end = self.text.find("]", self.at + 1)
            if end < 0:
                return False
            self.at = end + 1
        else:  # reg-name (libxml2 never ends up keeping an IPv4 reading: it reads the same characters)
            while self.char() in _REG_NAME or self.pct_encoded():
                self.step()
        if self.char() == ":":
            self.at += 1
            if self.char() not in _DIGIT:
                return False
            port = 0
            while self.char() in _DIGIT:
                port = port * 10 + int(self.char())
                if port > _INT_MAX:
                    return False
                self.at += 1
        return True

    def segment(self, forbid: str, empty: bool) -> bool:
        if not self.pchar() or (forbid and self.char() == forbid):
            return empty
        self.step()
        while self.pchar() and not (forbid and self.char() == forbid):
            self.step()
        return True

    def path_absolute(self) -> None:
        """"/" [ segment-nz *( "/" segment ) ]"""
        self.at += 1
        if self.segment(forbid="", empty=False):
            self.path_segments()

    def path_segments(self) -> None:
        """*( "/" segment )"""
        while self.char() == "/":
            self.at += 1
            self.segment(forbid="", empty=True)
