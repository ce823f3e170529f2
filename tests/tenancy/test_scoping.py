import pytest
from django.core.exceptions import PermissionDenied

from maestro.engagements.scoping import (
    can_manage_engagement,
    clients_for,
    engagements_for,
    require_engagement_worker,
)
from maestro.exceptions import NotPermitted
from maestro.tenancy.models import Membership
from tests.engagements.factories import EngagementFactory
from tests.tenancy.factories import MembershipFactory, UserFactory


def _names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


@pytest.mark.django_db
def test_consultant_sees_only_engagements_they_lead_or_join(world):
    other = EngagementFactory(client=world.client_a, name="A other")  # same client, not assigned
    assert _names(engagements_for(world.consultant)) == {"A agents"}
    other.members.add(world.consultant)
    assert _names(engagements_for(world.consultant)) == {"A agents", "A other"}


@pytest.mark.django_db
def test_operator_and_sponsor_see_every_engagement_of_their_client_only(world):
    EngagementFactory(client=world.client_a, name="A second")
    assert _names(engagements_for(world.operator_a)) == {"A agents", "A second"}
    assert _names(engagements_for(world.sponsor_a)) == {"A agents", "A second"}
    assert _names(engagements_for(world.operator_b)) == {"B agents"}


@pytest.mark.django_db
def test_staff_see_all_and_strangers_see_nothing(world):
    assert _names(engagements_for(world.staff)) == {"A agents", "B agents"}
    assert not engagements_for(UserFactory()).exists()


@pytest.mark.django_db
def test_inactive_user_sees_nothing(world):
    world.operator_a.is_active = False
    assert not engagements_for(world.operator_a).exists()
    assert not clients_for(world.operator_a).exists()


@pytest.mark.django_db
def test_scoping_returns_each_engagement_once_for_lead_who_is_also_member(world):
    world.engagement_a.members.add(world.consultant)
    MembershipFactory(user=world.consultant, client=world.client_b, role=Membership.Role.OPERATOR)
    assert sorted(engagements_for(world.consultant).values_list("name", flat=True)) == [
        "A agents",
        "B agents",
    ]


@pytest.mark.django_db
def test_clients_for_lists_memberships(world):
    assert _names(clients_for(world.operator_b)) == {"Beta"}
    assert _names(clients_for(world.staff)) == {"Acme", "Beta"}


@pytest.mark.django_db
def test_only_assigned_consultants_and_staff_manage(world):
    e = world.engagement_a
    assert can_manage_engagement(world.consultant, e)
    assert can_manage_engagement(world.staff, e)
    assert not can_manage_engagement(world.operator_a, e)
    assert not can_manage_engagement(world.sponsor_a, e)
    member = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    assert not can_manage_engagement(member, e)
    e.members.add(member)
    assert can_manage_engagement(member, e)


@pytest.mark.django_db
def test_require_engagement_worker_lets_consultants_and_operators_work_and_refuses_the_rest(world):
    for user in (world.consultant, world.operator_a):
        require_engagement_worker(user, world.engagement_a, message="no")
    for user in (world.sponsor_a, world.operator_b):
        with pytest.raises(NotPermitted) as refused:
            require_engagement_worker(user, world.engagement_a, message="Sponsors only read.")
        assert (refused.value.message, refused.value.code) == (
            "Sponsors only read.",
            "not_operator",
        )
    with pytest.raises(NotPermitted) as refused:
        require_engagement_worker(
            world.sponsor_a, world.engagement_a, message="m", code="read_only"
        )
    assert refused.value.code == "read_only"
    with pytest.raises(PermissionDenied, match="Sponsors only read."):
        require_engagement_worker(
            world.sponsor_a, world.engagement_a, message="Sponsors only read.", page=True
        )
