"""The demo's skill transfer: Northwind's engagement is mid-handoff. Olivia's plan (the four
competencies) was agreed the day after go-live and the engagement moved to handoff on it (the
gate passes on the data). Since then: check-ins recorded 12, 6 and 3 days ago moving one
competency to its target each (readiness 25% → 50% → 75%), the one 9 days ago missed, and the
next one scheduled on the plan's weekly cadence (in two days). The first fortnight ran two
sessions a week; the cadence since is weekly.

Forty of Olivia's resolved ticket-routing tasks were also answered blind by Maria (shadow
reviews): they agree on all but the few cases that bring Cohen's kappa closest to 0.70.
Skipped when Olivia has a plan on the engagement.

The handoff PDF: version 1, generated while seeding through the job's own services, and signed
off by Sam (sponsor) and Olivia (operator), so the Handoff page's checklist shows one item met
next to the four still open. Skipped when the engagement has a generation of any kind."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from handoff.models import CheckIn, Competency, HandoffDocument, ShadowCase, SkillTransferPlan
from handoff.selectors.evidence import cohen_kappa
from handoff.services.check_ins import check_in_local_start, check_in_next_at, check_in_record
from handoff.services.documents import handoff_document_generate, handoff_document_request
from handoff.services.plans import plan_create
from handoff.services.shadow import plan_shadow_share_set
from handoff.services.sign_off import handoff_document_sign
from maestro.demo.timeline import phase_move_backdated
from maestro.engagements.models import Engagement, Phase
from maestro.lib.timezones import local_today
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import User

PROCESS = "Customer ticket routing"
# (days before today, recorded?): the check-ins so far, oldest first.
PAST_CHECK_INS = [(12, True), (9, False), (6, True), (3, True)]
SHADOW_CASES = 40
KAPPA_AIM = Fraction(7, 10)


def _another_outcome(outcome: str) -> str:
    return "finance" if outcome != "finance" else "it-support"


def _shadow_pairs(outcomes: list[str]) -> list[tuple[str, str]]:
    """(consultant, operator) pairs for the operator's `outcomes`: the consultant differs on
    the first k, k chosen so kappa is nearest KAPPA_AIM."""

    def pairs(k: int) -> list[tuple[str, str]]:
        return [(_another_outcome(o) if i < k else o, o) for i, o in enumerate(outcomes)]

    def distance(k: int) -> Fraction:
        kappa = cohen_kappa(pairs(k))
        return abs(kappa - KAPPA_AIM) if kappa is not None else Fraction(10)

    return pairs(min(range(len(outcomes) + 1), key=distance))


def handoff_demo_seed(
    *, engagement: Engagement, operator: User, by: User, live_since: datetime, now: datetime
) -> None:
    if SkillTransferPlan.objects.filter(engagement=engagement, operator=operator).exists():
        return
    tz = engagement.client.tzinfo
    today = local_today(tz, now=now)
    handoff_day = local_today(tz, now=live_since) + timedelta(days=1)
    plan = plan_create(
        engagement=engagement,
        operator=operator,
        by=by,
        weekday=(today + timedelta(days=2)).weekday(),
        local_time=time(10, 0),
        starts_on=handoff_day,
    )
    phase_move_backdated(
        engagement=engagement,
        to_phase=Phase.HANDOFF,
        note="Olivia's skill-transfer plan agreed: four competencies, weekly check-ins.",
        by=by,
        at=check_in_local_start(plan, handoff_day) + timedelta(hours=6),
    )
    engagement.refresh_from_db()
    plan.engagement = engagement

    competencies = list(Competency.objects.filter(plan=plan).order_by("order"))
    at_target = iter(competencies)
    for days_ago, recorded in PAST_CHECK_INS:
        at = check_in_local_start(plan, today - timedelta(days=days_ago))
        check_in = CheckIn.objects.create(
            plan=plan, scheduled_at=at, duration_minutes=plan.duration_minutes
        )
        ends = at + timedelta(minutes=plan.duration_minutes)
        if not recorded:
            CheckIn.objects.filter(pk=check_in.pk).update(
                status=CheckIn.Status.MISSED,
                missed_at=ends + timedelta(minutes=plan.grace_minutes),
            )
            continue
        competency = next(at_target)
        check_in_record(
            check_in=check_in,
            by=by,
            stages={competency.pk: competency.target_stage},
            notes=f"{competency.name}: Olivia runs it on her own now.",
            now=ends,
        )
    # The next one, as the check-in job makes it.
    next_at = check_in_next_at(plan, now=now)
    if next_at is not None:
        CheckIn.objects.create(
            plan=plan, scheduled_at=next_at, duration_minutes=plan.duration_minutes
        )

    # Shadow reviews on Olivia's resolved tickets since the handoff.
    plan_shadow_share_set(plan=plan, share=Decimal("0.2"), by=by)
    tasks = list(
        ReviewTask.objects.filter(
            engagement=engagement,
            kind=ReviewTask.Kind.ESCALATED_DECISION,
            status=ReviewTask.Status.RESOLVED,
            decision__process__name=PROCESS,
            resolved_by=operator,
            shadow_case__isnull=True,
        ).order_by("-resolved_at", "pk")[:SHADOW_CASES]
    )
    escalation = next((c for c in competencies if c.name == "Escalation management"), None)
    pairs = _shadow_pairs([task.final_outcome for task in tasks])
    ShadowCase.objects.bulk_create(
        ShadowCase(
            plan=plan,
            task=task,
            competency=escalation,
            consultant=by,
            consultant_outcome=consultant,
            consultant_answered_at=task.resolved_at - timedelta(minutes=5),
            operator_outcome=operator_outcome,
            operator_answered_at=task.resolved_at,
        )
        for task, (consultant, operator_outcome) in zip(tasks, pairs, strict=True)
    )


def handoff_document_demo_seed(*, engagement: Engagement, by: User, signers: list[User]) -> None:
    """Version 1 of the engagement's handoff PDF, asked for by `by` and generated here, in the
    seeding transaction (the render runs in its bounded child process, which reads no database),
    then signed off by each of `signers`. The generation task's message still goes out once the
    seed commits; a worker that receives it finds the version no longer queued and does nothing.
    A generation that fails stops the seed with its error."""
    if HandoffDocument.objects.filter(engagement=engagement).exists():
        return
    requested = handoff_document_request(engagement=engagement, actor=by)
    document = handoff_document_generate(document_id=requested.pk)
    if document is None or document.status != HandoffDocument.Status.SUCCEEDED:
        error = document.error if document is not None else "it was not queued"
        raise RuntimeError(f"The demo's handoff PDF could not be generated: {error}")
    for signer in signers:
        handoff_document_sign(document=document, user=signer)
