import pytest
from rest_framework.test import APIClient

from maestro.tenancy.models import Membership
from tests.engagements.factories import EngagementFactory
from tests.tenancy.factories import ClientFactory, MembershipFactory, UserFactory

pytest_plugins = ["tests.plugins.backends"]


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def world(db):
    """Two tenants. Client A has an engagement led by `consultant`, with an operator and a
    sponsor; client B has its own engagement and operator. Used by every isolation test."""

    class World:
        pass

    w = World()
    w.client_a = ClientFactory(name="Acme", slug="acme")
    w.client_b = ClientFactory(name="Beta", slug="beta")
    w.consultant = MembershipFactory(client=w.client_a, role=Membership.Role.CONSULTANT).user
    w.operator_a = MembershipFactory(client=w.client_a, role=Membership.Role.OPERATOR).user
    w.sponsor_a = MembershipFactory(client=w.client_a, role=Membership.Role.SPONSOR).user
    w.operator_b = MembershipFactory(client=w.client_b, role=Membership.Role.OPERATOR).user
    w.consultant_b = MembershipFactory(client=w.client_b, role=Membership.Role.CONSULTANT).user
    w.staff = UserFactory(username="staff", is_staff=True)
    w.engagement_a = EngagementFactory(client=w.client_a, lead=w.consultant, name="A agents")
    w.engagement_b = EngagementFactory(client=w.client_b, lead=w.consultant_b, name="B agents")
    return w


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
