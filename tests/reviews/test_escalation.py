from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.reviews.services import review_task_resolve, review_tasks_escalate_overdue
from maestro.tenancy.models import Membership
from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.decisions.factories import DecisionFactory
from tests.engagements.factories import EngagementFactory
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import PlaybookVersionFactory
from tests.reviews.conftest import open_task
from tests.tenancy.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _member(client, role, email=""):
    return MembershipFactory(client=client, role=role, user__email=email).user


@pytest.fixture
def setup():
    """An engagement with one operator holding a task whose playbook SLA is 60 minutes."""

    class S:
        pass

    s = S()
    s.engagement = EngagementFactory()
    s.client = s.engagement.client
    s.operator = _member(s.client, Membership.Role.OPERATOR, "op@example.com")
    s.process = ProcessFactory(engagement=s.engagement)
    s.version = PlaybookVersionFactory(playbook__process=s.process, sla_minutes=60)
    s.task = open_task(DecisionFactory(process=s.process, playbook_version=s.version))
    s.late = s.task.due_at + timedelta(minutes=1)
    return s


def _escalate(now, capture):
    with capture(execute=True):
        return review_tasks_escalate_overdue(now=now)


def test_nothing_moves_before_the_due_time(setup, django_capture_on_commit_callbacks):
    assert (
        _escalate(setup.task.due_at - timedelta(seconds=1), django_capture_on_commit_callbacks) == 0
    )
    assert ReviewTask.objects.get().escalation_level == 0


def test_overdue_task_goes_to_the_chain_records_mails_and_emits(
    setup, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://maestro.example.com"
    chief = _member(setup.client, Membership.Role.OPERATOR, "chief@example.com")
    setup.version.escalation_chain = [chief.pk]
    setup.version.save()
    WebhookEndpoint.objects.create(
        engagement=setup.engagement,
        url="http://127.0.0.1:9/",
        secret="x" * 32,
        events=["task.overdue"],
    )

    assert _escalate(setup.late, django_capture_on_commit_callbacks) == 1

    task = ReviewTask.objects.get()
    assert (task.assignee, task.escalation_level) == (chief, 1)
    assert task.due_at == setup.late + timedelta(minutes=60)
    event = task.events.get(kind=ReviewTaskEvent.Kind.ESCALATED)
    assert (event.from_user, event.to_user, event.by) == (setup.operator, chief, None)
    assert [m.to for m in mail.outbox] == [["chief@example.com"]]
    assert mail.outbox[0].subject == f"Overdue review task escalated to you: {task.title}"
    assert "escalated to you (step 1)" in mail.outbox[0].body
    assert f"Open it in Maestro: https://maestro.example.com/review-tasks/{task.pk}/" in (
        mail.outbox[0].body
    )
    delivery = WebhookDelivery.objects.get(event="task.overdue")
    assert delivery.payload["to_user"]["id"] == chief.pk
    assert delivery.payload["escalation_level"] == 1


def test_running_twice_for_the_same_moment_moves_a_task_once(
    setup, django_capture_on_commit_callbacks
):
    _member(setup.client, Membership.Role.OPERATOR)

    first = _escalate(setup.late, django_capture_on_commit_callbacks)
    second = _escalate(setup.late, django_capture_on_commit_callbacks)

    assert (first, second) == (1, 0)
    assert ReviewTask.objects.get().escalation_level == 1
    assert ReviewTaskEvent.objects.filter(kind=ReviewTaskEvent.Kind.ESCALATED).count() == 1


def test_a_stale_second_scheduler_loses_the_conditional_update(
    setup, django_capture_on_commit_callbacks
):
    from maestro.reviews.services.escalation import _review_task_escalate

    other = _member(setup.client, Membership.Role.OPERATOR)
    stale = ReviewTask.objects.get()
    _escalate(setup.late, django_capture_on_commit_callbacks)

    won = _review_task_escalate(
        task=stale, chain_next=other.pk, skip=set(), users={other.pk: other}, now=setup.late
    )
    assert won is False
    assert ReviewTaskEvent.objects.filter(kind=ReviewTaskEvent.Kind.ESCALATED).count() == 1


def test_chain_order_then_other_operators_then_the_lead(setup, django_capture_on_commit_callbacks):
    first, gone, second = (_member(setup.client, Membership.Role.CONSULTANT) for _ in range(3))
    gone.memberships.all().delete()  # no longer at the client: skipped
    outsider = UserFactory()  # never a member: skipped
    spare = _member(setup.client, Membership.Role.OPERATOR)
    setup.version.escalation_chain = [setup.operator.pk, first.pk, gone.pk, outsider.pk, second.pk]
    setup.version.save()

    holders = []
    now = setup.late
    for _ in range(5):
        _escalate(now, django_capture_on_commit_callbacks)
        task = ReviewTask.objects.get()
        holders.append(task.assignee)
        now = task.due_at + timedelta(minutes=1)

    lead = setup.engagement.lead
    assert holders == [first, second, spare, lead, lead]
    assert ReviewTask.objects.get().escalation_level == 5


def test_empty_chain_goes_to_the_least_loaded_other_operator(
    setup, django_capture_on_commit_callbacks
):
    busy = _member(setup.client, Membership.Role.OPERATOR)
    idle = _member(setup.client, Membership.Role.OPERATOR)
    # busy now holds one more open task than idle
    ReviewTask.objects.create(
        engagement=setup.engagement,
        kind=ReviewTask.Kind.RUNBOOK_REVIEW,
        title="x",
        assignee=busy,
        due_at=timezone.now() + timedelta(days=3),
    )

    _escalate(setup.late, django_capture_on_commit_callbacks)

    assert ReviewTask.objects.get(decision__isnull=False).assignee == idle


@pytest.mark.django_db(transaction=True)
def test_the_fallback_counts_loads_under_the_clients_assignment_lock(setup):
    # The intake counts operators' open tasks under a row lock on the client; the sweep's
    # fallback must take the same lock before it counts, or a concurrent escalation at intake
    # and this sweep could both hand their task to the operator each saw as idle.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _member(setup.client, Membership.Role.OPERATOR)
    with CaptureQueriesContext(connection) as queries:
        assert review_tasks_escalate_overdue(now=setup.late) == 1
    sql = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, q in enumerate(sql) if 'FROM "tenancy_client"' in q)
    count = next(i for i, q in enumerate(sql) if 'COUNT(U0."id")' in q)
    update = next(i for i, q in enumerate(sql) if q.startswith('UPDATE "handoff_reviewtask"'))
    assert lock < count < update
    if connection.vendor == "postgresql":
        assert "FOR NO KEY UPDATE" in sql[lock]


def test_no_other_operator_goes_to_the_lead(setup, django_capture_on_commit_callbacks):
    _escalate(setup.late, django_capture_on_commit_callbacks)
    assert ReviewTask.objects.get().assignee == setup.engagement.lead


def test_resolved_tasks_are_never_escalated(setup, django_capture_on_commit_callbacks):
    review_task_resolve(task=setup.task, final_outcome="approve", note="", by=setup.operator)
    assert _escalate(setup.late, django_capture_on_commit_callbacks) == 0


def test_task_without_decision_uses_the_default_sla(setup, django_capture_on_commit_callbacks):
    ReviewTask.objects.all().delete()
    _member(setup.client, Membership.Role.OPERATOR)
    now = timezone.now()
    ReviewTask.objects.create(
        engagement=setup.engagement,
        kind=ReviewTask.Kind.RUNBOOK_REVIEW,
        title="Review the runbook",
        assignee=setup.operator,
        due_at=now - timedelta(minutes=5),
    )

    _escalate(now, django_capture_on_commit_callbacks)

    assert ReviewTask.objects.get().due_at == now + timedelta(minutes=240)
