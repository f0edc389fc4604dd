"""sqzdesk: offline sentiment, entities and question answering on local int8 SqueezeBERT models."""

__version__ = "0.1.0"
