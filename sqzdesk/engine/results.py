"""Typed results at the engine boundary; ``to_dict`` gives exactly the CLI contract's field names."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Sentiment:
    label: str   # "positive" | "negative"
    score: float  # probability of that label

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SentenceSentiment:
    start: int
    end: int
    label: str
    score: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DocumentSentiment:
    overall: Sentiment | None          # None when the text has no sentence to judge
    sentences: tuple[SentenceSentiment, ...]


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    label: str   # PER | ORG | LOC | MISC for the model's entities
    text: str
    score: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    text: str
    start: int
    end: int
    score: float

    def to_dict(self) -> dict:
        return asdict(self)
