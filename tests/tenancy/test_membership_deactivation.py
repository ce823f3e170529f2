"""A deactivated membership (deactivated_at set, the row kept) grants nothing anywhere a
membership grants something: scoping's reach, review-task assignees and escalation, chain
candidates, "My queue". Membership.objects holds live memberships only; all_objects all."""

import pytest
from django.utils import timezone

from maestro.engagements.scoping import (
    can_work_engagement,
    clients_for,
    engagements_for,
    is_consultant_at,
    is_operator,
    people_at,
)
from maestro.playbooks.selectors import playbook_chain_candidates
from maestro.reviews.selectors import review_task_assignee_choices, user_has_review_queue
from maestro.tenancy.models import Membership
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def deactivate(user, client):
    Membership.objects.filter(user=user, client=client).update(deactivated_at=timezone.now())


def test_the_row_stays_but_membership_objects_no_longer_hold_it(world):
    deactivate(world.operator_a, world.client_a)

    assert not Membership.objects.filter(user=world.operator_a).exists()
    assert Membership.all_objects.get(user=world.operator_a).deactivated_at is not None
    assert Membership._default_manager is Membership.all_objects


def test_a_deactivated_operator_reaches_nothing(world):
    deactivate(world.operator_a, world.client_a)
    op = world.operator_a

    assert list(engagements_for(op)) == []
    assert list(clients_for(op)) == []
    assert not is_operator(op)
    assert not can_work_engagement(op, world.engagement_a)
    assert op not in people_at(world.client_a.pk, [Membership.Role.OPERATOR])
    assert op not in review_task_assignee_choices(engagement=world.engagement_a)
    assert op not in playbook_chain_candidates(engagement=world.engagement_a)
    assert not user_has_review_queue(user=op)
    r = client_for(op).get(f"/api/engagements/{world.engagement_a.pk}/")
    assert r.status_code == 404


def test_a_deactivated_consultant_no_longer_manages_what_they_lead(world):
    deactivate(world.consultant, world.client_a)

    assert list(engagements_for(world.consultant)) == []
    assert not is_consultant_at(world.consultant, world.client_a)
    r = client_for(world.consultant).patch(
        f"/api/engagements/{world.engagement_a.pk}/", {"name": "Mine"}, format="json"
    )
    assert r.status_code == 404
