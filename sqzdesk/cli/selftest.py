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


def _sentiment(model) -> tuple[bool, str]:
    pos = model.analyze(SAMPLE["positive"]).overall
    neg = model.analyze(SAMPLE["negative"]).overall
    return (bool(pos and neg and pos.label == "positive" and neg.label == "negative"),
            f"positive sample -> {pos}, negative sample -> {neg}")


def _entities(model) -> tuple[bool, str]:
    found = {(e.label, e.text) for e in model.analyze(SAMPLE["entities"])}
    return ("PER", "Angela Merkel") in found and ("LOC", "Paris") in found, f"found {sorted(found)}"


def _qa(model) -> tuple[bool, str]:
    answers = model.ask(SAMPLE["question"], SAMPLE["context"], top_k=1)
    return bool(answers) and "1889" in answers[0].text, f"answers {[a.text for a in answers]}"


CHECKS = {"sentiment": _sentiment, "entities": _entities, "qa": _qa}


def run(args: argparse.Namespace) -> int:
    """Each task must give a sane answer on a sample anyone can judge by eye; so must every fast variant
    installed (a task without one is not a failure: its accurate bundle is what ``--variant fast`` runs)."""
    from sqzdesk.engine import TASK_MODELS, BundleError, find_bundle
    from sqzdesk.engine.manifest import Variant

    ok = True

    def report(task: str, passed: bool, detail: str) -> None:
        nonlocal ok
        ok &= passed
        print(f"{task:<17} {'ok  ' if passed else 'FAIL'} {detail}")

    opened = []
    for task, check in CHECKS.items():
        model = open_model(task, args)
        if not isinstance(model, TASK_MODELS[task]):
            report(task, False, "no usable bundle")
        else:
            report(task, *check(model))
            opened.append(task)
    for task in opened:  # a task without a usable bundle was reported once above
        check = CHECKS[task]
        try:  # the bundle first: where the task has no fast one, no second session of the accurate one
            bundle = find_bundle(task, model_dirs(args), Variant.FAST)
            if bundle.variant is not Variant.FAST:
                continue
            fast = TASK_MODELS[task](bundle, args.threads)
        except BundleError as exc:
            report(f"{task} fast", False, str(exc))
            continue
        report(f"{task} fast", *check(fast))
    if args.gui:
        from sqzdesk.gui.selfcheck import run_gui_checks

        for check_ in run_gui_checks(model_dirs(args)):
            report(f"gui {check_.name}", check_.passed, check_.detail)
    return 0 if ok else 1
