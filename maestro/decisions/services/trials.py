"""Test decisions (trials posted with a test key): removing an engagement's in one action."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy

from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_record
from maestro.decisions.models import Decision
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.tenancy.models import User

TEST_DECISIONS_MANAGERS_ONLY = gettext_lazy(
    "Only the engagement's consultants can remove its test decisions."
)


@dataclass(frozen=True)
class RemovedTestDecisions:
    decisions: int
    review_tasks: int


def _label(field: str) -> str:
    # The model that a cascade from Decision reaches, named without importing the app above.
    model = Decision._meta.get_field(field).related_model
    assert model is not None and not isinstance(model, str)
    return model._meta.label


@transaction.atomic
def decisions_remove_test(*, engagement: Engagement, by: User) -> RemovedTestDecisions:
    """Delete every test decision of the engagement, with their review tasks (and the tasks'
    history and edge-case flags, which cascade), in one transaction. Live decisions are never
    touched. Removing when there is nothing left removes (and records) nothing. Consultants
    only."""
    require_engagement_manager(by, engagement, message=TEST_DECISIONS_MANAGERS_ONLY)
    # Only the ids are loaded for the cascade, never the payloads.
    _total, per_model = (
        Decision.objects.test().filter(engagement=engagement).only("pk").order_by().delete()
    )
    removed = RemovedTestDecisions(
        decisions=per_model.get(Decision._meta.label, 0),
        review_tasks=per_model.get(_label("review_task"), 0),
    )
    if removed.decisions:
        audit_record(
            AuditEvent.TEST_DECISIONS_REMOVED,
            actor=by,
            client=engagement.client_id,
            engagement=engagement,
            target=engagement,
            data={"decisions": removed.decisions, "review_tasks": removed.review_tasks},
        )
    return removed
