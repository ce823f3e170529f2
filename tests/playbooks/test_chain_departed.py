"""The playbook page flags the people its escalation chain names who can no longer take
review tasks (membership deactivated, or now a sponsor), computed from live memberships."""

import pytest
from django.utils import timezone

from maestro.playbooks.selectors import playbook_chain_departed
from maestro.tenancy.models import Membership
from tests.harness.isolation import page_as
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import PlaybookVersionFactory

pytestmark = pytest.mark.django_db
WARNING = "can no longer take review tasks"


@pytest.fixture
def version(world):
    process = ProcessFactory(engagement=world.engagement_a)
    return PlaybookVersionFactory(
        playbook__process=process, escalation_chain=[world.operator_a.pk, world.consultant.pk]
    )


def test_a_chain_of_live_members_is_not_flagged(world, version):
    assert playbook_chain_departed(version=version, engagement=world.engagement_a) == []
    page = page_as(world.consultant).get(f"/processes/{version.playbook.process_id}/playbook/")
    assert WARNING not in page.content.decode()


def test_a_deactivated_or_sponsor_member_of_the_chain_is_flagged(world, version):
    Membership.objects.filter(user=world.operator_a).update(deactivated_at=timezone.now())
    assert playbook_chain_departed(version=version, engagement=world.engagement_a) == [
        world.operator_a
    ]
    Membership.all_objects.filter(user=world.operator_a).update(deactivated_at=None, role="sponsor")
    assert playbook_chain_departed(version=version, engagement=world.engagement_a) == [
        world.operator_a
    ]

    for reader, edit_link in ((world.consultant, True), (world.sponsor_a, False)):
        page = page_as(reader).get(f"/processes/{version.playbook.process_id}/playbook/")
        text = page.content.decode()
        assert WARNING in text
        assert world.operator_a.get_full_name() in text
        assert ("Edit the chain" in text) is edit_link
