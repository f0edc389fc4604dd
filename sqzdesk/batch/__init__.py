"""Batch work over folders: a headless library, no Qt, no command line (``sqzdesk batch`` is
:mod:`sqzdesk.cli.batch`, the batch dock is :mod:`sqzdesk.gui.batch_panel`; neither is imported here).

    scan         walk the user's folders (hidden entries skipped, loops and errors reported)
    source       read a file once: its sha256 and its parsed document from the same bytes
    store        the SQLite result store (WAL, one commit per file), keyed by path + sha256 + model key
    runner       the job runner: resume from the store, pause/cancel, per-file time budget, progress
    results      FileResult (typed: the engine's Analysis, or an error), the per-file outcome every part shares
    exports      CSV/JSONL tables, full JSONL records, HTML report, redacted text
    html_report  the self-contained HTML report
    redaction    what to redact (types, the analyst's decisions) -> labels, pseudonyms or a mask, offset map
    redacted_export  redacted .txt/.md/.html/.docx copies with an audit JSON (``redact``, ``batch --redact``, GUI)
    docx_redact  the DOCX copy: replacements inside the document's own runs, the rest of the package swept
    decisions    review decisions (accepted/rejected/added), keyed by content hash; stale checks
    entity_index who appears where: every entity over the store, with documents and mentions
    terminal     the progress bar / per-file lines on a terminal
"""
