"""Reassigning several review tasks at once: the service, the engagement's task list ("Reassign
selected") and POST /api/review-tasks/reassign/."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maestro.audit.models import AuditEntry
from maestro.exceptions import NotPermitted, StateConflict
from maestro.reviews.models import ReviewTask, ReviewTaskEvent
from maestro.reviews.services import (
    MAX_BULK_REASSIGN,
    review_task_resolve,
    review_tasks_reassign,
)
from maestro.tenancy.models import Membership
from tests.conftest import client_for
from tests.decisions.factories import DecisionFactory
from tests.harness.isolation import assert_hidden, assert_hidden_from_outsiders, page_as
from tests.mapping.factories import ProcessFactory
from tests.reviews.conftest import open_task
from tests.tenancy.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/api/review-tasks/reassign/"


def _tasks(world, n, engagement=None):
    process = ProcessFactory(engagement=engagement or world.engagement_a)
    return [open_task(DecisionFactory(process=process)) for _ in range(n)]


def _state():
    return sorted(ReviewTask.objects.values_list("pk", "assignee_id", "status"))


@pytest.fixture
def second_operator(world):
    return MembershipFactory(client=world.client_a, role=Membership.Role.OPERATOR).user


# --- service --------------------------------------------------------------------------------


def test_reassign_moves_every_task_with_an_event_an_audit_entry_and_a_mail(world, second_operator):
    tasks = _tasks(world, 3)
    assert {t.assignee_id for t in tasks} <= {world.operator_a.pk, second_operator.pk}
    ReviewTask.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=world.operator_a)
    tasks = list(ReviewTask.objects.filter(pk__in=[t.pk for t in tasks]))

    moved = review_tasks_reassign(
        tasks=tasks, to_user=second_operator, by=world.consultant, note="holiday cover"
    )

    assert sorted(t.pk for t in moved) == sorted(t.pk for t in tasks)
    assert set(ReviewTask.objects.values_list("assignee_id", flat=True)) == {second_operator.pk}
    events = ReviewTaskEvent.objects.filter(kind=ReviewTaskEvent.Kind.REASSIGNED)
    assert events.count() == 3
    assert {(e.from_user_id, e.to_user_id, e.by_id, e.note) for e in events} == {
        (world.operator_a.pk, second_operator.pk, world.consultant.pk, "holiday cover")
    }
    entries = AuditEntry.objects.filter(event="task.reassigned")
    assert sorted(int(e.target_id) for e in entries) == sorted(t.pk for t in tasks)
    assert {e.actor_user_id for e in entries} == {world.consultant.pk}


def test_reassign_mails_the_new_assignee_once_listing_every_task_once_committed(
    world, second_operator, django_capture_on_commit_callbacks
):
    second_operator.email = "second@example.com"
    second_operator.save()
    tasks = _tasks(world, 3)
    ReviewTask.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=world.operator_a)
    tasks = list(ReviewTask.objects.filter(pk__in=[t.pk for t in tasks]))
    with django_capture_on_commit_callbacks(execute=True):
        review_tasks_reassign(
            tasks=tasks, to_user=second_operator, by=world.consultant, note="holiday cover"
        )
    assert [m.to for m in mail.outbox] == [["second@example.com"]]
    message = mail.outbox[0]
    assert message.subject == "3 review tasks reassigned to you"
    assert "holiday cover" in message.body
    for task in tasks:
        assert task.title in message.body
        assert task.get_absolute_url() in message.body


def test_reassigning_one_task_in_bulk_sends_the_single_task_mail(
    world, second_operator, django_capture_on_commit_callbacks
):
    second_operator.email = "second@example.com"
    second_operator.save()
    (task,) = _tasks(world, 1)
    ReviewTask.objects.filter(pk=task.pk).update(assignee=world.operator_a)
    task.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        review_tasks_reassign(tasks=[task], to_user=second_operator, by=world.consultant)
    assert [m.subject for m in mail.outbox] == [f"Review task reassigned to you: {task.title}"]


def test_reassign_leaves_tasks_the_person_already_holds(world):
    held, other = _tasks(world, 2)
    ReviewTask.objects.filter(pk=other.pk).update(assignee=world.consultant)
    other.refresh_from_db()
    moved = review_tasks_reassign(
        tasks=[held, other], to_user=world.consultant, by=world.consultant
    )
    assert [t.pk for t in moved] == [held.pk]
    assert ReviewTaskEvent.objects.filter(kind="reassigned").count() == 1


def test_a_closed_task_refuses_the_whole_batch(world, second_operator):
    first, done, last = _tasks(world, 3)
    review_task_resolve(task=done, final_outcome="approve", by=world.operator_a)
    before = _state()

    with pytest.raises(StateConflict) as exc:
        review_tasks_reassign(
            tasks=[first, done, last], to_user=world.consultant, by=world.consultant
        )

    assert exc.value.code == "task_not_open" and exc.value.extra["tasks"] == [done.pk]
    assert str(done.pk) in exc.value.message
    assert _state() == before
    assert not ReviewTaskEvent.objects.filter(kind="reassigned").exists()


def test_reassign_follows_the_single_task_rules(world):
    tasks = _tasks(world, 2)
    with pytest.raises(NotPermitted):
        review_tasks_reassign(tasks=tasks, to_user=world.consultant, by=world.sponsor_a)
    with pytest.raises(ValidationError) as exc:
        review_tasks_reassign(tasks=tasks, to_user=world.operator_b, by=world.consultant)
    assert "to_user" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        review_tasks_reassign(tasks=[], to_user=world.consultant, by=world.consultant)
    assert exc.value.message_dict == {"tasks": ["Select at least one task to reassign."]}


def test_reassign_refuses_more_than_the_limit(world):
    [task] = _tasks(world, 1)
    with pytest.raises(ValidationError) as exc:
        review_tasks_reassign(
            tasks=[task] * (MAX_BULK_REASSIGN + 1), to_user=world.consultant, by=world.consultant
        )
    assert exc.value.message_dict["tasks"] == [
        f"Reassign at most {MAX_BULK_REASSIGN} tasks at a time."
    ]


def test_reassign_costs_the_same_queries_for_2_or_20_tasks(world):
    counts = []
    for n in (2, 20):
        tasks = _tasks(world, n)
        ReviewTask.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=world.operator_a)
        tasks = list(ReviewTask.objects.filter(pk__in=[t.pk for t in tasks]))
        with CaptureQueriesContext(connection) as queries:
            review_tasks_reassign(tasks=tasks, to_user=world.consultant, by=world.consultant)
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- page -----------------------------------------------------------------------------------


def test_reassign_selected_on_the_engagement_task_list(world, second_operator):
    tasks = _tasks(world, 3)
    page = page_as(world.consultant)
    url = f"/engagements/{world.engagement_a.pk}/review-tasks/"
    html = page.get(url).content.decode()
    assert html.count('name="tasks"') == 3 and ">Reassign selected</button>" in html

    r = page.post(
        url + "reassign/",
        {"tasks": [tasks[0].pk, tasks[2].pk], "to_user": world.consultant.pk, "note": "mine"},
        follow=True,
    )

    assert r.status_code == 200
    assert "Reassigned 2 task(s) to" in r.content.decode()
    assignees = dict(ReviewTask.objects.values_list("pk", "assignee_id"))
    assert assignees[tasks[0].pk] == assignees[tasks[2].pk] == world.consultant.pk
    assert assignees[tasks[1].pk] != world.consultant.pk


def test_reassign_selected_form_errors(world):
    tasks = _tasks(world, 2)
    [other] = _tasks(world, 1, engagement=world.engagement_b)
    page = page_as(world.consultant)
    url = f"/engagements/{world.engagement_a.pk}/review-tasks/reassign/"
    before = _state()

    r = page.post(url, {"to_user": world.consultant.pk})
    assert r.status_code == 400 and "Select at least one task to reassign." in r.content.decode()
    r = page.post(url, {"tasks": [tasks[0].pk, other.pk], "to_user": world.consultant.pk})
    assert r.status_code == 400
    assert f"Not review tasks of this engagement: {other.pk}." in r.content.decode()
    assert f'value="{tasks[0].pk}" id="select-task-{tasks[0].pk}" aria-label' in r.content.decode()
    r = page.post(url, {"tasks": ["abc"], "to_user": world.consultant.pk})
    assert r.status_code == 400 and "abc is not a review task id." in r.content.decode()
    r = page.post(url, {"tasks": [tasks[0].pk], "to_user": world.operator_b.pk})
    assert r.status_code == 400
    review_task_resolve(task=tasks[1], final_outcome="x", by=world.operator_a)
    before = _state()
    r = page.post(url, {"tasks": [tasks[0].pk, tasks[1].pk], "to_user": world.consultant.pk})
    assert r.status_code == 409 and "not open any more" in r.content.decode()
    assert _state() == before


def test_sponsors_see_no_checkboxes_and_cannot_post(world):
    tasks = _tasks(world, 1)
    page = page_as(world.sponsor_a)
    html = page.get(f"/engagements/{world.engagement_a.pk}/review-tasks/").content.decode()
    assert 'name="tasks"' not in html and "Reassign selected" not in html
    r = page.post(
        f"/engagements/{world.engagement_a.pk}/review-tasks/reassign/",
        {"tasks": [tasks[0].pk], "to_user": world.consultant.pk},
    )
    assert r.status_code == 403


def test_outsiders_get_404_on_reassign_selected(world):
    tasks = _tasks(world, 1)
    requests = [
        (
            "post",
            f"/engagements/{world.engagement_a.pk}/review-tasks/reassign/",
            {"tasks": [tasks[0].pk], "to_user": world.operator_b.pk},
        )
    ]
    for who in ("operator_b", "consultant_b"):
        assert_hidden(page_as(getattr(world, who)), requests, unchanged=_state)


# --- API ------------------------------------------------------------------------------------


def test_api_reassigns_and_says_what_moved(world):
    tasks = _tasks(world, 3)
    ReviewTask.objects.filter(pk=tasks[1].pk).update(assignee=world.consultant)

    r = client_for(world.operator_a).post(
        URL,
        {"tasks": [t.pk for t in tasks], "to_user": world.consultant.pk, "note": "n"},
        format="json",
    )

    assert r.status_code == 200
    body = r.json()
    assert body["reassigned"] == [tasks[0].pk, tasks[2].pk]
    assert body["unchanged"] == [tasks[1].pk]
    assert body["to_user"]["id"] == world.consultant.pk
    assert set(ReviewTask.objects.values_list("assignee_id", flat=True)) == {world.consultant.pk}


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"tasks": [], "to_user": 1}, "tasks", "Ensure this field has at least 1 elements."),
        ({"tasks": ["x"], "to_user": 1}, "tasks", "A valid integer is required."),
        ({"tasks": [0], "to_user": 1}, "tasks", "Ensure this value is greater than or equal to 1."),
        ({"tasks": [1]}, "to_user", "This field is required."),
        ({"tasks": [1], "to_user": 1, "x": 1}, "x", "Unknown field; it cannot be set here."),
        (
            {"tasks": list(range(1, MAX_BULK_REASSIGN + 2)), "to_user": 1},
            "tasks",
            f"Ensure this field has no more than {MAX_BULK_REASSIGN} elements.",
        ),
    ],
)
def test_api_rejects_bad_input_with_field_messages(world, body, field, message):
    r = client_for(world.consultant).post(URL, body, format="json")
    assert r.status_code == 400
    assert message in str(r.json()[field])


def test_api_refuses_a_person_who_cannot_work_the_engagement(world):
    tasks = _tasks(world, 1)
    before = _state()
    r = client_for(world.consultant).post(
        URL, {"tasks": [tasks[0].pk], "to_user": world.operator_b.pk}, format="json"
    )
    assert r.status_code == 400 and "to_user" in r.json()
    assert world.operator_b.username not in r.content.decode()
    assert _state() == before


def test_api_sponsor_gets_403_and_a_closed_task_409(world):
    tasks = _tasks(world, 2)
    body = {"tasks": [t.pk for t in tasks], "to_user": world.consultant.pk}
    assert client_for(world.sponsor_a).post(URL, body, format="json").status_code == 403
    review_task_resolve(task=tasks[0], final_outcome="x", by=world.operator_a)
    before = _state()
    r = client_for(world.consultant).post(URL, body, format="json")
    assert r.status_code == 409
    assert r.json()["code"] == "task_not_open"
    assert _state() == before


def test_api_ids_outside_my_reach_are_a_404_and_nothing_moves(world):
    [mine] = _tasks(world, 1, engagement=world.engagement_b)
    [theirs] = _tasks(world, 1)
    # Client B's people asking for A's task, alone or with one of their own: 404, no names.
    assert_hidden_from_outsiders(
        world,
        [
            ("post", URL, {"tasks": [theirs.pk], "to_user": world.operator_b.pk}),
            ("post", URL, {"tasks": [mine.pk, theirs.pk], "to_user": world.operator_b.pk}),
            ("post", URL, {"tasks": [999_999], "to_user": world.operator_b.pk}),
        ],
        unchanged=_state,
        format="json",
    )
