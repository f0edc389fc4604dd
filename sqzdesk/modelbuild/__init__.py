"""Dev-only model pipeline (extra ``train``): MiniLM -> SqueezeBERT -> fine-tune -> MatMul-form ONNX -> int8 -> bundle.

The app never imports this package. Only :mod:`sqzdesk.modelbuild.onnx_graph`,
:mod:`sqzdesk.modelbuild.tiny` and :mod:`sqzdesk.modelbuild.bert_tables` avoid torch: the test suite
builds tiny bundles without it, and the tokenizer's character tables are regenerated without it.
"""
