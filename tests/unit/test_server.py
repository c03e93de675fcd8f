"""The gunicorn worker settings: garbage is collected between requests, by CPython's thresholds."""

from __future__ import annotations

import gc
import weakref

import pytest

from intake import server


@pytest.fixture
def manual_collection():
    """Automatic collection off for the test (as in a worker), everything restored after."""
    was_enabled = gc.isenabled()
    thresholds = gc.get_threshold()
    gc.disable()
    gc.collect()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        if was_enabled:
            gc.enable()


class Node:
    def __init__(self):
        self.other = self  # a reference cycle: only the collector can free it


def cyclic_garbage():
    node = Node()
    freed = []
    weakref.finalize(node, freed.append, True)
    del node
    return freed


def test_nothing_is_collected_below_the_youngest_threshold(manual_collection):
    gc.set_threshold(10_000, 10, 10)
    freed = cyclic_garbage()
    assert server.collect_garbage() is None
    assert not freed


def test_the_youngest_generation_is_collected_once_its_threshold_is_passed(manual_collection):
    gc.set_threshold(50, 10, 10)
    freed = cyclic_garbage()
    keep = [[] for _ in range(100)]  # enough new objects to pass the threshold
    assert server.collect_garbage() == 0
    assert freed == [True]
    assert gc.get_count()[0] < 50 and keep


def test_older_generations_are_collected_when_their_own_thresholds_say_so(manual_collection):
    gc.set_threshold(1, 2, 1_000)
    collected, keep = [], []
    for _ in range(4):
        keep.append([[] for _ in range(5)])
        collected.append(server.collect_garbage())
    # three young collections put the middle generation past its threshold of two
    assert collected == [0, 0, 0, 1] and keep


def test_a_worker_freezes_what_it_loaded_and_waits_for_request_ends(manual_collection):
    gc.enable()
    server.post_worker_init(worker=None)
    assert not gc.isenabled()
    assert gc.get_freeze_count() > 0
    freed = cyclic_garbage()
    gc.set_threshold(1, 10, 10)
    [[] for _ in range(10)]
    server.post_request(worker=None, req=None, environ={}, resp=None)
    assert freed == [True]


@pytest.mark.parametrize(
    "implementation, version, copies",
    [
        ("cpython", (3, 11), True),
        ("cpython", (3, 13), True),
        ("cpython", (3, 14), False),  # incremental collection: not what collect_garbage copies
        ("cpython", (3, 10), False),
        ("pypy", (3, 11), False),
    ],
)
def test_collection_is_scheduled_only_where_it_copies_the_collector(
    implementation, version, copies
):
    assert server.copies_this_collector(implementation, version) is copies


def test_elsewhere_a_worker_keeps_the_interpreters_own_collection(manual_collection, monkeypatch):
    monkeypatch.setattr(server, "SCHEDULES_COLLECTION", False)
    gc.enable()
    server.post_worker_init(worker=None)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    gc.disable()
    gc.set_threshold(1, 10, 10)
    freed = cyclic_garbage()
    [[] for _ in range(10)]
    server.post_request(worker=None, req=None, environ={}, resp=None)
    assert not freed  # the hook collected nothing: that is left to the interpreter
