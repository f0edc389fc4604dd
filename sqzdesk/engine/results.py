"""Typed results at the engine boundary; ``to_dict`` gives exactly the CLI contract's field names."""

from __future__ import annotations

from dataclasses import dataclass, fields


class _Record:
    """A flat result (str, int, float and bool fields only): ``to_dict`` reads the fields as they are.

    Not ``dataclasses.asdict``: it deep-copies every value, ten times the cost, which a book-length
    document's tens of thousands of sentences and entities pay when they are stored or printed."""

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class Sentiment(_Record):
    label: str   # "positive" | "negative"
    score: float  # probability of that label
    # A document's: its score is under the bundle's ``neutral_below``, so its sentences pull both ways and
    # the label is only a lean ("Mixed, leans negative" rather than "Negative 0.51" for a neutral report)
    mixed: bool = False

    @property
    def verdict(self) -> str:
        """How every view names it: "negative", or "mixed, leans negative"."""
        return f"mixed, leans {self.label}" if self.mixed else self.label


@dataclass(frozen=True)
class SentenceSentiment(_Record):
    start: int
    end: int
    label: str
    score: float


@dataclass(frozen=True)
class DocumentSentiment:
    overall: Sentiment | None          # None when the text has no sentence to judge
    sentences: tuple[SentenceSentiment, ...]


@dataclass(frozen=True)
class Entity(_Record):
    start: int
    end: int
    label: str   # PER | ORG | LOC | MISC for the model's entities
    text: str
    score: float


@dataclass(frozen=True)
class Answer(_Record):
    text: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Classification(_Record):
    label: str    # one of the classifier's labels
    score: float  # probability of that label


@dataclass(frozen=True)
class SentenceClasses:
    """Every requested classifier's result for one sentence (the same spans sentiment judges)."""

    start: int
    end: int
    classes: dict[str, Classification]  # classifier name -> result, in the order they were requested

    def to_dict(self) -> dict:
        return {name: c.to_dict() for name, c in self.classes.items()}
