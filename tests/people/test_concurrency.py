"""Two people using one invitation link at the same moment: exactly one account is made."""

import pytest
from django.core import signing
from django.db import connection

from maestro.exceptions import StateConflict
from maestro.people.models import Invitation
from maestro.people.services import invitation_accept, invitation_create, invitation_token
from maestro.tenancy.models import Membership, User
from tests.harness.races import barrier, run_at_once
from tests.people.conftest import GOOD_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_link_used_twice_at_once_makes_one_account(world, monkeypatch):
    if connection.vendor == "postgresql":
        # Both have checked the signature before either takes the invitation's row lock. (On
        # SQLite the second transaction cannot start before the first commits, so no barrier.)
        both_checked = barrier()
        real_loads = signing.loads

        def loads(*args, **kwargs):
            value = real_loads(*args, **kwargs)
            both_checked.wait()
            return value

        monkeypatch.setattr("maestro.people.services.signing.loads", loads)
    invitation = invitation_create(
        client=world.client_a, email="olga@example.com", role="operator", by=world.consultant
    )
    token = invitation_token(invitation)

    results = run_at_once(
        lambda: invitation_accept(token=token, username="olga1", password=GOOD_PASSWORD),
        lambda: invitation_accept(token=token, username="olga2", password=GOOD_PASSWORD),
    )

    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], StateConflict) and lost[0].code == "invitation_used"
    assert User.objects.filter(email="olga@example.com").count() == 1
    assert Membership.objects.filter(client=world.client_a, role="operator").count() == 2
    assert Invitation.objects.get().accepted_by == won[0].user
