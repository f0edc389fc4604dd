"""The engine scheduler: one thread, priorities, preemption at batch boundaries, cancel. Counted, not timed."""

from __future__ import annotations

import threading

import pytest

from sqzdesk.engine import Analyzer, Cancelled, JobState, ModelPool, Priority, Scheduler
from sqzdesk.engine.pool import EngineConfig


@pytest.fixture()
def scheduler():
    s = Scheduler()
    yield s
    s.shutdown()


def _gate():
    """A job that holds the engine thread until released, so the test controls what is queued."""
    entered, release = threading.Event(), threading.Event()

    def work(ctx):
        entered.set()
        release.wait(30)
        return "gate"

    return work, entered, release


def test_jobs_run_by_priority_then_in_order(scheduler):
    work, entered, release = _gate()
    scheduler.submit(work)
    entered.wait(30)
    order: list[str] = []
    jobs = [scheduler.submit(lambda ctx, n=n: order.append(n), p, name=n)
            for n, p in [("b1", Priority.BATCH), ("i1", Priority.INTERACTIVE), ("b2", Priority.BATCH),
                         ("q1", Priority.QUESTION), ("i2", Priority.INTERACTIVE)]]
    release.set()
    for job in jobs:
        job.result(30)
    assert order == ["q1", "i1", "i2", "b1", "b2"]
    assert all(j.state is JobState.DONE for j in jobs)


def test_interactive_work_runs_inside_a_batch_job_at_its_next_check(scheduler):
    """A batch job checks should_stop between model batches; a question waiting then runs right there."""
    steps: list[str] = []
    asked = threading.Event()
    question: list = []

    def batch(ctx):
        for k in range(6):
            if k == 2:
                question.append(scheduler.submit(lambda c: steps.append("question"), Priority.INTERACTIVE))
                asked.set()
            if ctx.should_stop():
                raise Cancelled()
            steps.append(f"batch {k}")
        return "done"

    job = scheduler.submit(batch, Priority.BATCH)
    assert job.result(30) == "done"
    question[0].result(30)
    # the question ran at the batch job's first check after it arrived, not after the whole job
    assert steps == ["batch 0", "batch 1", "question", "batch 2", "batch 3", "batch 4", "batch 5"]
    assert scheduler.preemptions == 1


def test_a_question_goes_first_even_inside_a_document_analysis_inside_a_batch_job(scheduler):
    steps: list[str] = []

    def document(ctx):
        scheduler.submit(lambda c: steps.append("question"), Priority.QUESTION)
        ctx.should_stop()
        steps.append("document")

    def batch(ctx):
        scheduler.submit(document, Priority.INTERACTIVE)
        ctx.should_stop()
        steps.append("batch")

    scheduler.run(batch, Priority.BATCH)
    assert steps == ["question", "document", "batch"] and scheduler.preemptions == 2


def test_cancel_stops_a_running_job_and_skips_a_queued_one(scheduler):
    work, entered, release = _gate()
    scheduler.submit(work)
    entered.wait(30)
    checks = []

    def long(ctx):
        while not ctx.should_stop():
            checks.append(1)
            if len(checks) == 3:
                job.cancel()
        raise Cancelled()

    job = scheduler.submit(long, Priority.BATCH)
    never = scheduler.submit(lambda ctx: pytest.fail("a cancelled job must not start"))
    never.cancel()
    release.set()
    with pytest.raises(Cancelled):
        job.result(30)
    with pytest.raises(Cancelled):
        never.result(30)
    assert len(checks) == 3 and job.state is never.state is JobState.CANCELLED


def test_a_failing_job_reports_its_error_and_the_thread_goes_on(scheduler):
    done = []
    bad = scheduler.submit(lambda ctx: 1 / 0, on_done=done.append)
    with pytest.raises(ZeroDivisionError):
        bad.result(30)
    assert bad.state is JobState.FAILED and done == [bad]
    assert scheduler.run(lambda ctx: 42) == 42


def test_shutdown_cancels_what_is_queued(scheduler):
    work, entered, release = _gate()
    running = scheduler.submit(work)
    entered.wait(30)
    queued = scheduler.submit(lambda ctx: "never")
    scheduler.shutdown(wait=False)  # while the gate still holds the engine thread
    release.set()
    assert running.result(30) == "gate"
    with pytest.raises(Cancelled):
        queued.result(30)
    with pytest.raises(RuntimeError, match="shut down"):
        scheduler.submit(lambda ctx: None)
    scheduler.shutdown()  # idempotent; waits for the thread


def test_a_question_is_answered_while_a_long_batch_analysis_runs(scheduler, tiny_root):
    """Real models: a batch-priority analysis of a long text lets a question through mid-way."""
    pool = ModelPool(EngineConfig(threads=1, dirs=(tiny_root,), chunk_chars=400))
    analyzer, qa = pool.analyzer(), pool.qa()
    text = "Angela Merkel visited Paris. The film was wonderful and the price was fair. " * 60
    progress: list[int] = []
    answered_at: list[int] = []
    started = threading.Event()

    def batch(ctx):
        def on_progress(done, total):
            progress.append(done)
            started.set()
        return analyzer.analyze(text, progress=on_progress, should_stop=ctx.should_stop)

    job = scheduler.submit(batch, Priority.BATCH)
    started.wait(60)
    question = scheduler.submit(lambda ctx: (answered_at.append(len(progress)),
                                            qa.ask("Who visited Paris?", text[:300], should_stop=ctx.should_stop)),
                                Priority.INTERACTIVE)
    question.result(60)
    job.result(120)
    assert answered_at and answered_at[0] < len(progress)  # answered before the batch analysis ended
    assert scheduler.preemptions >= 1


def test_the_pool_rebuilds_models_only_when_needed(tiny_root):
    pool = ModelPool(EngineConfig(threads=1, dirs=(tiny_root,)))
    first = pool.analyzer()
    pool.configure(EngineConfig(threads=1, dirs=(tiny_root,), max_chars=1234, answer_threshold=0.3))
    assert pool.analyzer() is first and all(m.max_chars == 1234 for m in first.models)
    pool.configure(EngineConfig(threads=2, dirs=(tiny_root,)))
    assert pool.analyzer() is not first
    assert isinstance(pool.analyzer(), Analyzer) and pool.status().available("qa")
