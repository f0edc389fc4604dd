"""The engine: model bundles, ONNX Runtime sessions, tokenization, windows, and the three tasks.

No Qt here. The CLI, the GUI worker and the tests all call it the same way::

    model = SentimentModel.open()
    result = model.analyze(text)
"""

from sqzdesk.engine.analysis import Analysis, Analyzer
from sqzdesk.engine.bundle import Bundle, BundleError, discover, find_bundle, load_bundle, search_dirs
from sqzdesk.engine.entities import EntityModel
from sqzdesk.engine.qa import QAModel
from sqzdesk.engine.results import Answer, DocumentSentiment, Entity, SentenceSentiment, Sentiment
from sqzdesk.engine.sentiment import SentimentModel
from sqzdesk.engine.windows import Cancelled

TASK_MODELS = {m.task: m for m in (SentimentModel, EntityModel, QAModel)}

__all__ = [
    "Analysis", "Analyzer", "Answer", "Bundle", "BundleError", "Cancelled", "DocumentSentiment", "Entity", "EntityModel", "QAModel",
    "SentenceSentiment", "Sentiment", "SentimentModel", "TASK_MODELS", "discover", "find_bundle",
    "load_bundle", "search_dirs",
]
