"""Loaded only by the prefork worker that tests/handoff/test_document_job_prefork.py starts
(through CELERY_IMPORTS): the cover of an engagement named "Slow …" takes a minute to gather,
and that of one named "Stuck …" also shrugs off the soft time limit, as a render stuck in
native code would (the limit's exception is only raised once Python runs again)."""

import time

from celery.exceptions import SoftTimeLimitExceeded

from handoff.document.sections import cover

_gather = cover.gather


def _slow_gather(source):
    name = source.engagement.name
    if name.startswith("Slow"):
        time.sleep(60)
    elif name.startswith("Stuck"):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                time.sleep(1)
            except SoftTimeLimitExceeded:
                pass
    return _gather(source)


cover.gather = _slow_gather
