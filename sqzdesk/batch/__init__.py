"""Batch work over folders: a headless library, no Qt, no command line (``sqzdesk batch`` is
:mod:`sqzdesk.cli.batch`, the batch dock is :mod:`sqzdesk.gui.batch_panel`; neither is imported here).

    scan         walk the user's folders (hidden entries skipped, loops and errors reported)
    source       read a file once: its sha256 and its parsed document from the same bytes
    store        the SQLite result store (WAL, one commit per file), keyed by path + sha256 + model key
    runner       the job runner: resume from the store, pause/cancel, per-file time budget, progress
    results      FileResult (typed: the engine's Analysis, or an error), the per-file outcome every part shares
    exports      CSV/JSONL tables, full JSONL records, HTML report, redacted text
    html_report  the self-contained HTML report
    redaction    entity types -> [LABEL] placeholders, with an offset map
    terminal     the progress bar / per-file lines on a terminal
"""
