"""Dev-only model pipeline (extra ``train``): MiniLM -> SqueezeBERT -> fine-tune -> MatMul-form ONNX -> int8 -> bundle.

The app never imports this package. Only :mod:`sqzdesk.modelbuild.onnx_graph` and
:mod:`sqzdesk.modelbuild.tiny` avoid torch: the test suite builds tiny bundles without it.
"""
