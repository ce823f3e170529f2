"""Role changes and deactivation: who may, what it does to access, the review tasks handed
over least-loaded, and the escalation chains flagged on the playbook page."""

import pytest
from django.core import mail

from maestro.engagements.scoping import can_work_engagement, engagements_for
from maestro.exceptions import DomainError, NotPermitted, StateConflict
from maestro.people.services import membership_change_role, membership_deactivate
from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.tenancy.models import Membership
from tests.conftest import client_for
from tests.decisions.factories import DecisionFactory
from tests.harness.isolation import page_as
from tests.mapping.factories import ProcessFactory
from tests.playbooks.factories import PlaybookVersionFactory
from tests.reviews.conftest import open_task
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def membership(user, client):
    return Membership.all_objects.get(user=user, client=client)


@pytest.fixture
def process(world):
    return ProcessFactory(engagement=world.engagement_a, name="Invoice approval")


def tasks_for(process, count):
    return [open_task(DecisionFactory(process=process)) for _ in range(count)]


# --- Deactivation ---------------------------------------------------------------------------


def test_deactivation_keeps_the_row_and_ends_the_access(world):
    change = membership_deactivate(
        membership=membership(world.operator_a, world.client_a), by=world.consultant
    )

    assert change.membership.deactivated_at is not None
    assert Membership.all_objects.filter(user=world.operator_a).count() == 1
    assert list(engagements_for(world.operator_a)) == []
    r = client_for(world.operator_a).get(f"/api/engagements/{world.engagement_a.pk}/")
    assert r.status_code == 404


def test_open_tasks_go_to_the_remaining_operators_least_loaded_first(
    world, process, django_capture_on_commit_callbacks
):
    busy = MembershipFactory(client=world.client_a, role="operator").user
    idle = MembershipFactory(client=world.client_a, role="operator").user
    leaving = world.operator_a
    # Assignment is least-loaded, ties by id: give each operator a known load first.
    for task in tasks_for(process, 6):
        ReviewTask.objects.filter(pk=task.pk).update(assignee=leaving)
    busy_task = open_task(DecisionFactory(process=process))
    ReviewTask.objects.filter(pk=busy_task.pk).update(assignee=busy)
    ReviewTask.objects.filter(pk=open_task(DecisionFactory(process=process)).pk).update(
        assignee=busy
    )
    resolved = open_task(DecisionFactory(process=process))
    ReviewTask.objects.filter(pk=resolved.pk).update(
        assignee=leaving, status=ReviewTask.Status.RESOLVED
    )
    mail.outbox.clear()
    for user in (busy, idle):
        user.email = f"{user.username}@example.com"
        user.save()

    with django_capture_on_commit_callbacks(execute=True):
        change = membership_deactivate(
            membership=membership(leaving, world.client_a), by=world.consultant
        )

    # busy holds 2, idle 0: idle takes the first two, then they alternate (4 for idle, 2 for busy).
    got = {moved.task.pk: moved.to_user for moved in change.handed_over}
    assert len(got) == 6
    assert sorted(u.username for u in got.values()) == sorted(
        [idle.username] * 4 + [busy.username] * 2
    )
    assert not ReviewTask.objects.filter(assignee=leaving, status="open").exists()
    assert ReviewTask.objects.get(pk=resolved.pk).assignee == leaving  # history untouched
    events = ReviewTaskEvent.objects.filter(kind=ReviewTaskEvent.Kind.REASSIGNED)
    assert events.count() == 6
    assert {(e.from_user, e.by) for e in events} == {(leaving, world.consultant)}
    assert "no longer works at Acme" in events.first().note
    assert len(mail.outbox) == 6


def test_with_no_operator_left_tasks_go_to_the_lead(world, process):
    tasks = tasks_for(process, 2)
    assert {t.assignee for t in tasks} == {world.operator_a}

    change = membership_deactivate(
        membership=membership(world.operator_a, world.client_a), by=world.staff
    )

    assert {moved.to_user for moved in change.handed_over} == {world.consultant}
    assert set(ReviewTask.objects.values_list("assignee", flat=True)) == {world.consultant.pk}


def test_a_departing_lead_with_nobody_left_leaves_the_task_unassigned(world, process):
    Membership.objects.filter(user=world.operator_a).delete()
    task = open_task(DecisionFactory(process=process))
    assert task.assignee == world.consultant  # no operator: the lead

    change = membership_deactivate(
        membership=membership(world.consultant, world.client_a), by=world.staff
    )

    assert [moved.to_user for moved in change.handed_over] == [None]
    task.refresh_from_db()
    assert (task.assignee, task.status) == (None, ReviewTask.Status.OPEN)


def test_tasks_at_another_client_stay(world):
    MembershipFactory(user=world.operator_a, client=world.client_b, role="operator")
    process_b = ProcessFactory(engagement=world.engagement_b)
    task_b = open_task(DecisionFactory(process=process_b))
    ReviewTask.objects.filter(pk=task_b.pk).update(assignee=world.operator_a)

    membership_deactivate(membership=membership(world.operator_a, world.client_a), by=world.staff)

    assert ReviewTask.objects.get(pk=task_b.pk).assignee == world.operator_a


def test_playbooks_naming_the_person_are_returned_and_flagged_on_their_page(world, process):
    other = ProcessFactory(engagement=world.engagement_a, name="Ticket routing")
    PlaybookVersionFactory(playbook__process=process, escalation_chain=[world.operator_a.pk])
    # Only the current version counts: v2 of `other` no longer names them.
    PlaybookVersionFactory(
        playbook__process=other, number=1, escalation_chain=[world.operator_a.pk]
    )
    PlaybookVersionFactory(
        playbook__process=other, number=2, escalation_chain=[world.consultant.pk]
    )
    page = page_as(world.consultant)
    before = page.get(f"/processes/{process.pk}/playbook/").content.decode()
    assert "can no longer take review tasks" not in before

    change = membership_deactivate(
        membership=membership(world.operator_a, world.client_a), by=world.consultant
    )

    assert [p.pk for p in change.playbooks_naming] == [process.pk]
    after = page.get(f"/processes/{process.pk}/playbook/").content.decode()
    assert "can no longer take review tasks" in after
    assert str(world.operator_a.get_full_name()) in after
    assert "Edit the chain" in after
    other_page = page.get(f"/processes/{other.pk}/playbook/").content.decode()
    assert "can no longer take review tasks" not in other_page


@pytest.mark.parametrize("who", ["operator_a", "sponsor_a"])
def test_client_side_people_may_not_deactivate(world, who):
    with pytest.raises(NotPermitted):
        membership_deactivate(
            membership=membership(world.operator_a, world.client_a), by=getattr(world, who)
        )
    assert membership(world.operator_a, world.client_a).deactivated_at is None


def test_only_staff_deactivate_a_consultant(world):
    colleague = MembershipFactory(client=world.client_a, role="consultant").user
    with pytest.raises(NotPermitted) as refused:
        membership_deactivate(membership=membership(colleague, world.client_a), by=world.consultant)
    assert refused.value.code == "not_staff"
    membership_deactivate(membership=membership(colleague, world.client_a), by=world.staff)


def test_nobody_deactivates_themselves_and_twice_is_a_conflict(world):
    world.staff.memberships.create(client=world.client_a, role="consultant")
    with pytest.raises(DomainError) as own:
        membership_deactivate(membership=membership(world.staff, world.client_a), by=world.staff)
    assert own.value.code == "cannot_deactivate_self"

    membership_deactivate(membership=membership(world.operator_a, world.client_a), by=world.staff)
    with pytest.raises(StateConflict) as again:
        membership_deactivate(
            membership=membership(world.operator_a, world.client_a), by=world.staff
        )
    assert again.value.code == "membership_deactivated"


# --- Role changes ---------------------------------------------------------------------------


def test_an_operator_made_sponsor_hands_their_tasks_over_and_reads_only(world, process):
    other = MembershipFactory(client=world.client_a, role="operator").user
    tasks = tasks_for(process, 2)
    ReviewTask.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=world.operator_a)

    change = membership_change_role(
        membership=membership(world.operator_a, world.client_a), role="sponsor", by=world.consultant
    )

    assert change.membership.role == "sponsor"
    assert {m.to_user for m in change.handed_over} == {other}
    assert not can_work_engagement(world.operator_a, world.engagement_a)
    assert list(engagements_for(world.operator_a)) == [world.engagement_a]


def test_a_sponsor_made_operator_keeps_everything(world):
    change = membership_change_role(
        membership=membership(world.sponsor_a, world.client_a), role="operator", by=world.consultant
    )
    assert change.handed_over == []
    assert can_work_engagement(world.sponsor_a, world.engagement_a)


def test_roles_to_or_from_consultant_are_for_staff(world):
    for target, role in ((world.operator_a, "consultant"), (world.consultant, "operator")):
        with pytest.raises(NotPermitted) as refused:
            membership_change_role(
                membership=membership(target, world.client_a), role=role, by=world.consultant
            )
        assert refused.value.code == "not_staff"
    change = membership_change_role(
        membership=membership(world.operator_a, world.client_a), role="consultant", by=world.staff
    )
    assert change.membership.role == "consultant"


def test_a_former_members_role_cannot_change(world):
    membership_deactivate(membership=membership(world.operator_a, world.client_a), by=world.staff)
    with pytest.raises(StateConflict) as refused:
        membership_change_role(
            membership=membership(world.operator_a, world.client_a), role="sponsor", by=world.staff
        )
    assert refused.value.code == "membership_deactivated"


# --- API ------------------------------------------------------------------------------------


def test_api_role_change_and_deactivation(world, process):
    tasks_for(process, 1)
    api = client_for(world.consultant)
    m = membership(world.operator_a, world.client_a)

    r = api.post(f"/api/memberships/{m.pk}/role/", {"role": "boss"}, format="json")
    assert r.status_code == 400 and "role" in r.json()
    r = api.post(f"/api/memberships/{m.pk}/role/", {"role": "sponsor"}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["membership"]["role"] == "sponsor"
    assert [t["to_user"]["id"] for t in body["review_tasks_reassigned"]] == [world.consultant.pk]

    r = api.post(f"/api/memberships/{m.pk}/deactivate/")
    assert r.status_code == 200, r.content
    assert r.json()["membership"]["active"] is False
    assert r.json()["membership"]["deactivated_at"]
    r = api.post(f"/api/memberships/{m.pk}/deactivate/")
    assert r.status_code == 409 and r.json()["code"] == "membership_deactivated"

    r = client_for(world.sponsor_a).post(
        f"/api/memberships/{membership(world.sponsor_a, world.client_a).pk}/deactivate/"
    )
    assert r.status_code == 403
