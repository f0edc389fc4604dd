"""SqueezeBERT task models with the ``case_ids`` input (see :mod:`sqzdesk.engine.casing`).

A ``[CASE_VOCAB, hidden]`` table is added to the word embeddings before position/type embeddings and
LayerNorm, exactly where the ONNX graph adds it (``emb.case``). It starts at zero, so a freshly
transplanted or an already trained model behaves exactly as without it and training only has to learn
what capitalisation adds.
"""

from __future__ import annotations

import torch
import transformers
from torch import nn

from sqzdesk.engine.casing import CASE_VOCAB
from sqzdesk.modelbuild.trainer import on_device


class _CaseMixin:
    """Adds ``case_embeddings`` and a ``case_ids`` keyword to a transformers SqueezeBERT task model."""

    transformer: transformers.SqueezeBertModel

    def _add_case(self, hidden: int) -> None:
        self.case_embeddings = nn.Embedding(CASE_VOCAB, hidden)
        nn.init.zeros_(self.case_embeddings.weight)

    def _embeds(self, input_ids: torch.Tensor, case_ids: torch.Tensor | None) -> torch.Tensor:
        words = self.transformer.embeddings.word_embeddings(input_ids)
        return words if case_ids is None else words + self.case_embeddings(case_ids)

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, case_ids=None, **kwargs):
        embeds = self._embeds(input_ids, case_ids)
        return super().forward(inputs_embeds=embeds, attention_mask=attention_mask,  # type: ignore[misc]
                               token_type_ids=token_type_ids, **kwargs)


class CasedSqueezeBertForTokenClassification(_CaseMixin, transformers.SqueezeBertForTokenClassification):
    def __init__(self, config):
        super().__init__(config)
        self._add_case(config.hidden_size)


class CasedSqueezeBertForSequenceClassification(_CaseMixin, transformers.SqueezeBertForSequenceClassification):
    def __init__(self, config):
        super().__init__(config)
        self._add_case(config.hidden_size)


class CasedSqueezeBertForQuestionAnswering(_CaseMixin, transformers.SqueezeBertForQuestionAnswering):
    def __init__(self, config):
        super().__init__(config)
        self._add_case(config.hidden_size)


def has_case(model) -> bool:
    return hasattr(model, "case_embeddings")


def takes_case(model) -> bool:
    """Whether ``model`` (torch, or an ONNX file behind :class:`~sqzdesk.modelbuild.ort_model.OrtModel`)
    has the case input."""
    return has_case(model) or bool(getattr(model, "takes_case_ids", False))


def call(model, batch: dict[str, torch.Tensor]):
    """``model`` on a batch, with ``case_ids`` only for a model that takes them, so one task scores cased
    and uncased models, torch or ONNX, on any device, alike."""
    kwargs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    if "case_ids" in batch and takes_case(model):
        kwargs["case_ids"] = batch["case_ids"]
    return model(**on_device(model, kwargs))
