"""The entity types the GUI shows: their names, their order, and how a highlight says where it came from.

Two kinds share the entity list and the highlights: the model's names (PER, ORG, LOC, MISC), each
with the model's confidence, and the pattern entities (EMAIL, PHONE, URL, IP, IBAN, CARD) that rules
find exactly (:mod:`sqzdesk.engine.patterns`: also SSN, NINO, NHS, ID and DATE). A rule match carries ``score=1.0``, which is no
confidence at all, so the GUI says "pattern match" for those instead of a score.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqzdesk.engine import Entity
from sqzdesk.engine.manifest import ENTITY_TYPES
from sqzdesk.engine.patterns import PATTERN_TYPES
from sqzdesk.engine.terms import TermList

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


_term_lists: tuple[TermList, ...] = ()


def set_term_lists(lists: Sequence[TermList]) -> None:
    """The user's saved term lists (the window sets them when it starts and after every change).

    A term match reaches the GUI as a plain entity with the list's label and score 1.0, like a model
    entity of that label would; the lists themselves say which list a match came from, so the tooltips
    and the entity list can say "list match (CLIENTS)" instead of a meaningless model score. Kept here,
    module-wide, because every widget that describes an entity asks :func:`provenance`.
    """
    global _term_lists
    _term_lists = tuple(lists)


def term_list_of(entity: Entity) -> str | None:
    """The name of the saved list whose label this entity has and whose terms match its text exactly."""
    for lst in _term_lists:
        if lst.label == entity.label and lst.pattern.fullmatch(entity.text) and entity.score == 1.0:
            return lst.name
    return None


def is_term_label(label: str) -> bool:
    return any(lst.label == label for lst in _term_lists)


def provenance(entity: Entity) -> str:
    """"score 0.87" for a model entity, "pattern match, checksum valid" for a rule's, "list match
    (CLIENTS)" for a term list's."""
    listed = term_list_of(entity)
    if listed is not None:
        return f"list match ({listed})"
    if not is_pattern(entity.label):
        return f"score {entity.score:.2f}"
    check = _CHECKS.get(entity.label)
    return f"pattern match, {check}" if check else "pattern match"
