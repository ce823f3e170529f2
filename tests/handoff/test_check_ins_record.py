"""Recording a check-in: stages per competency, readiness, follow-up review tasks for the
operator, the audit trail, recording once, late recording of a missed check-in, and bad
input named by field."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from handoff.models import CheckIn, CheckInFollowUp, CheckInStage, Stage
from handoff.services.check_ins import MAX_FOLLOW_UPS, FollowUp, check_in_record
from maestro.audit.events import AuditEvent
from maestro.audit.models import AuditEntry
from maestro.audit.services import Actor
from maestro.exceptions import NotPermitted, StateConflict
from maestro.reviews.models import ReviewTask
from maestro.reviews.services import review_task_open
from tests.handoff.check_in_setup import plan_in, utc
from tests.handoff.factories import CheckInFactory

pytestmark = pytest.mark.django_db
NOW = utc(2026, 3, 10, 12)


def _setup(**fields):
    plan = plan_in("America/New_York", competencies=4, **fields)
    check_in = CheckInFactory(plan=plan, scheduled_at=utc(2026, 3, 10, 14))
    return plan, check_in, list(plan.competencies.order_by("order"))


def _record(check_in, by, **kwargs):
    with time_machine.travel(NOW, tick=False):
        return check_in_record(check_in=check_in, by=by, **kwargs)


def test_record_sets_stages_readiness_and_follow_up_tasks_for_the_operator():
    plan, check_in, skills = _setup()
    skills[0].target_stage = Stage.CO_PILOT
    skills[0].save()
    lead = plan.engagement.lead

    recorded = _record(
        check_in,
        lead,
        stages={skills[0].pk: Stage.CO_PILOT, skills[1].pk: Stage.SOLO},
        notes="Good progress on monitoring.",
        follow_ups=[
            FollowUp(text="Run the drift runbook alone", due_on=date(2026, 3, 17)),
            FollowUp(text="Tune one playbook threshold", due_on=date(2026, 3, 10)),
        ],
    )

    recorded.refresh_from_db()
    assert (recorded.status, recorded.recorded_by, recorded.recorded_at) == (
        CheckIn.Status.RECORDED,
        lead,
        NOW,
    )
    assert recorded.notes == "Good progress on monitoring."
    assert str(recorded.readiness) == "0.5000"  # 2 of 4 at target
    assert [c.current_stage for c in plan.competencies.order_by("order")] == [
        Stage.CO_PILOT, Stage.SOLO, Stage.SHADOW, Stage.SHADOW]  # fmt: skip
    assert dict(
        CheckInStage.objects.filter(check_in=check_in).values_list("competency", "stage")
    ) == {
        skills[0].pk: Stage.CO_PILOT,
        skills[1].pk: Stage.SOLO,
        skills[2].pk: Stage.SHADOW,
        skills[3].pk: Stage.SHADOW,
    }
    tasks = [f.task for f in CheckInFollowUp.objects.filter(check_in=check_in).order_by("pk")]
    assert [t.kind for t in tasks] == [ReviewTask.Kind.CHECK_IN_FOLLOW_UP] * 2
    assert {t.assignee for t in tasks} == {plan.operator}
    # Due at the end of the local (New York, EDT from 8 March) due date.
    assert [t.due_at for t in tasks] == [utc(2026, 3, 18, 4), utc(2026, 3, 11, 4)]
    assert tasks[0].title == "Follow-up: Run the drift runbook alone"
    entry = AuditEntry.objects.get(event=AuditEvent.CHECK_IN_RECORDED)
    assert entry.actor_user == lead and entry.target_id == str(check_in.pk)
    assert entry.changes[skills[1].name] == [Stage.SHADOW, Stage.SOLO]
    assert entry.data["readiness"] == "0.5000"
    assert AuditEntry.objects.filter(event=AuditEvent.TASK_ASSIGNED).count() == 2


def test_recording_twice_is_a_conflict_and_changes_nothing():
    plan, check_in, skills = _setup()
    _record(check_in, plan.engagement.lead, stages={skills[0].pk: Stage.SOLO})
    with pytest.raises(StateConflict) as error:
        _record(check_in, plan.engagement.lead, stages={skills[1].pk: Stage.SOLO})
    assert error.value.code == "check_in_already_recorded"
    assert CheckInStage.objects.filter(check_in=check_in).count() == 4
    assert plan.competencies.get(pk=skills[1].pk).current_stage == Stage.SHADOW


def test_a_cancelled_check_in_cannot_be_recorded():
    plan, check_in, skills = _setup()
    CheckIn.objects.filter(pk=check_in.pk).update(status=CheckIn.Status.CANCELLED)
    with pytest.raises(StateConflict) as error:
        _record(check_in, plan.engagement.lead, stages={})
    assert error.value.code == "check_in_cancelled"


def test_a_missed_check_in_recorded_late_keeps_its_missed_flag():
    plan, check_in, skills = _setup()
    missed_at = utc(2026, 3, 10, 11)
    CheckIn.objects.filter(pk=check_in.pk).update(status=CheckIn.Status.MISSED, missed_at=missed_at)
    _record(check_in, plan.engagement.lead, stages={skills[0].pk: Stage.SOLO})
    check_in.refresh_from_db()
    assert (check_in.status, check_in.missed_at) == (CheckIn.Status.RECORDED, missed_at)
    assert AuditEntry.objects.get(event=AuditEvent.CHECK_IN_RECORDED).data["late"] is True


def test_only_the_engagements_consultants_record():
    plan, check_in, skills = _setup()
    with pytest.raises(NotPermitted):
        _record(check_in, plan.operator, stages={skills[0].pk: Stage.SOLO})
    check_in.refresh_from_db()
    assert check_in.status == CheckIn.Status.SCHEDULED


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({"stages": {10**9: Stage.SOLO}}, "stages", "No competency with id"),
        ({"stages": "ladder"}, "stages", "not a stage of the ladder"),
        (
            {"follow_ups": [FollowUp(text="Late", due_on=date(2026, 3, 9))]},
            "follow_ups",
            "in the past",
        ),
        ({"follow_ups": [FollowUp(text=" ", due_on=date(2026, 3, 19))]}, "follow_ups", "required"),
        (
            {"follow_ups": [FollowUp(text="x", due_on=date(2026, 4, 1))] * (MAX_FOLLOW_UPS + 1)},
            "follow_ups",
            f"At most {MAX_FOLLOW_UPS}",
        ),
    ],
)
def test_bad_input_is_refused_with_the_field_named(kwargs, field, fragment):
    plan, check_in, skills = _setup()
    if kwargs.get("stages") == "ladder":
        kwargs = {"stages": {skills[0].pk: "expert"}}
    kwargs.setdefault("stages", {})
    with pytest.raises(ValidationError) as error:
        _record(check_in, plan.engagement.lead, **kwargs)
    assert fragment in " ".join(error.value.message_dict[field])
    check_in.refresh_from_db()
    assert check_in.status == CheckIn.Status.SCHEDULED
    assert not ReviewTask.objects.exists()


def test_review_task_open_takes_a_chosen_assignee_and_keeps_least_loaded_without_one():
    plan, check_in, skills = _setup()
    engagement = plan.engagement
    due = NOW + timedelta(days=1)
    with time_machine.travel(NOW, tick=False):
        chosen = review_task_open(
            engagement=engagement, kind=ReviewTask.Kind.CHECK_IN_FOLLOW_UP, title="t",
            due_at=due, actor=Actor.system("test"), assignee=engagement.lead,
        )  # fmt: skip
        picked = review_task_open(
            engagement=engagement, kind=ReviewTask.Kind.CHECK_IN_FOLLOW_UP, title="t",
            due_at=due, actor=Actor.system("test"),
        )  # fmt: skip
    assert chosen.assignee == engagement.lead
    assert picked.assignee == plan.operator  # the client's only operator
