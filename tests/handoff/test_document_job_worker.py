"""The handoff PDF's job on a real Celery worker that consumes only the `pdf` queue (so the task
is routed there): a generation that hits a limit fails with a clear message, and the next one
still succeeds on the same worker."""

import hashlib
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.storage import default_storage
from django.test import override_settings

from handoff.models import HandoffDocument
from handoff.services.documents import handoff_document_request

pytestmark = pytest.mark.celery_worker


def _generate(world) -> HandoffDocument:
    document = handoff_document_request(engagement=world.engagement_a, actor=world.consultant)
    deadline = time.monotonic() + 90
    while HandoffDocument.objects.get(pk=document.pk).status in ("queued", "running"):
        assert time.monotonic() < deadline, "the worker did not finish the generation"
        time.sleep(0.2)
    return HandoffDocument.objects.get(pk=document.pk)


def test_a_generation_over_a_limit_fails_clearly_and_the_next_one_succeeds(
    transactional_db, world, celery_test_app
):
    with start_worker(
        celery_test_app,
        pool="solo",
        queues=["pdf"],
        perform_ping_check=False,
        shutdown_timeout=30,
    ):
        with override_settings(HANDOFF_PDF_MAX_HTML_BYTES=100):
            too_large = _generate(world)
        with override_settings(HANDOFF_PDF_RENDER_MEMORY_MB=1):
            out_of_memory = _generate(world)
        with override_settings(HANDOFF_PDF_RENDER_TIME_LIMIT=0.001):
            too_slow = _generate(world)
        done = _generate(world)

    assert (too_large.version, too_large.status) == (1, "failed")
    assert "over the limit of 100 bytes (HANDOFF_PDF_MAX_HTML_BYTES)" in too_large.error
    assert (out_of_memory.version, out_of_memory.status) == (2, "failed")
    assert "needed more than 1 MB of memory" in out_of_memory.error
    assert (too_slow.version, too_slow.status) == (3, "failed")
    assert "took longer than 0.001 seconds" in too_slow.error

    assert (done.version, done.status, done.error) == (4, "succeeded", "")
    with default_storage.open(done.file.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == done.sha256
    assert done.page_count and done.size_bytes
