"""Pattern entities: the shapes they must find, and the ordinary numbers they must leave alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sqzdesk.engine.analysis import Analyzer
from sqzdesk.engine.patterns import (
    PATTERN_TYPES,
    find_patterns,
    iban_valid,
    luhn_valid,
    merge_entities,
    nhs_valid,
    parse_types,
    phone_valid,
    ssn_valid,
)
from sqzdesk.engine.results import Entity

POSITIVES = [
    ("Mail bob.smith+tag@example.co.uk today.", "EMAIL", "bob.smith+tag@example.co.uk"),
    ("Write to jane_doe@mail.example.org.", "EMAIL", "jane_doe@mail.example.org"),
    ("See https://example.org/a_(b)?q=1#x). Thanks", "URL", "https://example.org/a_(b)?q=1#x"),
    ("Visit www.example.com, then leave.", "URL", "www.example.com"),
    ("(see http://intranet.local:8080/wiki/Page)", "URL", "http://intranet.local:8080/wiki/Page"),
    ("IBAN DE89 3704 0044 0532 0130 00 AND more", "IBAN", "DE89 3704 0044 0532 0130 00"),
    ("Pay GB82WEST12345698765432 now", "IBAN", "GB82WEST12345698765432"),
    ("FR14 2004 1010 0505 0001 3M02 606.", "IBAN", "FR14 2004 1010 0505 0001 3M02 606"),
    ("Card 4111 1111 1111 1111 exp 12/27", "CARD", "4111 1111 1111 1111"),
    ("card 5500-0000-0000-0004.", "CARD", "5500-0000-0000-0004"),
    ("Amex 3782 822463 10005 on file", "CARD", "3782 822463 10005"),
    ("number 4012888888881881 charged", "CARD", "4012888888881881"),
    ("Server 192.168.1.20 is down", "IP", "192.168.1.20"),
    ("ping 10.0.0.1.", "IP", "10.0.0.1"),
    ("v6 host 2001:db8::8a2e:370:7334 answers", "IP", "2001:db8::8a2e:370:7334"),
    ("link-local fe80::1 only", "IP", "fe80::1"),
    ("full 2001:0db8:85a3:0000:0000:8a2e:0370:7334 form", "IP", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
    ("Call +44 20 7946 0958 now", "PHONE", "+44 20 7946 0958"),
    ("US: +1 (212) 555-0123.", "PHONE", "+1 (212) 555-0123"),
    ("Office (415) 555-2671", "PHONE", "(415) 555-2671"),
    ("or 212-555-0123.", "PHONE", "212-555-0123"),
    ("Ring 020 7946 0958.", "PHONE", "020 7946 0958"),
    ("Tel: 0301234567", "PHONE", "0301234567"),
    ("Portable 06 12 34 56 78", "PHONE", "06 12 34 56 78"),
    ("Portable 06.12.34.56.78.", "PHONE", "06.12.34.56.78"),
    ("or 212.555.0123 after six", "PHONE", "212.555.0123"),
    ("Berlin +49 (0)30 1234567", "PHONE", "+49 (0)30 1234567"),
    ("Büro 030/1234567", "PHONE", "030/1234567"),
    ("Phone: 555 1234", "PHONE", "555 1234"),
    ("Order 12 212-555-0123", "PHONE", "212-555-0123"),
    ("Móvil 612 345 678", "PHONE", "612 345 678"),
    ("Paris +33 6 12 34 56 78", "PHONE", "+33 6 12 34 56 78"),
    # dates: ISO (also inside a timestamp), day-month and month-day numeric, written out
    ("Born on 1984-02-29 in Leeds.", "DATE", "1984-02-29"),
    ("At 2023-01-15T12:30:45Z the job ran.", "DATE", "2023-01-15"),
    ("Signed 15.01.2023 in Bonn.", "DATE", "15.01.2023"),
    ("Due 12/31/1999, paid late.", "DATE", "12/31/1999"),
    ("She was born on 3 March 1961 in Cork.", "DATE", "3 March 1961"),
    ("Met on the 21st of June 2019.", "DATE", "21st of June 2019"),
    ("Dated Jan. 5, 2021 and filed.", "DATE", "Jan. 5, 2021"),
    ("His date of birth is September 30, 1975.", "DATE", "September 30, 1975"),
    # US social security numbers
    ("Her SSN is 219-45-6789 on file.", "SSN", "219-45-6789"),
    ("SSN: 219456789", "SSN", "219456789"),
    ("Social security number 536 22 8754.", "SSN", "536 22 8754"),
    # UK National Insurance and NHS numbers
    ("His NI number is JG103759A.", "NINO", "JG103759A"),
    ("NINO AB 12 34 56 C, employer PAYE.", "NINO", "AB 12 34 56 C"),
    ("Patient NHS number: 943 476 5919.", "NHS", "943 476 5919"),
    ("NHS No. 9434765919 (checked)", "NHS", "9434765919"),
    # passport and identity document numbers, after a keyword naming the document
    ("Passport no. L898902C3 issued 2010.", "ID", "L898902C3"),
    ("ID card: C01X00T47, valid", "ID", "C01X00T47"),
    ("Driving licence number MORGA753116SM9IJ is old.", "ID", None),
    ("Personalausweis-Nummer T22000129 liegt vor.", "ID", "T22000129"),
    # the street line of a postal address
    ("He lives at 221B Baker Street, London.", "ADDRESS", "221B Baker Street"),
    ("Send it to 1600 Pennsylvania Avenue NW, Washington.", "ADDRESS", "1600 Pennsylvania Avenue NW"),
    ("Post to 42 High St. in Leeds", "ADDRESS", "42 High St."),
    ("Office: 10 Downing Street.", "ADDRESS", "10 Downing Street"),
    ("She moved to 12 Oak Road this year.", "ADDRESS", "12 Oak Road"),
    ("The house at 3 Elm Street is empty.", "ADDRESS", "3 Elm Street"),
    ("Sie wohnt in der Hauptstraße 12a in Bonn.", "ADDRESS", "Hauptstraße 12a"),
    ("Berliner Straße 5, Berlin", "ADDRESS", "Berliner Straße 5"),
    ("Call 0044 20 7946 0958", "PHONE", "0044 20 7946 0958"),
]

# None of these may produce any pattern entity at all (dates are in DATES_AND_ONLY_DATES).
NEGATIVES = [
    "Upgrade to version 1.2.3.4, v1.2.3.4 or 10.0.19041.1234; Build 5.4.3.2 is old.",
    "Price $1,299.99 or €1.299,99 or 1 299,99 EUR, 49.99 USD, £5.",
    "It costs 1234567 units for a population of 1,234,567.",
    "ISBN 978-3-16-148410-0 and ISBN 0-306-40615-2.",
    "The years 2019-2020 and 1999 - 2001 were hard.",
    "C++ std::vector and a::b and Foo::Bar, ratio 1:2:3.",
    "MAC 00:1A:2B:3C:4D:5E is not an address.",
    "Numbers 100 200 3000 and 0000 0000 0000 0000.",
    "Order 1234567890123 and timestamp 1700000000000.",
    "Release 1.0.0 then 2.10.3; section 3.2.1.4.5.",
    "Serial 4111111111111112 fails the Luhn check.",
    "IBAN DE89 3704 0044 0532 0130 01 has a wrong checksum.",
    "Pi is 3.14159265358979 and e is 2.71828.",
    "The 1990s: 1991 1992 1993 1994.",
    "Account 12345678 and room 101, 102 and 103.",
    "Coordinates 51.5074, -0.1278 near 1e10 and 0x1F.",
    "An address like 2001:db8 is incomplete; so is ::1 alone.",
    "Email me at bob@ or @handle or user@localhost, not addresses.",
    "Score 3-1 after 90 minutes; 10-15% growth; page 12/300.",
    # phone look-alikes: fictional 555 numbers, bare digit runs, order and reference numbers
    "Fictional 555-123-4567 and (555) 123-4567, order 2125550123, ref 16.469.",
    "Order no. 4711-0815-2023 and invoice INV-2023-000123 shipped.",
    "Timings 21:00:15.469, 1.083, 1.08332 and 0.000123 s.",
    # identifier look-alikes: SSN ranges never issued, part numbers, bare nine and ten digit numbers
    "Parts 000-12-3456, 666-12-3456, 912-34-5678, 123-00-4567, 123-45-0000 and 078-05-1120.",
    "Zip 123456789 and 9434765919 without a keyword.",
    "Codes QQ123456C, AB123456E, GB123456A, DA123456A and AB 123456C are not NI numbers.",
    "Order ID: 20231115, customer id C12345678, ticket 123456789, passport photo 2 x 3.",
    "Version v1.02.2023 and release 2.10.2023; ratios 1/2/23 and 31/02/2023; 13/13/2020.",
    # address look-alikes: street words that are ordinary nouns, a year before a capitalised word
    "The 9 Supreme Court justices; in 2019 Oxford grew; Chapter 3 The Way Home; Spring 2023 was wet.",
    "Wall Street fell 3 percent; Route 66 and Highway\n1 Street; Platz 2 im Rennen; Berliner Weg 2,5 km.",
    "Shares of 3 Wall Street banks fell; 2 Oxford Street stores closed; 4 Downing Street aides left.",
]

# Each line is a date or dates and nothing else may fire on it: the CSV of timestamps from issue 16
# used to give a PHONE "07/19/2015 21" per row.
DATES_AND_ONLY_DATES = [
    ("07/19/2015 21:00:15.469,1.083,1.08332", ["07/19/2015"]),
    ("On 2023-01-15 and 15.01.2023 and 01/02/2023 and 12/31/1999 we met.",
     ["2023-01-15", "15.01.2023", "01/02/2023", "12/31/1999"]),
    ("Call me on 12.05.2023 or phone 2023-01-15.", ["12.05.2023", "2023-01-15"]),
    ("At 12:30:45 on 2023-01-15T12:30:45Z the job ran.", ["2023-01-15"]),
]


@pytest.mark.parametrize(("text", "label", "expected"), POSITIVES)
def test_pattern_found(text, label, expected):
    found = [(e.label, e.text) for e in find_patterns(text)]
    if expected is None:  # a shape the detector deliberately leaves alone (too long for an ID number)
        assert found == []
        return
    assert found == [(label, expected)]
    e = find_patterns(text)[0]
    assert text[e.start:e.end] == e.text and e.score == 1.0


@pytest.mark.parametrize("text", NEGATIVES)
def test_tricky_negatives(text):
    assert find_patterns(text) == []


@pytest.mark.parametrize(("text", "dates"), DATES_AND_ONLY_DATES)
def test_dates_are_dates_and_nothing_else(text, dates):
    assert [(e.label, e.text) for e in find_patterns(text)] == [("DATE", d) for d in dates]


def test_a_csv_of_timestamps_yields_no_phone_number():
    rows = "\n".join(f"07/{d:02d}/2015 21:{m:02d}:15.469,1.083,1.08332" for d in range(1, 29) for m in range(0, 60, 7))
    found = find_patterns(rows)
    assert {e.label for e in found} == {"DATE"} and len(found) == rows.count("\n") + 1


def test_nhs_numbers_need_the_keyword_and_the_check_digit():
    # 943 476 5919 is also a valid US phone number: without "NHS" before it, that is what it is.
    assert [(e.label, e.text) for e in find_patterns("Call 943 476 5919 today.")] == [("PHONE", "943 476 5919")]
    assert "NHS" not in {e.label for e in find_patterns("NHS number 943 476 5918 fails its check digit.")}


def test_new_checks():
    assert nhs_valid("943 476 5919") and not nhs_valid("943 476 5918") and not nhs_valid("0000000000")
    assert ssn_valid("219-45-6789") and not ssn_valid("666-45-6789") and not ssn_valid("219-00-6789")
    assert phone_valid("+44 20 7946 0958") and phone_valid("(212) 555-0123") and not phone_valid("555-123-4567")


@settings(max_examples=150, deadline=None)
@given(st.one_of(
    st.integers(0, 10**12).map(str),
    st.integers(0, 10**9).map(lambda n: f"{n:,}"),
    st.tuples(st.integers(0, 99_999), st.integers(0, 99)).map(lambda t: f"${t[0]:,}.{t[1]:02d}"),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
    st.dates().map(lambda d: d.strftime("%m/%d/%Y")),
    st.lists(st.integers(0, 40), min_size=2, max_size=3).map(lambda v: ".".join(map(str, v))),
    st.lists(st.integers(0, 999), min_size=4, max_size=4).map(lambda v: "version " + ".".join(map(str, v))),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: f"{f:.3f}"),
))
def test_ordinary_numbers_are_never_phone_card_ip_or_identifier(value):
    text = f"The value was {value} in the report."
    assert [e for e in find_patterns(text) if e.label != "DATE"] == []


def test_checksums():
    assert luhn_valid("4111 1111 1111 1111") and not luhn_valid("4111 1111 1111 1112")
    assert iban_valid("DE89370400440532013000") and iban_valid("gb82 west 1234 5698 7654 32")
    assert not iban_valid("DE89370400440532013001")  # checksum
    assert not iban_valid("DE8937040044053201300")   # German IBANs have 22 characters
    assert not iban_valid("ZZ89370400440532013000")  # no such country


def test_types_are_switchable_and_parsed():
    text = "Mail bob@example.com or call +44 20 7946 0958 from 10.0.0.1."
    assert {e.label for e in find_patterns(text)} == {"EMAIL", "PHONE", "IP"}
    assert [e.label for e in find_patterns(text, {"PHONE"})] == ["PHONE"]
    assert find_patterns(text, ()) == []
    assert parse_types("all") == frozenset(PATTERN_TYPES)
    assert parse_types("none") == parse_types("") == frozenset()
    assert parse_types("email, Phone") == {"EMAIL", "PHONE"}
    with pytest.raises(ValueError, match="EMIAL"):
        parse_types("EMIAL")


def test_overlapping_patterns_keep_the_more_specific_one():
    text = "See https://user@example.com/path for details."
    assert [(e.label, e.text) for e in find_patterns(text)] == [("URL", "https://user@example.com/path")]


def test_merge_prefers_pattern_entities_and_never_overlaps():
    text = "Contact Jane Doe at jane@acme.com today."
    patterns = find_patterns(text)
    model = [Entity(8, 16, "PER", "Jane Doe", 0.9), Entity(25, 29, "ORG", "acme", 0.8),
             Entity(20, 24, "PER", "jane", 0.6)]
    merged = merge_entities(model, patterns)
    assert [(e.label, e.text) for e in merged] == [("PER", "Jane Doe"), ("EMAIL", "jane@acme.com")]
    assert all(a.end <= b.start for a, b in zip(merged, merged[1:], strict=False))


def test_analyze_merges_patterns_into_the_model_entities(tiny_models):
    analyzer = Analyzer(tiny_models["sentiment"], tiny_models["entities"])
    text = "Angela Merkel wrote to angela@bund.de and called +49 30 1234567 twice. It went well."
    plain = analyzer.analyze(text, patterns=())
    enriched = analyzer.analyze(text)  # every pattern type by default
    labels = [e.label for e in enriched.entities]
    assert "EMAIL" in labels and "PHONE" in labels and not {"EMAIL", "PHONE"} & {e.label for e in plain.entities}
    assert enriched.sentiment == plain.sentiment and enriched.sentences == plain.sentences
    assert list(enriched.entities) == merge_entities(plain.entities, find_patterns(text))
    spans = [(e.start, e.end) for e in enriched.entities]
    assert spans == sorted(spans) and all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert all(text[e.start:e.end] == e.text for e in enriched.entities)
    only_email = analyzer.analyze(text, patterns={"EMAIL"})
    assert list(only_email.entities) == merge_entities(plain.entities, find_patterns(text, {"EMAIL"}))


def test_patterns_across_chunk_boundaries_are_whole_and_once(tiny_models):
    """The stream merges per chunk; over all chunks the result is the whole text's merge, even where an
    e-mail address or IBAN straddles a chunk boundary."""
    analyzer = Analyzer(tiny_models["sentiment"], tiny_models["entities"], chunk_chars=120)
    text = " ".join(f"Row {i} mail anna.k{i}@mail.example.org, pay DE89 3704 0044 0532 0130 00 now." for i in range(12))
    merged = analyzer.analyze(text)
    plain = analyzer.analyze(text, patterns=())
    assert list(merged.entities) == merge_entities(plain.entities, find_patterns(text))
    assert [e.text for e in merged.entities if e.label == "EMAIL"] == [f"anna.k{i}@mail.example.org" for i in range(12)]
    assert sum(e.label == "IBAN" for e in merged.entities) == 12


def test_rows_of_scores_and_prices_are_no_phone_numbers():
    # Reuters wire text (CoNLL-2003 valid): the squash results and the price columns were PHONE, the
    # newsroom sign-offs are phones
    text = ("Anthony Hill ( Australia ) beat Dan Jenson ( Australia ) 15-9 15-8 15-17 17-15\n"
            "Canadian dollar 639.55 639.38\nM3 482.13 480.72 461.42\n"
            "5647.65 ( - 64.73 ) $ 387.70 copper per tonne\n"
            "-- New York Energy Desk 212-859-1620\n-- Dublin Newsroom +353 1 676 9779\n"
            "-- Bucharest Newsroom 40-1 3120264\n")
    assert [e.text for e in find_patterns(text, {"PHONE"})] == ["212-859-1620", "+353 1 676 9779", "40-1 3120264"]


def test_a_phone_number_written_straight_after_tel_or_fax():
    text = "-- Air Cargo Newsroom Tel+44 171 542 8982 Fax +44 171 542 5017; FAX+31 20 504 5040; hotel+44 20 7946 x"
    assert [e.text for e in find_patterns(text, {"PHONE"})] == ["+44 171 542 8982", "+44 171 542 5017", "+31 20 504 5040"]
