"""safexml: expat parses, but accepts and refuses XML as libxml2 (lxml, which python-docx used) does.

The verdicts in the tables were recorded from lxml 6.1 (libxml2 2.14); where lxml is installed (it comes
with python-docx in the dev extra), the URI check is also compared with it on generated names.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqzdesk.documents import safexml

# (namespace name, whether lxml accepts it in xmlns:p="...")
NAMESPACE_NAMES = [
    ("http://schemas.openxmlformats.org/wordprocessingml/2006/main", True),
    ("urn:schemas-microsoft-com:vml", True),
    ("relative/path", True),
    ("a:b", True),
    ("1a:b", False),
    ("http://h:/x", False),
    ("http://h:80/x", True),
    ("http://h:99999999999/x", False),
    ("http://user@h/x", True),
    ("http://[::1]/x", True),
    ("http://[::1/x", False),
    ("http://h/%zz", False),
    ("http://h/%2F", True),
    ("a b", False),
    ("héllo", False),
    ("http://h/x?q=1#frag[1]", True),
    (":a", False),
    ("//host", True),
    ("//host:x", False),
    ("#frag", True),
    ("?q", True),
    ("mailto:a@b", True),
    ("x:", True),
    ("http://h/a b", False),
    ("http://h/<", False),
]


@pytest.mark.parametrize(("name", "accepted"), NAMESPACE_NAMES)
def test_namespace_names(name, accepted):
    assert safexml.is_uri_reference(name) is accepted
    xml = f'<a xmlns:p="{name.replace("<", "&lt;")}"/>'.encode()
    if accepted:
        safexml.parse(xml)
    else:
        with pytest.raises(safexml.InvalidXML):
            safexml.parse(xml)


URI_ALPHABET = st.sampled_from(
    list("aZ09:/?#[]@!$&'()*+,;=-._~%fFgé \\^`{}|<>\"") + ["//", "http:", "%2F", "%2", "[::1]", ":80", ":99999999999"]
)


@settings(max_examples=2000, deadline=None)
@given(parts=st.lists(URI_ALPHABET, min_size=1, max_size=12))
def test_namespace_names_against_lxml(parts):
    etree = pytest.importorskip("lxml.etree")
    name = "".join(parts)
    xml = '<a xmlns:p="{}"/>'.format(name.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;"))
    try:
        etree.fromstring(xml.encode(), etree.XMLParser(remove_blank_text=True, resolve_entities=False))
        accepted = True
    except etree.XMLSyntaxError:
        accepted = False
    assert safexml.is_uri_reference(name) is accepted


# (XML, whether lxml parses it)
DOCUMENTS = [
    (b'<a xmlns="rel"/>', True),
    (b'<a xmlns="a b"/>', False),
    (b'<a xmlns=""/>', True),
    (b'<a xmlns:p=""/>', False),
    (b'<a><b xmlns:q="a b"/></a>', False),
    (b'<a:b xmlns:a="u"/>', True),
    (b"<a:b/>", False),
    (b'<a:b:c xmlns:a="u"/>', False),
    (b'<a xmlns:xml="u"/>', False),
    (b'<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>', False),
    ('<?xml version="1.0" encoding="UTF-8"?><a>é</a>'.encode("utf-16"), True),
    ('<?xml version="1.0" encoding="UTF-8"?><a>é</a>'.encode("utf-16-le"), True),
    ('<?xml version="1.0" encoding="UTF-16"?><a/>'.encode("utf-16-be"), True),
    ('<?xml version="1.0"?><a>é</a>'.encode("utf-32"), True),
    ("<a/>".encode("utf-16-le"), False),
    (b'<?xml version="1.0" encoding="UTF-16"?><a/>', False),
    (b'\xef\xbb\xbf<?xml version="1.0" encoding="ISO-8859-1"?><a>\xc3\xa9</a>', True),
    (b'<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>', True),
    (b'<?xml version="1.0" encoding="windows-1252"?><a>\x80</a>', True),
    (b'<?xml version="1.0" encoding="utf8"?><a>\xc3\xa9</a>', True),
    ('<?xml version="1.0" encoding="Shift_JIS"?><a>日本</a>'.encode("shift_jis"), True),
    (b'<?xml version="1.0" encoding="foo"?><a/>', False),
    (b'<?xml version="1.1"?><a/>', True),
    (b'<?xml version="1."?><a/>', True),
    (b'<?xml version="2.0"?><a/>', False),
    (b' <?xml version="1.0"?><a/>', False),
    (b"<a>\x00</a>", False),
    (b"<a>\xff</a>", False),
    (b"<a>&#0;</a>", False),
    ("<a>\ufffe</a>".encode(), False),
    (b'<a b="<"/>', False),
    (b'<a b="1" b="2"/>', False),
    (b"", False),
    (b"  ", False),
    (b"<a/><b/>", False),
    (b"<a>&unknown;</a>", False),
    (b"<a>" * 256 + b"<!--c-->" + b"</a>" * 256, True),
    (b"<a>" * 256 + b"</a>" * 256, True),
    (b"<a>" * 257 + b"</a>" * 257, False),
]


@pytest.mark.parametrize(("xml", "accepted"), DOCUMENTS, ids=[repr(xml[:40]) for xml, _ in DOCUMENTS])
def test_documents(xml, accepted):
    if accepted:
        safexml.parse(xml)
    else:
        with pytest.raises(safexml.InvalidXML):
            safexml.parse(xml)


def test_encodings_decode_as_libxml2_does():
    utf16 = '<?xml version="1.0" encoding="UTF-8"?><a>é €</a>'.encode("utf-16")
    assert safexml.parse(utf16).text == "é €"
    assert safexml.parse(b'<?xml version="1.0" encoding="windows-1252"?><a>\x80</a>').text == "€"
    assert safexml.parse('<?xml version="1.0" encoding="Shift_JIS"?><a>日本</a>'.encode("shift_jis")).text == "日本"


def test_text_ends_at_a_comment_or_processing_instruction_as_in_lxml():
    root = safexml.parse(b"<a>one<!-- c -->two<?pi x?>three<![CDATA[<four>]]></a>")
    assert root.text == "one"
    assert [node.tail for node in root] == ["two", "three<four>"]


@pytest.mark.parametrize(
    "doctype",
    [
        b"<!DOCTYPE a>",
        b'<!DOCTYPE a SYSTEM "file:///etc/passwd">',
        b'<!DOCTYPE a [<!ENTITY e "text">]>',
    ],
)
def test_doctype_is_refused(doctype):
    with pytest.raises(safexml.DoctypeXML):
        safexml.parse(b'<?xml version="1.0"?>' + doctype + b"<a>&e;</a>")


def test_entity_expansion_never_starts():
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e0 "lol">{entities}]><a>{"&e9;" * 1000}</a>'
    started = time.perf_counter()
    with pytest.raises(safexml.DoctypeXML):
        safexml.parse(bomb.encode())
    assert time.perf_counter() - started < 0.5
