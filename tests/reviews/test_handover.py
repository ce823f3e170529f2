"""review_tasks_hand_over: the open tasks of someone who left a client go to its remaining
operators least-loaded first (the intake's rule), else to the engagement's lead."""

import pytest
from django.utils import timezone

from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.reviews.services import review_tasks_hand_over
from maestro.tenancy.models import Membership
from tests.decisions.factories import DecisionFactory
from tests.mapping.factories import ProcessFactory
from tests.reviews.conftest import open_task
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def leave(user, client):
    Membership.objects.filter(user=user, client=client).update(deactivated_at=timezone.now())


def test_tasks_spread_over_the_remaining_operators_least_loaded_first(world):
    process = ProcessFactory(engagement=world.engagement_a)
    other = MembershipFactory(client=world.client_a, role="operator").user
    tasks = [open_task(DecisionFactory(process=process)) for _ in range(3)]
    ReviewTask.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=world.operator_a)
    leave(world.operator_a, world.client_a)

    moved = review_tasks_hand_over(
        from_user=world.operator_a,
        client_id=world.client_a.pk,
        by=world.consultant,
        note="left",
        reason="test",
    )

    assert [m.to_user for m in moved] == [other, other, other]
    assert (
        ReviewTaskEvent.objects.filter(
            kind="reassigned", from_user=world.operator_a, to_user=other, by=world.consultant
        ).count()
        == 3
    )


def test_only_the_named_engagements_and_open_tasks_move(world):
    process = ProcessFactory(engagement=world.engagement_a)
    open_one = open_task(DecisionFactory(process=process))
    done = open_task(DecisionFactory(process=process))
    ReviewTask.objects.filter(pk=done.pk).update(status=ReviewTask.Status.RESOLVED)

    assert (
        review_tasks_hand_over(
            from_user=world.operator_a,
            client_id=world.client_a.pk,
            by=world.staff,
            note="",
            reason="test",
            engagement_ids=[world.engagement_b.pk],
        )
        == []
    )
    moved = review_tasks_hand_over(
        from_user=world.operator_a,
        client_id=world.client_a.pk,
        by=world.staff,
        note="",
        reason="test",
    )
    # No other operator at the client: the lead takes it.
    assert [(m.task.pk, m.to_user) for m in moved] == [(open_one.pk, world.consultant)]
    assert ReviewTask.objects.get(pk=done.pk).assignee == world.operator_a
