"""The engine-level QA figure (`modelbuild engine-eval --task qa`): SQuAD scoring and the answers as `ask` gives them."""

from __future__ import annotations

import pytest

from sqzdesk.engine import QAModel
from sqzdesk.modelbuild.engine_eval import qa_f1
from sqzdesk.modelbuild.qa_data import QAExample, f1_score, question_scores


def example(context: str, question: str, answers: tuple[tuple[str, int], ...]) -> QAExample:
    return QAExample(qid=question, question=question, context=context, answers=answers, source="t", doc=context)


def test_squad_scoring():
    assert f1_score("the Denver Broncos", "Denver Broncos") == 1.0  # articles and case do not count
    assert f1_score("Broncos", "Denver Broncos") == pytest.approx(2 / 3)
    answerable = example("Denver won.", "Who won?", (("Denver", 0),))
    unanswerable = example("Denver won.", "Who lost?", ())
    assert question_scores(answerable, "denver.") == (1.0, 1.0)
    assert question_scores(answerable, "") == (0.0, 0.0)
    assert question_scores(unanswerable, "") == (1.0, 1.0)  # "no answer" is right only here
    assert question_scores(unanswerable, "Denver") == (0.0, 0.0)


def test_qa_f1_scores_the_top_answer_the_engine_gives(tiny_root):
    model = QAModel.open([tiny_root], threads=1)
    context = "Angela Merkel visited the tower in Paris. The analyst stayed in Berlin."
    questions = [example(context, q, ((a, context.index(a)),)) for q, a in
                 (("What did Angela Merkel visit?", "the tower"), ("Where did the analyst stay?", "Berlin"))]
    questions.append(example(context, "What is the capital of Peru?", ()))
    tops = [answers[0].text.strip() if answers else ""
            for answers in model.ask_many([(e.question, e.context) for e in questions], top_k=1)]
    expected = [question_scores(e, a) for e, a in zip(questions, tops, strict=True)]
    result = qa_f1(model, questions)
    assert result["questions"] == 3
    assert result["f1"] == round(100 * sum(f for f, _ in expected) / 3, 2)
    assert result["em"] == round(100 * sum(e for _, e in expected) / 3, 2)


def test_qa_f1_says_what_the_threshold_withholds(tiny_root):
    class Strict(QAModel):
        threshold = 1.01  # no span scores above 1: every answer withheld

    model = Strict.open([tiny_root], threads=1)
    context = "Angela Merkel visited the tower in Paris."
    questions = [example(context, "What did Angela Merkel visit?", (("the tower", context.index("the tower")),)),
                 example(context, "What is the capital of Peru?", ())]
    result = qa_f1(model, questions)
    assert result["f1"] == 50.0  # only the unanswerable question is right
    assert result["by_source"] == {"t": {"questions": 2, "f1": 50.0,
                                         "f1_without_threshold": result["f1_without_threshold"],
                                         "answerable_withheld": 100.0}}
