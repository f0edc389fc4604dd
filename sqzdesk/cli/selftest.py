"""``sqzdesk selftest [--gui]``: each task on a sample anyone can judge by eye; ``--gui`` then drives the
real window (:func:`sqzdesk.gui.selfcheck.run_gui_checks`, imported only for ``--gui``)."""

from __future__ import annotations

import argparse

from sqzdesk.cli.common import model_dirs, open_model

SAMPLE = {
    "positive": "I loved this film. The acting was wonderful and the story moved me.",
    "negative": "This was a terrible product. It broke after two days and support never answered.",
    "entities": "Angela Merkel met Emmanuel Macron in Paris on Tuesday to discuss the European Union.",
    "context": "The Eiffel Tower is a wrought-iron lattice tower in Paris. It was completed in 1889 "
               "as the entrance arch to the World's Fair.",
    "question": "When was the Eiffel Tower completed?",
}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    st = subparsers.add_parser("selftest", help="run every task on a built-in sample")
    st.add_argument("--gui", action="store_true",
                    help="also open the window on a sample and use it (QT_QPA_PLATFORM=offscreen without a display)")
    st.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Each task must give a sane answer on a sample anyone can judge by eye."""
    from sqzdesk.engine import EntityModel, QAModel, SentimentModel

    ok = True

    def report(task: str, passed: bool, detail: str) -> None:
        nonlocal ok
        ok &= passed
        print(f"{task:<17} {'ok  ' if passed else 'FAIL'} {detail}")

    sentiment = open_model("sentiment", args)
    if not isinstance(sentiment, SentimentModel):
        report("sentiment", False, "no usable bundle")
    else:
        pos = sentiment.analyze(SAMPLE["positive"]).overall
        neg = sentiment.analyze(SAMPLE["negative"]).overall
        report("sentiment", bool(pos and neg and pos.label == "positive" and neg.label == "negative"),
               f"positive sample -> {pos}, negative sample -> {neg}")
    entities = open_model("entities", args)
    if not isinstance(entities, EntityModel):
        report("entities", False, "no usable bundle")
    else:
        found = {(e.label, e.text) for e in entities.analyze(SAMPLE["entities"])}
        report("entities", ("PER", "Angela Merkel") in found and ("LOC", "Paris") in found, f"found {sorted(found)}")
    qa = open_model("qa", args)
    if not isinstance(qa, QAModel):
        report("qa", False, "no usable bundle")
    else:
        answers = qa.ask(SAMPLE["question"], SAMPLE["context"], top_k=1)
        report("qa", bool(answers) and "1889" in answers[0].text, f"answers {[a.text for a in answers]}")
    if args.gui:
        from sqzdesk.gui.selfcheck import run_gui_checks

        for check in run_gui_checks(model_dirs(args)):
            report(f"gui {check.name}", check.passed, check.detail)
    return 0 if ok else 1
