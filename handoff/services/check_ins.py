"""Check-ins: when a plan's sessions happen, the periodic job that makes, reminds and flags
them, moving or cancelling them when a plan changes, and recording one.

The cadence: every `every_weeks` weeks counted from the ISO week of `starts_on` (that week is
week 0), on `weekday`, at `local_time` in the client's time zone. A day before `starts_on` in
week 0 has no check-in. Wall-clock time is kept across daylight-saving changes (10:00 in
Lisbon is 10:00 local in winter and in summer). A local time that does not exist that day (in
the spring-forward gap, 02:30 in New York on 8 March 2026) is read with the offset before the
change (zoneinfo's fold=0), so it happens as much later as the gap is long (03:30 EDT); an
ambiguous one (fall-back, 01:30 in New York on 1 November 2026) is its first occurrence (fold=0,
01:30 EDT).

The job (`check_ins_run`, every 5 minutes) is safe to run twice at once: a check-in is unique
per (plan, scheduled_at) and inserted with ON CONFLICT DO NOTHING; reminders and missed flags
are claimed under row locks taken with SKIP LOCKED and written by conditional updates
(`reminded_at IS NULL`, `status = scheduled`). Each step reads and writes batches of BATCH
rows, so its queries grow with batches, not rows.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from handoff.models import (
    STAGE_ORDER,
    CheckIn,
    CheckInFollowUp,
    CheckInStage,
    Competency,
    SkillTransferPlan,
)
from maestro.audit.events import AuditEvent
from maestro.audit.services import Actor, audit_entry, audit_record, audit_record_many
from maestro.engagements.models import Phase
from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import StateConflict
from maestro.lib.timezones import iso_week_start, local_day_bounds, local_today
from maestro.reviews.models import ReviewTask
from maestro.reviews.services import review_task_open
from maestro.tenancy.models import User

# Who the audit trail names for what the periodic job does.
CHECK_INS = Actor.system("check-ins")
# Check-ins happen while the skill is being handed over (handoff) and while the consultant
# stays on call (advisory). A plan drafted in deployment gets its first check-in once the
# engagement enters handoff; an engagement that leaves these phases (closed, or moved back)
# has its upcoming check-ins cancelled by the job.
CHECK_IN_PHASES = (Phase.HANDOFF, Phase.ADVISORY)
# The job makes a plan's next check-in once it is this close.
HORIZON = timedelta(days=14)
# Rows per query of each step of the job.
BATCH = 500
# Recording a check-in: at most this many follow-ups (each is a review task).
MAX_FOLLOW_UPS = 20
FOLLOW_UP_TEXT_MAX = 300
# The upper bounds of the plan's reminder and grace settings (models.py), so the job's
# queries can narrow by time before reading each plan's own value.
MAX_REMINDER = timedelta(days=7)
MIN_END = timedelta(minutes=15)

RECORD_MANAGERS_ONLY = _("Only the engagement's consultants record its check-ins.")


# --- the cadence ----------------------------------------------------------------------------


def check_in_local_start(plan: SkillTransferPlan, day: date) -> datetime:
    """The aware UTC instant of the plan's local time on `day` in the client's zone (fold=0:
    see the module's docstring for gaps and repeated hours)."""
    local = datetime.combine(day, plan.local_time, tzinfo=plan.engagement.client.tzinfo)
    return local.astimezone(UTC)


def check_in_occurrences(plan: SkillTransferPlan, *, after: datetime) -> Iterator[datetime]:
    """The plan's check-in times strictly after `after`, in order (an endless generator)."""
    tz = plan.engagement.client.tzinfo
    anchor = iso_week_start(plan.starts_on)
    # A day earlier than `after`'s local date, to be safe at any offset; then the first
    # cadence week at or after it.
    first_day = max(timezone.localtime(after, tz).date() - timedelta(days=1), plan.starts_on)
    weeks = (iso_week_start(first_day) - anchor).days // 7
    index = -(-weeks // plan.every_weeks)  # ceiling
    while True:
        day = anchor + timedelta(weeks=index * plan.every_weeks, days=plan.weekday)
        if day >= plan.starts_on:
            at = check_in_local_start(plan, day)
            if at > after:
                yield at
        index += 1


def check_in_next_at(plan: SkillTransferPlan, *, now: datetime) -> datetime | None:
    """The plan's next check-in time within HORIZON of `now`, or None."""
    at = next(check_in_occurrences(plan, after=now))
    return at if at <= now + HORIZON else None


def _ends_at(check_in: CheckIn) -> datetime:
    return check_in.scheduled_at + timedelta(minutes=check_in.duration_minutes)


def check_in_missed_after(check_in: CheckIn) -> datetime:
    """When an unrecorded check-in counts as missed: its end plus the plan's grace period."""
    return _ends_at(check_in) + timedelta(minutes=check_in.plan.grace_minutes)


def check_in_remind_at(check_in: CheckIn) -> datetime:
    return check_in.scheduled_at - timedelta(minutes=check_in.plan.reminder_minutes)


# --- the periodic job -----------------------------------------------------------------------


@dataclass
class CheckInRun:
    """What one run of the job did."""

    created: int = 0
    reminded: int = 0
    missed: int = 0
    cancelled: int = 0


def _plans_in_batches(**filters: Any) -> Iterator[list[SkillTransferPlan]]:
    last = 0
    while True:
        batch = list(
            SkillTransferPlan.objects.filter(pk__gt=last, **filters)
            .select_related("engagement__client")
            .order_by("pk")[:BATCH]
        )
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def check_ins_create_next(*, now: datetime) -> int:
    """Each plan of an engagement in CHECK_IN_PHASES gets its next check-in once it is within
    HORIZON. Returns how many were new. Two queries per BATCH plans; a check-in that exists
    (made by an earlier or a concurrent run, or recorded, or cancelled) is left as it is."""
    created = 0
    for plans in _plans_in_batches(engagement__phase__in=CHECK_IN_PHASES):
        rows = []
        for plan in plans:
            at = check_in_next_at(plan, now=now)
            if at is not None:
                rows.append(
                    CheckIn(plan=plan, scheduled_at=at, duration_minutes=plan.duration_minutes)
                )
        if not rows:
            continue
        CheckIn.objects.bulk_create(rows, ignore_conflicts=True)
        # ON CONFLICT DO NOTHING does not say which rows went in: those that did carry the
        # uids made here (a concurrent run's rows have their own).
        created += CheckIn.objects.filter(uid__in=[row.uid for row in rows]).count()
    return created


def _locked_batch(query, *, after: int) -> list[CheckIn]:
    """The next BATCH of `query`'s check-ins by id after `after`, locked until the caller's
    transaction ends (SKIP LOCKED: rows a concurrent run holds are that run's to handle; once
    it commits, they no longer match)."""
    return list(
        query.filter(pk__gt=after)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related(
            "plan__engagement__client",
            "plan__engagement__lead",
            "plan__operator",
            "plan__created_by",
        )
        .order_by("pk")[:BATCH]
    )


def _each_locked_batch(query, step) -> int:
    """Run `step(batch) -> int` on each locked batch of `query`, one transaction per batch;
    the sum of what it returned."""
    done, last = 0, 0
    while True:
        with transaction.atomic():
            batch = _locked_batch(query, after=last)
            if not batch:
                return done
            done += step(batch)
        last = batch[-1].pk


def check_ins_cancel_outside_phases(*, now: datetime) -> int:
    """Upcoming check-ins of engagements no longer in CHECK_IN_PHASES are cancelled (their
    calendar events too), audited as the job."""
    query = CheckIn.objects.filter(status=CheckIn.Status.SCHEDULED, scheduled_at__gt=now).exclude(
        plan__engagement__phase__in=CHECK_IN_PHASES
    )
    return _each_locked_batch(query, lambda batch: _cancel(batch, actor=CHECK_INS, reason="phase"))


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def check_in_url(check_in: CheckIn) -> str:
    return _site_url(reverse("handoff:check-in", kwargs={"check_in_id": check_in.pk}))


def plan_url(check_in: CheckIn) -> str:
    """The check-in's plan page (its check-ins, readiness and evidence); the check-in's own
    page where the plan pages are not routed."""
    try:
        return _site_url(reverse("handoff:plan", kwargs={"plan_id": check_in.plan_id}))
    except NoReverseMatch:
        return check_in_url(check_in)


def check_in_people(check_in: CheckIn) -> list[User]:
    """Who a check-in is for: the plan's operator and its consultants (the engagement's lead
    and the plan's author), active, with an e-mail address, once each."""
    plan = check_in.plan
    people: dict[int, User] = {}
    for user in (plan.operator, plan.engagement.lead, plan.created_by):
        if user.is_active and user.email:
            people.setdefault(user.pk, user)
    return list(people.values())


def _reminder_messages(check_in: CheckIn) -> list[EmailMultiAlternatives]:
    plan = check_in.plan
    tz = plan.engagement.client.tzinfo
    context = {
        "check_in": check_in,
        "plan": plan,
        "engagement": plan.engagement,
        "client": plan.engagement.client,
        "starts": timezone.localtime(check_in.scheduled_at, tz),
        "ends": timezone.localtime(_ends_at(check_in), tz),
        "time_zone": plan.engagement.client.time_zone,
        "check_in_url": check_in_url(check_in),
        "plan_url": plan_url(check_in),
    }
    with timezone.override(tz):  # the date filter shows times in the active zone
        subject: str = render_to_string("handoff/email/check_in_reminder_subject.txt", context)
        text = render_to_string("handoff/email/check_in_reminder.txt", context)
        html = render_to_string("handoff/email/check_in_reminder.html", context)
    subject = " ".join(subject.split())[:200]
    messages = []
    for user in check_in_people(check_in):
        message = EmailMultiAlternatives(subject, text, None, [user.email])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages


def check_ins_remind(*, now: datetime) -> int:
    """E-mail the operator and consultants of each scheduled check-in whose reminder time
    (`reminder_minutes` before it) has come and that has not started, once: the row is locked,
    `reminded_at` is set only where it is still empty, and the mail leaves after commit. A
    failed send is not retried (a duplicate reminder is worse than a missing one)."""
    query = CheckIn.objects.filter(
        status=CheckIn.Status.SCHEDULED,
        reminded_at__isnull=True,
        scheduled_at__gt=now,
        scheduled_at__lte=now + MAX_REMINDER,
        plan__engagement__phase__in=CHECK_IN_PHASES,
    )

    def step(batch: list[CheckIn]) -> int:
        due = [c for c in batch if check_in_remind_at(c) <= now]
        if not due:
            return 0
        won = CheckIn.objects.filter(pk__in=[c.pk for c in due], reminded_at__isnull=True).update(
            reminded_at=now
        )
        if won != len(due):  # cannot happen under the lock; refuse rather than mail twice
            raise RuntimeError("check-in reminders claimed by another run under the lock")
        messages = [m for c in due for m in _reminder_messages(c)]
        if messages:
            transaction.on_commit(lambda: get_connection().send_messages(messages))
        return len(due)

    return _each_locked_batch(query, step)


def check_ins_mark_missed(*, now: datetime) -> int:
    """Scheduled check-ins still unrecorded `grace_minutes` after their end become missed,
    audited as the job (conditional on still being scheduled)."""
    query = CheckIn.objects.filter(
        status=CheckIn.Status.SCHEDULED,
        scheduled_at__lt=now - MIN_END,
        plan__engagement__phase__in=CHECK_IN_PHASES,
    )

    def step(batch: list[CheckIn]) -> int:
        due = [c for c in batch if check_in_missed_after(c) <= now]
        if not due:
            return 0
        CheckIn.objects.filter(pk__in=[c.pk for c in due], status=CheckIn.Status.SCHEDULED).update(
            status=CheckIn.Status.MISSED, missed_at=now, updated_at=now
        )
        audit_record_many(
            audit_entry(
                AuditEvent.CHECK_IN_MISSED,
                actor=CHECK_INS,
                client=c.plan.engagement.client_id,
                engagement=c.plan.engagement_id,
                target=c,
                changes={"status": (CheckIn.Status.SCHEDULED, CheckIn.Status.MISSED)},
                data={"scheduled_at": c.scheduled_at, "plan": c.plan_id},
            )
            for c in due
        )
        for c in due:
            c.status, c.missed_at = CheckIn.Status.MISSED, now
        return len(due)

    return _each_locked_batch(query, step)


def check_ins_run(*, now: datetime | None = None) -> CheckInRun:
    """One run of the job: cancel check-ins of engagements that left the check-in phases,
    make the next ones, send due reminders, flag missed ones."""
    now = now or timezone.now()
    run = CheckInRun()
    run.cancelled = check_ins_cancel_outside_phases(now=now)
    run.created = check_ins_create_next(now=now)
    run.reminded = check_ins_remind(now=now)
    run.missed = check_ins_mark_missed(now=now)
    return run


# --- plan changes ---------------------------------------------------------------------------


def _cancel(check_ins: Sequence[CheckIn], *, actor: Actor | User, reason: str) -> int:
    """Cancel scheduled check-ins (locked by the caller): status cancelled, sequence + 1 (the
    calendar event's update), audited."""
    ids = [c.pk for c in check_ins if c.status == CheckIn.Status.SCHEDULED]
    if not ids:
        return 0
    now = timezone.now()
    for c in check_ins:
        if c.pk in ids:
            c.status = CheckIn.Status.CANCELLED
            c.sequence += 1
            c.updated_at = now
    CheckIn.objects.bulk_update(
        [c for c in check_ins if c.pk in ids], ["status", "sequence", "updated_at"]
    )
    audit_record_many(
        audit_entry(
            AuditEvent.CHECK_IN_CANCELLED,
            actor=actor,
            client=c.plan.engagement.client_id,
            engagement=c.plan.engagement_id,
            target=c,
            changes={"status": (CheckIn.Status.SCHEDULED, CheckIn.Status.CANCELLED)},
            data={"scheduled_at": c.scheduled_at, "plan": c.plan_id, "reason": reason},
        )
        for c in check_ins
        if c.pk in ids
    )
    return len(ids)


def _upcoming_locked(plan: SkillTransferPlan, now: datetime) -> list[CheckIn]:
    return list(
        CheckIn.objects.select_for_update(of=("self",))
        .filter(plan=plan, status=CheckIn.Status.SCHEDULED, scheduled_at__gt=now)
        .select_related("plan__engagement__client")
        .order_by("scheduled_at", "pk")
    )


@transaction.atomic
def check_ins_reschedule(
    plan: SkillTransferPlan, *, by: User | None = None, now: datetime | None = None
) -> CheckIn | None:
    """After a plan's cadence changed: its upcoming scheduled check-in moves to the new next
    time (same uid, sequence + 1, reminder due again), or is cancelled (sequence + 1) when the
    new cadence has none within HORIZON or the engagement is not in a check-in phase. Call it
    in the transaction that saves the plan. Returns the upcoming check-in, or None. Audited as
    `by` (the job when None)."""
    now = now or timezone.now()
    actor: Actor | User = by if by is not None else CHECK_INS
    upcoming = _upcoming_locked(plan, now)
    new_at = check_in_next_at(plan, now=now) if plan.engagement.phase in CHECK_IN_PHASES else None
    keep = upcoming[0] if upcoming and new_at is not None else None
    _cancel(upcoming[1:] if keep else upcoming, actor=actor, reason="cadence")
    if keep is None or new_at is None:
        return None
    if keep.scheduled_at == new_at and keep.duration_minutes == plan.duration_minutes:
        return keep
    taken = (
        CheckIn.objects.select_for_update(of=("self",))
        .filter(plan=plan, scheduled_at=new_at)
        .exclude(pk=keep.pk)
        .first()
    )
    if taken is not None:
        # The new time already has a row (a check-in cancelled earlier, or recorded ahead):
        # that one is the plan's next; the moved one is cancelled.
        _cancel([keep], actor=actor, reason="cadence")
        if taken.status != CheckIn.Status.CANCELLED:
            return None
        keep = taken
        before = {"status": taken.status, "scheduled_at": taken.scheduled_at}
        keep.status = CheckIn.Status.SCHEDULED
    else:
        before = {"status": keep.status, "scheduled_at": keep.scheduled_at}
    keep.scheduled_at = new_at
    keep.duration_minutes = plan.duration_minutes
    keep.sequence += 1
    keep.reminded_at = None
    keep.save(
        update_fields=[
            "status",
            "scheduled_at",
            "duration_minutes",
            "sequence",
            "reminded_at",
            "updated_at",
        ]
    )
    audit_record(
        AuditEvent.CHECK_IN_RESCHEDULED,
        actor=actor,
        client=plan.engagement.client_id,
        engagement=plan.engagement_id,
        target=keep,
        changes={
            "status": (before["status"], keep.status),
            "scheduled_at": (before["scheduled_at"], keep.scheduled_at),
        },
        data={"plan": plan.pk, "sequence": keep.sequence},
    )
    return keep


@transaction.atomic
def check_ins_cancel_for_plan(
    plan: SkillTransferPlan, *, by: User | None = None, now: datetime | None = None
) -> int:
    """Cancel the plan's upcoming check-ins (before the plan is deleted, which deletes them:
    the audit trail keeps the cancellation; subscribed calendars drop the events)."""
    now = now or timezone.now()
    return _cancel(
        _upcoming_locked(plan, now),
        actor=by if by is not None else CHECK_INS,
        reason="plan deleted",
    )


# --- recording ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    text: str
    due_on: date


def _validate_record(
    *,
    check_in: CheckIn,
    competencies: dict[int, Competency],
    stages: dict[int, str],
    follow_ups: Sequence[FollowUp],
    notes: str,
) -> None:
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(stages) - set(competencies))
    if unknown:
        errors.setdefault("stages", []).append(
            _("No competency with id %(ids)s in this plan.")
            % {"ids": ", ".join(str(i) for i in unknown)}
        )
    bad = sorted(
        {stage for stage in stages.values() if stage not in STAGE_ORDER}, key=lambda s: str(s)
    )
    if bad:
        errors.setdefault("stages", []).append(
            _("“%(stage)s” is not a stage of the ladder (%(ladder)s).")
            % {"stage": str(bad[0])[:40], "ladder": ", ".join(STAGE_ORDER)}
        )
    if len(follow_ups) > MAX_FOLLOW_UPS:
        errors.setdefault("follow_ups", []).append(
            _("At most %(n)d follow-ups per check-in.") % {"n": MAX_FOLLOW_UPS}
        )
    today = local_today(check_in.plan.engagement.client.tzinfo)
    for number, follow_up in enumerate(follow_ups[:MAX_FOLLOW_UPS], start=1):
        text = follow_up.text.strip()
        if not text:
            errors.setdefault("follow_ups", []).append(
                _("Follow-up %(n)d: the text is required.") % {"n": number}
            )
        elif len(text) > FOLLOW_UP_TEXT_MAX:
            errors.setdefault("follow_ups", []).append(
                _("Follow-up %(n)d: at most %(max)d characters.")
                % {"n": number, "max": FOLLOW_UP_TEXT_MAX}
            )
        if follow_up.due_on < today:
            errors.setdefault("follow_ups", []).append(
                _("Follow-up %(n)d: the due date %(due)s is in the past (today is %(today)s).")
                % {"n": number, "due": follow_up.due_on.isoformat(), "today": today.isoformat()}
            )
    if len(notes) > 10_000:
        errors["notes"] = [_("Notes: at most 10,000 characters.")]
    if errors:
        raise ValidationError(errors)


def readiness_of(competencies: Iterable[Competency]) -> Decimal | None:
    """Share (0–1, 4 places) of the competencies at their target stage; None without any."""
    competencies = list(competencies)
    if not competencies:
        return None
    at_target = sum(1 for c in competencies if c.at_target)
    return (Decimal(at_target) / Decimal(len(competencies))).quantize(Decimal("0.0001"))


@transaction.atomic
def check_in_record(
    *,
    check_in: CheckIn,
    by: User,
    stages: dict[int, str],
    notes: str = "",
    follow_ups: Sequence[FollowUp] = (),
    now: datetime | None = None,
) -> CheckIn:
    """Record a check-in (the engagement's consultants only): the stage each competency
    reached (`stages`: competency id → stage; those left out keep theirs, and every
    competency gets a CheckInStage row), notes, and follow-ups, each a CHECK_IN_FOLLOW_UP
    review task for the plan's operator due at the end of its local due date. Stores the
    readiness after the update. A scheduled or a missed check-in may be recorded (a missed one
    keeps `missed_at`: it was missed, then recorded late); a recorded or cancelled one is a
    StateConflict."""
    now = now or timezone.now()
    plan = check_in.plan
    engagement = plan.engagement
    require_engagement_manager(by, engagement, message=RECORD_MANAGERS_ONLY)
    locked = CheckIn.objects.select_for_update().get(pk=check_in.pk)
    if locked.status == CheckIn.Status.RECORDED:
        raise StateConflict(
            _("This check-in was already recorded on %(at)s.")
            % {
                "at": timezone.localtime(locked.recorded_at, engagement.client.tzinfo).strftime(
                    "%Y-%m-%d %H:%M"
                )
                if locked.recorded_at
                else "?"
            },
            code="check_in_already_recorded",
        )
    if locked.status == CheckIn.Status.CANCELLED:
        raise StateConflict(
            _("This check-in was cancelled; it cannot be recorded."), code="check_in_cancelled"
        )
    competencies = {
        c.pk: c for c in Competency.objects.select_for_update().filter(plan=plan).order_by("pk")
    }
    _validate_record(
        check_in=locked,
        competencies=competencies,
        stages=stages,
        follow_ups=follow_ups,
        notes=notes,
    )
    moved: dict[str, tuple[str, str]] = {}
    for competency_id, stage in stages.items():
        competency = competencies[competency_id]
        if competency.current_stage != stage:
            moved[competency.name] = (competency.current_stage, stage)
            competency.current_stage = stage
    changed = [c for c in competencies.values() if c.name in moved]
    if changed:
        Competency.objects.bulk_update(changed, ["current_stage"])
    CheckInStage.objects.bulk_create(
        CheckInStage(check_in=locked, competency=c, stage=c.current_stage)
        for c in competencies.values()
    )
    readiness = readiness_of(competencies.values())
    before = locked.status
    locked.status = CheckIn.Status.RECORDED
    locked.recorded_at = now
    locked.recorded_by = by
    locked.notes = notes
    locked.readiness = readiness
    locked.save(
        update_fields=["status", "recorded_at", "recorded_by", "notes", "readiness", "updated_at"]
    )
    tz = engagement.client.tzinfo
    links = []
    for follow_up in follow_ups:
        _start, due_at = local_day_bounds(follow_up.due_on, tz)
        task = review_task_open(
            engagement=engagement,
            kind=ReviewTask.Kind.CHECK_IN_FOLLOW_UP,
            title=f"Follow-up: {follow_up.text.strip()}",
            due_at=due_at,
            actor=Actor.for_user(by),
            assignee=plan.operator,
            note=_("Agreed at the check-in of %(when)s: %(url)s")
            % {
                "when": timezone.localtime(locked.scheduled_at, tz).strftime("%Y-%m-%d %H:%M"),
                "url": check_in_url(locked),
            },
            data={"check_in": locked.pk},
        )
        links.append(CheckInFollowUp(check_in=locked, task=task))
    CheckInFollowUp.objects.bulk_create(links)
    audit_record(
        AuditEvent.CHECK_IN_RECORDED,
        actor=by,
        client=engagement.client_id,
        engagement=engagement,
        target=locked,
        changes={"status": (before, locked.status), **moved},
        data={
            "plan": plan.pk,
            "readiness": readiness,
            "follow_ups": len(links),
            "late": before == CheckIn.Status.MISSED,
        },
    )
    return locked


def check_ins_reschedule_on_commit(plan: SkillTransferPlan) -> None:
    """Queue `check_ins_reschedule` for the plan once the caller's transaction commits (for a
    change saved where rescheduling inline would hold the plan's check-ins locked too long)."""
    from handoff.tasks import check_ins_reschedule_task

    plan_id = plan.pk
    transaction.on_commit(lambda: check_ins_reschedule_task.delay(plan_id))
