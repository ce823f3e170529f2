from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from maestro.reviews.models import ReviewTask
from maestro.reviews.tasks import review_tasks_escalate_overdue_task
from maestro.schedules import BEAT_SCHEDULE
from tests.decisions.factories import DecisionFactory
from tests.mapping.factories import ProcessFactory
from tests.reviews.conftest import open_task


@pytest.mark.django_db
def test_task_escalates_overdue_tasks(world):
    task = open_task(DecisionFactory(process=ProcessFactory(engagement=world.engagement_a)))
    ReviewTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(minutes=1))

    assert review_tasks_escalate_overdue_task() == 1

    task.refresh_from_db()
    assert (task.assignee, task.escalation_level) == (world.consultant, 1)


def test_escalation_is_scheduled_every_minute():
    entry = BEAT_SCHEDULE["review-tasks-escalate-overdue"]
    assert entry["task"] == review_tasks_escalate_overdue_task.name
    assert str(entry["schedule"]) == "<crontab: * * * * * (m/h/dM/MY/d)>"


def test_tests_keep_mail_in_memory():
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.django_db
def test_messages_queued_under_the_old_task_name_still_run(world):
    from maestro.celery import app

    task = open_task(DecisionFactory(process=ProcessFactory(engagement=world.engagement_a)))
    ReviewTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(minutes=1))

    assert app.tasks["handoff.tasks.review_tasks_escalate_overdue_task"]() == 1

    task.refresh_from_db()
    assert task.escalation_level == 1
