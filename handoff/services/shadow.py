"""Shadow reviews: during the handoff phase a share of the escalated decisions assigned to an
operator with a plan are also answered, blind, by a consultant. The operator resolves the task
as usual (their answer is the one that counts for the agent); the pair of answers measures
their agreement (handoff.selectors.evidence).

Which tasks go into shadow mode is a deterministic draw from the decision's id (not random()),
so the same decision is always in or out at the same share, and tests can name the cases.
"""

import hashlib
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from handoff.models import Competency, ShadowCase, SkillTransferPlan
from maestro.audit.events import AuditEvent
from maestro.audit.services import Actor, audit_entry, audit_record, audit_record_many
from maestro.engagements.models import Engagement, Phase
from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import DomainError, StateConflict
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import User

# The competency a shadow case is evidence for, matched by name (case-insensitive) among the
# plan's competencies; a plan without one gets cases with no competency.
SHADOW_COMPETENCY = "Escalation management"
SHARE_PLACES = Decimal("0.0001")
# Changing the salt would reshuffle which decisions are shadowed: keep it.
_SALT = b"maestro-shadow-review:"
_DRAW_RANGE = 2**64
OUTCOME_MAX_LENGTH = 200


def shadow_draw(decision_id: int) -> int:
    """A uniform, reproducible number in [0, 2**64) for a decision: the first 8 bytes of the
    SHA-256 of its id."""
    digest = hashlib.sha256(_SALT + str(decision_id).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def shadow_selected(*, decision_id: int, share: Decimal) -> bool:
    """Whether the decision goes into shadow mode at `share` (0–1, 4 places): share 0 never,
    share 1 always, otherwise when its draw falls in the first `share` of the range. Exact
    integer arithmetic, no float rounding."""
    if share <= 0:
        return False
    if share >= 1:
        return True
    ten_thousandths = int(share.quantize(SHARE_PLACES) * 10_000)
    return shadow_draw(decision_id) * 10_000 < ten_thousandths * _DRAW_RANGE


@transaction.atomic
def plan_shadow_share_set(
    *, plan: SkillTransferPlan, share: Decimal, by: User
) -> SkillTransferPlan:
    """Set the share (0–1, at most 4 decimal places) of the operator's escalated decisions
    that go into shadow mode while the engagement is in handoff. The engagement's consultants
    only; 0 stops new shadow cases (open ones stay)."""
    require_engagement_manager(
        by, plan.engagement, message=_("Only the engagement's consultants set the shadow share.")
    )
    if not isinstance(share, Decimal):
        share = Decimal(str(share))
    if not share.is_finite() or share < 0 or share > 1:
        raise ValidationError({"shadow_share": _("The shadow share is a fraction from 0 to 1.")})
    if share != share.quantize(SHARE_PLACES):
        raise ValidationError({"shadow_share": _("The shadow share has at most 4 decimal places.")})
    before = Decimal(plan.shadow_share).quantize(SHARE_PLACES)
    plan.shadow_share = share.quantize(SHARE_PLACES)
    plan.full_clean()
    plan.save(update_fields=["shadow_share", "updated_at"])
    audit_record(
        AuditEvent.SHADOW_SHARE_CHANGED,
        actor=by,
        client=plan.engagement.client_id,
        engagement=plan.engagement,
        target=plan,
        changes={"shadow_share": (before, plan.shadow_share)},
        data={"operator": str(plan.operator_id)},
    )
    return plan


def shadow_cases_open_for_tasks(
    *, engagement: Engagement, tasks: Sequence[ReviewTask]
) -> list[ShadowCase]:
    """The "review tasks opened" receiver (maestro.reviews.hooks): put in shadow mode the new
    escalated-decision tasks of an engagement in HANDOFF whose assignee has a plan there with a
    shadow share above 0, each with probability = share (shadow_selected).

    On the intake's hot path: no query at all outside the handoff phase (the engagement is in
    hand), one when in handoff (the plans with a share) and, only when some task is drawn, two
    inserts (the cases, their audit entries), whatever the batch size."""
    if engagement.phase != Phase.HANDOFF:
        return []
    candidates = [
        task
        for task in tasks
        if task.kind == ReviewTask.Kind.ESCALATED_DECISION
        and task.decision_id is not None
        and task.assignee_id is not None
    ]
    if not candidates:
        return []
    competency = Competency.objects.filter(
        plan=OuterRef("pk"), name__iexact=SHADOW_COMPETENCY
    ).order_by("order", "pk")
    plans = {
        row["operator_id"]: row
        for row in SkillTransferPlan.objects.filter(engagement_id=engagement.pk, shadow_share__gt=0)
        .annotate(competency_id=Subquery(competency.values("pk")[:1]))
        .order_by()
        .values("pk", "operator_id", "shadow_share", "competency_id")
    }
    if not plans:
        return []
    cases = [
        ShadowCase(
            plan_id=plans[task.assignee_id]["pk"],
            task=task,
            competency_id=plans[task.assignee_id]["competency_id"],
        )
        for task in candidates
        if task.assignee_id in plans
        and shadow_selected(
            decision_id=task.decision_id,  # type: ignore[arg-type]
            share=plans[task.assignee_id]["shadow_share"],
        )
    ]
    if not cases:
        return []
    cases = ShadowCase.objects.bulk_create(cases)
    actor = Actor.system("shadow reviews")
    audit_record_many(
        audit_entry(
            AuditEvent.SHADOW_CASE_OPENED,
            actor=actor,
            client=engagement.client_id,
            engagement=engagement.pk,
            target=case,
            data={"task": case.task_id, "plan": case.plan_id, "decision": case.task.decision_id},
        )
        for case in cases
    )
    return cases


def shadow_case_operator_answer_record(*, task: ReviewTask, by: User) -> ShadowCase | None:
    """The "review task resolved" receiver: record the operator's answer on the task's shadow
    case. Only the plan's operator's own resolution is evidence of their judgement: a task
    resolved by someone else (reassigned, escalated along the chain, taken over by a
    consultant) leaves the case without an operator answer, so it never counts. No query for a
    task that is not an escalated decision; one (plus the write) for one that is."""
    if task.kind != ReviewTask.Kind.ESCALATED_DECISION or task.decision_id is None:
        return None
    case = ShadowCase.objects.select_related("plan").filter(task_id=task.pk).first()
    if case is None or case.plan.operator_id != by.pk:
        return None
    won = ShadowCase.objects.filter(pk=case.pk, operator_answered_at__isnull=True).update(
        operator_outcome=task.final_outcome, operator_answered_at=task.resolved_at
    )
    if not won:
        return case
    case.operator_outcome, case.operator_answered_at = task.final_outcome, task.resolved_at
    # The answer itself stays out of the trail's entry: the consultant may still be answering
    # blind (the task's own "resolved" entry holds it, as for every task).
    audit_record(
        AuditEvent.SHADOW_CASE_OPERATOR_ANSWERED,
        actor=by,
        client=task.engagement.client_id,
        engagement=task.engagement,
        target=case,
        data={"task": task.pk, "plan": case.plan_id},
    )
    return case


@transaction.atomic
def shadow_case_answer(*, case: ShadowCase, outcome: str, by: User) -> ShadowCase:
    """The consultant's blind answer to a shadow case: once (a second answer, by anyone, is a
    StateConflict `shadow_already_answered`), by one of the engagement's consultants who is
    not the plan's operator, while the task is not cancelled."""
    engagement = case.task.engagement
    require_engagement_manager(
        by, engagement, message=_("Only the engagement's consultants answer shadow reviews.")
    )
    if by.pk == case.plan.operator_id:
        raise DomainError(
            _("The plan's operator answers the review task itself, not its shadow."),
            code="shadow_operator_cannot_answer",
        )
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Give your outcome.")})
    if len(outcome) > OUTCOME_MAX_LENGTH:
        raise ValidationError(
            {"outcome": _("The outcome is at most %(n)d characters.") % {"n": OUTCOME_MAX_LENGTH}}
        )
    if case.task.status == ReviewTask.Status.CANCELLED:
        raise StateConflict(
            _("The review task was cancelled: its shadow case takes no answer."),
            code="shadow_task_cancelled",
        )
    now = timezone.now()
    won = ShadowCase.objects.filter(pk=case.pk, consultant_answered_at__isnull=True).update(
        consultant=by, consultant_outcome=outcome, consultant_answered_at=now
    )
    if not won:
        first = ShadowCase.objects.select_related("consultant").get(pk=case.pk)
        raise StateConflict(
            _("%(user)s already answered this shadow review.") % {"user": first.consultant},
            code="shadow_already_answered",
        )
    case.consultant, case.consultant_outcome, case.consultant_answered_at = by, outcome, now
    # Who and when, not the answer: the operator may still be answering blind.
    audit_record(
        AuditEvent.SHADOW_CASE_ANSWERED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=case,
        data={"task": case.task_id, "plan": case.plan_id},
    )
    return case
