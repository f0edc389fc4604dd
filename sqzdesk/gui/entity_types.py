"""The entity types the GUI shows: their names, their order, and how a highlight says where it came from.

Two kinds share the entity list and the highlights: the model's names (PER, ORG, LOC, MISC), each
with the model's confidence, and the pattern entities (EMAIL, PHONE, URL, IP, IBAN, CARD) that rules
find exactly (:mod:`sqzdesk.engine.patterns`: also SSN, NINO, NHS, ID and DATE). A rule match carries ``score=1.0``, which is no
confidence at all, so the GUI says "pattern match" for those instead of a score.
"""

from __future__ import annotations

from sqzdesk.engine import Entity
from sqzdesk.engine.manifest import ENTITY_TYPES
from sqzdesk.engine.patterns import PATTERN_TYPES

TYPE_NAMES = {
    "PER": "People",
    "ORG": "Organisations",
    "LOC": "Places",
    "MISC": "Other names",
    "EMAIL": "E-mail addresses",
    "PHONE": "Phone numbers",
    "URL": "Web addresses",
    "IP": "IP addresses",
    "IBAN": "IBANs",
    "CARD": "Payment cards",
    "SSN": "US social security numbers",
    "NINO": "UK National Insurance numbers",
    "NHS": "NHS numbers",
    "ID": "Passport and ID numbers",
    "DATE": "Dates",
    "ADDRESS": "Street addresses",
}
# What a rule checked beyond the shape, for the tooltip.
_CHECKS = {"IBAN": "checksum valid", "CARD": "Luhn check passes", "NHS": "check digit valid",
           "SSN": "issuing rules pass", "NINO": "issuing rules pass", "PHONE": "valid in a number plan",
           "DATE": "a real calendar date", "ID": "after a document keyword"}
_READING_ORDER = ("EMAIL", "PHONE", "URL", "IP", "IBAN", "CARD", "SSN", "NINO", "NHS", "ID", "ADDRESS", "DATE")
# Pattern types in the order the panel lists them: how to reach someone, where online, money.
PATTERN_ORDER: tuple[str, ...] = (*(t for t in _READING_ORDER if t in PATTERN_TYPES),
                                  *(t for t in PATTERN_TYPES if t not in _READING_ORDER))
DISPLAY_ORDER: tuple[str, ...] = (*ENTITY_TYPES, *PATTERN_ORDER)


def type_name(label: str) -> str:
    return TYPE_NAMES.get(label, label)


def is_pattern(label: str) -> bool:
    return label in PATTERN_TYPES


def display_rank(label: str) -> int:
    """Where a type's group goes in the entity list (unknown types last)."""
    return DISPLAY_ORDER.index(label) if label in DISPLAY_ORDER else len(DISPLAY_ORDER)


def provenance(entity: Entity) -> str:
    """"score 0.87" for a model entity, "pattern match, checksum valid" for a rule's."""
    if not is_pattern(entity.label):
        return f"score {entity.score:.2f}"
    check = _CHECKS.get(entity.label)
    return f"pattern match, {check}" if check else "pattern match"
