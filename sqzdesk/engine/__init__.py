"""The engine: model bundles, ONNX Runtime sessions, tokenization, windows, the tasks, and the user's
own classifiers (:mod:`.classify`, taught by :mod:`.teach`) and term lists (:mod:`.terms`).

No Qt here. The CLI, the batch runner and the GUI all analyse through the same stream::

    analyzer = Analyzer.open()
    for chunk in analyzer.stream(text):   # partial results as they come
        ...
    analysis = analyzer.analyze(text)     # or the stream collected

and share one :class:`Scheduler` (one engine thread, interactive work first) and one :class:`ModelPool`
when several requests run at once (the GUI's tabs and batch dock).
"""

from sqzdesk.engine.analysis import Analysis, AnalysisChunk, Analyzer
from sqzdesk.engine.bundle import Bundle, BundleError, discover, find_bundle, load_bundle, search_dirs
from sqzdesk.engine.classify import Classifier, ClassifierSet, find_classifier, find_classifiers
from sqzdesk.engine.embed import EmbedModel
from sqzdesk.engine.entities import EntityModel
from sqzdesk.engine.errors import AnalysisError, NoText, TextTooLong
from sqzdesk.engine.manifest import Variant
from sqzdesk.engine.pool import EngineConfig, ModelPool, ModelStatus
from sqzdesk.engine.qa import QAModel
from sqzdesk.engine.results import (
    Answer,
    Classification,
    DocumentSentiment,
    Entity,
    SentenceClasses,
    SentenceSentiment,
    Sentiment,
)
from sqzdesk.engine.scheduler import Job, JobState, Priority, Scheduler
from sqzdesk.engine.sentiment import SentimentModel
from sqzdesk.engine.windows import Cancelled

TASK_MODELS = {m.task: m for m in (SentimentModel, EntityModel, QAModel)}  # the embed model: see classify

__all__ = [
    "Analysis", "AnalysisChunk", "AnalysisError", "Analyzer", "Answer", "Bundle", "BundleError", "Cancelled",
    "Classification", "Classifier", "ClassifierSet", "DocumentSentiment", "EmbedModel", "EngineConfig", "Entity",
    "EntityModel", "SentenceClasses", "find_classifier", "find_classifiers", "Job", "JobState", "ModelPool", "ModelStatus",
    "NoText", "Priority", "QAModel", "Scheduler", "SentenceSentiment", "Sentiment", "SentimentModel",
    "TASK_MODELS", "TextTooLong", "Variant", "discover", "find_bundle", "load_bundle", "search_dirs",
]
