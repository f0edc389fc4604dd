"""Batch work over folders, no Qt.

    scan         walk the user's folders (hidden entries skipped, loops and errors reported)
    source       read a file once: its sha256 and its parsed document from the same bytes
    store        the SQLite result store (WAL, one commit per file), keyed by path + sha256 + model key
    runner       the job runner: resume from the store, pause/cancel, per-file time budget, progress
    results      FileResult, the per-file outcome every part shares
    exports      CSV/JSONL tables, full JSONL records, HTML report, redacted text
    html_report  the self-contained HTML report
    redaction    entity types -> [LABEL] placeholders, with an offset map
    terminal     the CLI's progress bar / per-file lines
    command      the ``sqzdesk batch`` subcommand
"""
