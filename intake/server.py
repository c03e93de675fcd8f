"""gunicorn settings for Intake's workers:  gunicorn -c python:intake.server 'app:create_app()'

Garbage collection between requests, not in the middle of one. CPython's collector runs
whenever enough new objects have piled up, which on a busy page is while the page is being
built: it then has to scan every object the request still holds (forms, template state,
rows), and the patient waits for it. In a worker, collection is instead done right after
each response has been sent, by the same thresholds CPython uses: by then the request's
objects are freed, so there is far less to scan, and no one is waiting. What the worker
loaded at start (the app, its templates, fonts and catalogues) is frozen, so it is never
scanned at all.

That copies how CPython 3.11 to 3.13 schedules its generational collector (three
generations, each with its own threshold). CPython 3.14 collects incrementally and other
interpreters differently: there the worker keeps the interpreter's own collection.
"""

from __future__ import annotations

import gc
import sys


def copies_this_collector(
    implementation: str = sys.implementation.name,
    version: tuple[int, ...] = tuple(sys.version_info[:2]),
) -> bool:
    """True where collect_garbage() schedules collection as the interpreter itself would."""
    return implementation == "cpython" and (3, 11) <= version[:2] <= (3, 13)


SCHEDULES_COLLECTION = copies_this_collector()


def post_worker_init(worker) -> None:
    """The app is loaded: freeze what exists now, and let collection wait for request ends."""
    if not SCHEDULES_COLLECTION:
        return
    gc.collect()
    gc.freeze()
    gc.disable()


def post_request(worker, req, environ, resp) -> None:
    if SCHEDULES_COLLECTION:
        collect_garbage()


def collect_garbage() -> int | None:
    """Collect the generation CPython's own thresholds call for now, if any; returns it."""
    counts = gc.get_count()
    thresholds = gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return generation
    return None
