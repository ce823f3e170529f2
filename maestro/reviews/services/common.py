"""What every review-task service shares: notifications, conflicts (who may work a task:
maestro.engagements.scoping.require_engagement_worker).
(Webhook payloads: maestro/reviews/webhooks.py.)"""

from collections.abc import Sequence
from typing import Any, NoReturn

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from maestro.exceptions import StateConflict
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import User


def user_summary(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": str(user)}


def notify_assignee(*, task: ReviewTask, assignee: User, reason: str, **context: Any) -> None:
    """Mail the new assignee (templates/emails/review_task_*.txt) once the change is
    committed: a rolled-back escalation must not page anyone."""
    if not assignee.email:
        return
    recipient = assignee.email
    context = {
        "task": task,
        "task_url": settings.SITE_URL + task.get_absolute_url(),
        "assignee": assignee,
        "reason": reason,
        **context,
    }
    subject = render_to_string("emails/review_task_subject.txt", context).strip()
    body = render_to_string("emails/review_task_body.txt", context)

    def send() -> None:
        send_mail(subject, body, None, [recipient], fail_silently=False)

    transaction.on_commit(send)


def notify_assignee_of_batch(
    *, tasks: Sequence[ReviewTask], assignee: User, by: User, note: str = ""
) -> None:
    """One mail to the person several tasks were just handed to, listing them all (one
    mail per task would bury the note under twenty copies), once the change is committed."""
    if not assignee.email:
        return
    recipient = assignee.email
    context = {
        "tasks": [
            {"task": task, "url": settings.SITE_URL + task.get_absolute_url()}
            for task in sorted(tasks, key=lambda t: (t.due_at, t.pk))
        ],
        "count": len(tasks),
        "assignee": assignee,
        "by": by,
        "note": note,
    }
    subject = render_to_string("emails/review_tasks_batch_subject.txt", context).strip()
    body = render_to_string("emails/review_tasks_batch_body.txt", context)

    def send() -> None:
        send_mail(subject, body, None, [recipient], fail_silently=False)

    transaction.on_commit(send)


def raise_not_open(task: ReviewTask, **extra: Any) -> NoReturn:
    """The task left OPEN under the caller: say who closed it and how, and hand the caller's
    own input back in `extra` so nothing they typed is lost."""
    current = ReviewTask.objects.select_related("resolved_by").get(pk=task.pk)
    if current.status == ReviewTask.Status.RESOLVED:
        raise StateConflict(
            _("%(user)s already resolved this task with outcome “%(outcome)s”.")
            % {"user": current.resolved_by, "outcome": current.final_outcome},
            code="task_already_resolved",
            extra={
                "resolved_by": user_summary(current.resolved_by),
                "resolved_outcome": current.final_outcome,
                "resolved_note": current.note,
                "resolved_at": current.resolved_at.isoformat() if current.resolved_at else None,
                **extra,
            },
        )
    raise StateConflict(
        _("The task is %(status)s; only open tasks can change.")
        % {"status": current.get_status_display().lower()},
        code="task_not_open",
        extra=extra,
    )
