"""The engagement list's shortcuts answer exactly what the plain ways answer: the scope compiled
once (engagements_for), objects shared by rows represented once, URLs and dates formatted from
values looked up once per response, and the filters skipped when none is asked for."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_filters import FilterSet

from maestro.engagements import selectors
from maestro.engagements.api.serializers import EngagementOutputSerializer
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import engagements_for
from maestro.tenancy.models import Membership, User
from tests.conftest import client_for
from tests.engagements.factories import EngagementFactory
from tests.tenancy.factories import MembershipFactory, UserFactory


@pytest.fixture
def crowd(world):
    """Engagements of both clients sharing leads and members, plus people of every kind."""
    member = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    for i in range(4):
        shared = EngagementFactory(client=world.client_a, lead=world.consultant, name=f"S{i}")
        shared.members.add(member, world.consultant)
    other = EngagementFactory(client=world.client_a, name="Not theirs")
    other.members.add(member)
    EngagementFactory(client=world.client_b, lead=world.consultant_b, name="B2")
    gone = MembershipFactory(client=world.client_a, role=Membership.Role.CONSULTANT).user
    EngagementFactory(client=world.client_a, lead=gone, name="Lead who left")
    Membership.objects.filter(user=gone).delete()
    inactive = UserFactory(is_active=False)
    MembershipFactory(user=inactive, client=world.client_a, role=Membership.Role.OPERATOR)
    return {
        "consultant": world.consultant,
        "member": member,
        "operator": world.operator_a,
        "sponsor": world.sponsor_a,
        "operator_b": world.operator_b,
        "staff": world.staff,
        "gone": gone,
        "inactive": inactive,
        "stranger": UserFactory(),
    }


def test_the_prepared_scope_is_engagements_for(crowd):
    for name, user in crowd.items():
        ours = set(selectors.engagement_list_for_user(user=user).values_list("pk", flat=True))
        theirs = set(engagements_for(user).values_list("pk", flat=True))
        assert ours == theirs, name
    assert set(selectors.engagement_list_for_user(user=crowd["consultant"])) != set()


def test_a_page_answers_what_each_engagement_answers_alone(crowd, world):
    Engagement.objects.filter(name="S1").update(phase_changed_at=timezone.now() - timedelta(days=3))
    api = client_for(world.consultant)
    with timezone.override("America/Sao_Paulo"):
        page = api.get("/api/engagements/?page_size=50").json()["results"]
        alone = [api.get(f"/api/engagements/{row['id']}/").json() for row in page]
        # And as the serializer gives it for one object, with DRF's own date formatting.
        direct = [
            EngagementOutputSerializer(
                selectors.engagement_get_for_user(user=world.consultant, pk=row["id"])
            ).data
            for row in page
        ]
    assert len(page) == 4 + 1  # the four shared ones and world's own
    assert page == alone
    assert page == [dict(d) for d in direct]
    assert page[0]["url"] == Engagement.objects.get(pk=page[0]["id"]).get_absolute_url()
    assert page[0]["created_at"].endswith("-03:00")  # the active time zone, as DRF does


def test_a_list_without_filter_parameters_builds_no_filterset(crowd, world, monkeypatch):
    built = []
    original = FilterSet.__init__

    def spy(self, *args, **kwargs):
        built.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(FilterSet, "__init__", spy)
    api = client_for(world.consultant)
    everything = api.get("/api/engagements/?page_size=50&ordering=name").json()
    assert built == []
    filtered = api.get(f"/api/engagements/?phase=mapping&client={world.client_a.pk}")
    assert built == ["EngagementFilter"]
    assert filtered.json()["count"] == everything["count"]  # all in mapping, on client A
    assert api.get("/api/engagements/?phase=closed").json()["count"] == 0
    assert api.get("/api/engagements/?client=x").status_code == 400


def test_the_user_reading_the_list_is_not_saved(crowd):
    # The prepared scope is compiled from an unsaved stand-in user, never written.
    before = User.objects.count()
    selectors.engagement_list_for_user(user=crowd["member"]).count()
    assert User.objects.count() == before
