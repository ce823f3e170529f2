"""Loaded only by the prefork worker that tests/handoff/test_document_job_prefork.py starts
(through CELERY_IMPORTS): the cover of an engagement whose name starts with "Slow" takes a
minute to gather, so the test can run a generation into the worker's time limits."""

import time

from handoff.document.sections import cover

_gather = cover.gather


def _slow_gather(source):
    if source.engagement.name.startswith("Slow"):
        time.sleep(60)
    return _gather(source)


cover.gather = _slow_gather
