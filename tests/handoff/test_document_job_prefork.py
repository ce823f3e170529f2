"""The `pdf` worker as it runs in production (Procfile.dev's command: prefork, one process,
--max-memory-per-child), started as a real process: the hard time limit kills the job's
process (stuck past the soft limit, as in native code) and the worker fails the generation at
once with the reason; the soft limit fails it from inside; and the next generation succeeds in
the process that replaced it."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from handoff.models import HandoffDocument
from handoff.tasks_documents import handoff_document_generate_task
from tests.engagements.factories import EngagementFactory

pytestmark = pytest.mark.celery_worker

BASE_DIR = Path(__file__).resolve().parents[2]


def _settings_module(folder: Path, broker) -> str:
    """Test settings pointing at this test's database and broker, plus the slow section."""
    db = {
        key: connection.settings_dict[key]
        for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
    }
    (folder / "pdf_worker_settings.py").write_text(
        "from maestro.settings_test import *  # noqa: F403\n"
        "from maestro.settings_test import CELERY_IMPORTS\n"
        f"DATABASES = {{'default': {db!r}}}\n"
        f"CELERY_BROKER_URL = {broker.url!r}\n"
        f"CELERY_BROKER_TRANSPORT_OPTIONS = {broker.transport_options!r}\n"
        "CELERY_IMPORTS = [*CELERY_IMPORTS, 'tests.handoff.document_job_slow']\n"
    )
    return "pdf_worker_settings"


@pytest.fixture
def pdf_worker(transactional_db, celery_broker, celery_test_app, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": _settings_module(tmp_path, celery_broker),
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(BASE_DIR)]),
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "maestro", "worker"),
            *("-Q", "pdf", "--pool=prefork", "--concurrency=1", "--max-memory-per-child=512000"),
            *("--hostname=pdf-test@%h", "--without-gossip", "--without-mingle"),
            "--loglevel=INFO",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield worker
    worker.terminate()
    try:
        worker.wait(30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    log.close()


def _finished(document: HandoffDocument, worker, timeout: float = 120) -> HandoffDocument:
    deadline = time.monotonic() + timeout
    while HandoffDocument.objects.get(pk=document.pk).status in ("queued", "running"):
        assert worker.poll() is None, "the worker exited"
        assert time.monotonic() < deadline, "the generation did not finish"
        time.sleep(0.2)
    return HandoffDocument.objects.get(pk=document.pk)


def test_time_limits_fail_the_generation_and_the_next_one_succeeds(world, pdf_worker):
    stuck = EngagementFactory(client=world.client_a, lead=world.consultant, name="Stuck agents")
    over_hard = HandoffDocument.objects.create(engagement=stuck, version=1)
    handoff_document_generate_task.apply_async(args=[over_hard.pk], soft_time_limit=1, time_limit=3)
    over_hard = _finished(over_hard, pdf_worker)

    slow = EngagementFactory(client=world.client_a, lead=world.consultant, name="Slow agents")

    over_soft = HandoffDocument.objects.create(engagement=slow, version=1)
    handoff_document_generate_task.apply_async(
        args=[over_soft.pk], soft_time_limit=2, time_limit=60
    )
    over_soft = _finished(over_soft, pdf_worker)

    normal = HandoffDocument.objects.create(engagement=world.engagement_a, version=1)
    handoff_document_generate_task.delay(normal.pk)
    normal = _finished(normal, pdf_worker)

    assert over_hard.status == "failed"
    assert "went over its hard time limit of 3 seconds" in over_hard.error
    assert over_soft.status == "failed"
    assert "the job's time limit, so it was stopped" in over_soft.error
    assert (normal.status, normal.error) == ("succeeded", "")
    assert normal.page_count and normal.sha256
