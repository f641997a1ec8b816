"""Batch jobs set the older objects aside from the cyclic collector, and hand them back when the last job ends."""

import gc
import threading

import pytest

from marketplace.heap import batch_job, older_objects_set_aside


class _Cycle:
    def __init__(self):
        self.me = self


def test_the_heap_is_frozen_inside_a_job_and_handed_back_after_it():
    gc.unfreeze()
    with older_objects_set_aside():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_nested_and_concurrent_jobs_share_one_freeze_until_the_last_ends():
    gc.unfreeze()
    inner_started, outer_may_end = threading.Event(), threading.Event()

    @batch_job
    def inner():
        inner_started.set()
        outer_may_end.wait(5)
        return gc.get_freeze_count()

    results = []
    with older_objects_set_aside():
        worker = threading.Thread(target=lambda: results.append(inner()))
        worker.start()
        inner_started.wait(5)
    assert gc.get_freeze_count() > 0  # the other thread's job still runs
    outer_may_end.set()
    worker.join(5)
    assert results and results[0] > 0  # still frozen while it ran alone
    assert gc.get_freeze_count() == 0


def test_a_failing_job_hands_the_heap_back_and_garbage_from_before_is_collected_after():
    gc.unfreeze()
    gc.collect()
    _Cycle()  # cyclic garbage made before the job: set aside with the rest, not lost

    @batch_job
    def failing():
        raise ValueError("boom")

    with pytest.raises(ValueError):
        failing()
    assert gc.get_freeze_count() == 0
    assert gc.collect() >= 1
