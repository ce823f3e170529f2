"""The audit trail's record of the review tasks an intake call opened."""

from collections.abc import Mapping

from maestro.audit.events import AuditEvent
from maestro.audit.services import Actor, audit_entry, audit_record_many
from maestro.engagements.models import Engagement
from maestro.lib.prepared import PreparedValues
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import User

_NAME_FIELDS = ("username", "first_name", "last_name")
# Compiled once per number of assignees (maestro/lib/prepared.py): a batch's escalations go to a
# handful of operators, and only what a person's name is made of is read.
_names = PreparedValues(
    lambda user_ids: User.objects.filter(pk__in=user_ids).order_by().values("pk", *_NAME_FIELDS)
)


def _assignee_names(user_ids: set[int]) -> dict[int, str]:
    return {
        row["pk"]: str(User(**{name: row[name] for name in _NAME_FIELDS}))
        for row in _names.rows(sorted(user_ids))
    }


def review_tasks_assigned_record(
    *, engagement: Engagement, tasks: Mapping[int, ReviewTask], actor: Actor
) -> None:
    """One `task.assigned` entry per task, by the agent's key, in one insert for the batch
    (plus one query for the assignees' names). Every task here is new: the intake opens tasks
    only for decisions it stored in this call, inside the same transaction."""
    if not tasks:
        return
    names = _assignee_names({task.assignee_id for task in tasks.values() if task.assignee_id})
    audit_record_many(
        audit_entry(
            AuditEvent.TASK_ASSIGNED,
            actor=actor,
            client=engagement.client_id,
            engagement=engagement.pk,
            target=task,
            changes={"assignee": (None, names.get(task.assignee_id or 0))},
            data={"decision": decision_id, "due_at": task.due_at},
        )
        for decision_id, task in tasks.items()
    )
