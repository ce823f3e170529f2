"""The Handoff page's reads: each operator's readiness, open and overdue review tasks, firing
drift alerts, the runbooks' status, the consultant's stance with its steps, the latest handoff
PDF with its sign-offs (handoff.selectors.sign_offs, which also says when a document counts as
signed off), and the checklist of what must be true for the consultant to step out; and the
sponsor's summary entry for the latest document.

`handoff_overview` reads everything in a constant number of queries whatever the number of
plans, tasks, alerts, runbooks, stance steps or sign-offs."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handoff.models import HandoffDocument, SkillTransferPlan, StanceStep
from handoff.selectors.readiness import PlanReadiness, plans_readiness
from handoff.selectors.sign_offs import (
    SignOffStatus,
    documents_url,
    handoff_url,
    sign_off_status,
)
from maestro.engagements.hooks import SummaryDocument, SummaryParts
from maestro.engagements.models import Engagement
from maestro.monitoring.models import AlertEpisode
from maestro.monitoring.selectors.trend import open_episode_list
from maestro.reviews.models import ReviewTask
from maestro.reviews.summary import engagement_list_tasks, engagement_overdue_tasks
from runbooks.models import Runbook

OVERDUE_SHOWN = 5


# --- the Handoff page ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    """One thing that must be true for the consultant to step out: met or not, why, and where
    to fix it (`fix_url` and `fix_label`, set when it is not met)."""

    key: str
    label: str
    met: bool
    detail: str
    fix_url: str = ""
    fix_label: str = ""


@dataclass(frozen=True)
class HandoffOverview:
    engagement: Engagement
    readiness: list[PlanReadiness]
    open_tasks: int
    overdue_tasks: int
    overdue: list[ReviewTask]
    firing: list[AlertEpisode]
    runbooks: list[Runbook]
    stance_steps: list[StanceStep]
    signing: SignOffStatus
    newest: HandoffDocument | None  # the newest generation whatever its status
    checklist: list[ChecklistItem] = field(default_factory=list)

    @property
    def ready_to_step_out(self) -> bool:
        return all(item.met for item in self.checklist)

    @property
    def unmet(self) -> list[ChecklistItem]:
        return [item for item in self.checklist if not item.met]


def _names(words: Sequence[str], shown: int = 3) -> str:
    if len(words) <= shown:
        return ", ".join(words)
    return _("%(some)s and %(more)d more") % {
        "some": ", ".join(words[:shown]),
        "more": len(words) - shown,
    }


def _readiness_item(engagement: Engagement, readiness: list[PlanReadiness]) -> ChecklistItem:
    label = _("Every operator's readiness is at target")
    plans_url = reverse("handoff:plans", args=[engagement.pk])
    if not readiness:
        return ChecklistItem(
            "readiness",
            label,
            False,
            _("No skill-transfer plan yet: nobody is named to take over."),
            plans_url,
            _("Create a skill-transfer plan"),
        )
    behind = [r for r in readiness if not r.complete]
    if not behind:
        return ChecklistItem(
            "readiness",
            label,
            True,
            ngettext(
                "%(n)d operator at 100%% readiness.",
                "All %(n)d operators at 100%% readiness.",
                len(readiness),
            )
            % {"n": len(readiness)},
        )
    detail = "; ".join(f"{r.plan.operator}: {r.figure}" for r in behind)
    if len(behind) == 1:
        url, fix = reverse("handoff:plan", args=[behind[0].plan.pk]), _("Open the plan")
    else:
        url, fix = plans_url, _("Open skill transfer")
    return ChecklistItem("readiness", label, False, detail, url, fix)


def _tasks_item(engagement: Engagement, overdue: int, open_tasks: int) -> ChecklistItem:
    label = _("No overdue review task")
    if not overdue:
        return ChecklistItem(
            "overdue_tasks",
            label,
            True,
            ngettext(
                "%(n)d open review task, none overdue.",
                "%(n)d open review tasks, none overdue.",
                open_tasks,
            )
            % {"n": open_tasks},
        )
    return ChecklistItem(
        "overdue_tasks",
        label,
        False,
        ngettext(
            "%(n)d review task is past its due time.",
            "%(n)d review tasks are past their due time.",
            overdue,
        )
        % {"n": overdue},
        reverse("reviews:engagement-tasks", args=[engagement.pk]) + "?status=open&overdue=yes",
        _("Work the overdue tasks"),
    )


def _alerts_item(engagement: Engagement, firing: list[AlertEpisode]) -> ChecklistItem:
    label = _("No drift alert is firing")
    if not firing:
        return ChecklistItem("firing_alerts", label, True, _("No drift alert is firing."))
    what = [f"{e.rule.get_kind_display()} · {e.rule.process.name}" for e in firing]
    return ChecklistItem(
        "firing_alerts",
        label,
        False,
        ngettext("%(n)d alert firing: %(what)s.", "%(n)d alerts firing: %(what)s.", len(firing))
        % {"n": len(firing), "what": _names(what)},
        reverse("monitoring:alerts", args=[engagement.pk]),
        _("Investigate the alerts"),
    )


def _runbooks_item(engagement: Engagement, runbooks: list[Runbook]) -> ChecklistItem:
    label = _("Every runbook is published")
    list_url = reverse("runbooks:list", args=[engagement.pk])
    live = [r for r in runbooks if r.status != Runbook.Status.RETIRED]
    if not live:
        return ChecklistItem(
            "runbooks_published",
            label,
            False,
            _("No runbook yet: the operator needs written procedures to run the agent alone."),
            list_url,
            _("Write a runbook"),
        )
    drafts = [r for r in live if r.status != Runbook.Status.PUBLISHED]
    if not drafts:
        return ChecklistItem(
            "runbooks_published",
            label,
            True,
            ngettext("%(n)d runbook, published.", "All %(n)d runbooks published.", len(live))
            % {"n": len(live)},
        )
    detail = ngettext(
        "%(n)d runbook not published: %(titles)s.",
        "%(n)d runbooks not published: %(titles)s.",
        len(drafts),
    ) % {"n": len(drafts), "titles": _names([f"“{r.title}”" for r in drafts])}
    if len(drafts) == 1:
        url, fix = drafts[0].get_absolute_url(), _("Open the runbook")
    else:
        url, fix = list_url, _("Open the runbooks")
    return ChecklistItem("runbooks_published", label, False, detail, url, fix)


def signed_off_item(engagement: Engagement, signing: SignOffStatus) -> ChecklistItem:
    """The checklist's sign-off item; its detail is also the gate's (maestro.gates)."""
    label = _("The latest handoff document is signed off")
    page = handoff_url(engagement) + "#handoff-document"
    document = signing.document
    if document is None:
        return ChecklistItem(
            "handoff_signed_off",
            label,
            False,
            _("No handoff PDF has been generated yet."),
            documents_url(engagement) or page,
            _("Generate the handoff PDF"),
        )
    if signing.signed_off:
        return ChecklistItem(
            "handoff_signed_off",
            label,
            True,
            _("Version %(version)d is signed off by %(who)s.")
            % {
                "version": document.version,
                "who": _names([str(s.signed_by) for s in signing.sign_offs], 5),
            },
        )
    if not signing.sponsor_signed and not signing.has_sponsor:
        return ChecklistItem(
            "handoff_signed_off",
            label,
            False,
            _(
                "Version %(version)d needs a sponsor's sign-off, and %(client)s has no active "
                "sponsor: invite one."
            )
            % {"version": document.version, "client": engagement.client.name},
            reverse("people:client", args=[engagement.client_id]),
            _("Invite a sponsor"),
        )
    return ChecklistItem(
        "handoff_signed_off",
        label,
        False,
        _("Version %(version)d is waiting for the sign-off of %(who)s.")
        % {"version": document.version, "who": signing.waiting_for},
        page,
        _("Sign off or ask them to"),
    )


def handoff_overview(*, engagement: Engagement) -> HandoffOverview:
    """Everything the Handoff page shows about `engagement` (already scoped to the viewer).
    Every operator's plan counts, whoever reads it. A constant number of queries."""
    plans = SkillTransferPlan.objects.filter(engagement=engagement).order_by(
        "operator__username", "pk"
    )
    readiness = plans_readiness(plans)
    counts = engagement_list_tasks([engagement])[engagement.pk]
    overdue = (
        engagement_overdue_tasks(engagement=engagement, limit=OVERDUE_SHOWN)
        if counts["overdue_tasks"]
        else []
    )
    firing = [
        e for e in open_episode_list(engagement=engagement) if e.state == AlertEpisode.State.FIRING
    ]
    runbooks = list(
        Runbook.objects.filter(engagement=engagement)
        .select_related("published_version")
        .order_by("title", "pk")
    )
    stance_steps = list(
        StanceStep.objects.filter(engagement=engagement).select_related("by").order_by("at", "pk")
    )
    signing = sign_off_status(engagement)
    newest = HandoffDocument.objects.filter(engagement=engagement).order_by("-version").first()
    return HandoffOverview(
        engagement=engagement,
        readiness=readiness,
        open_tasks=counts["open_tasks"],
        overdue_tasks=counts["overdue_tasks"],
        overdue=overdue,
        firing=firing,
        runbooks=runbooks,
        stance_steps=stance_steps,
        signing=signing,
        newest=newest,
        checklist=[
            _readiness_item(engagement, readiness),
            _tasks_item(engagement, counts["overdue_tasks"], counts["open_tasks"]),
            _alerts_item(engagement, firing),
            _runbooks_item(engagement, runbooks),
            signed_off_item(engagement, signing),
        ],
    )


# --- the sponsor's summary -------------------------------------------------------------------


def engagement_handoff_summary(engagement: Engagement) -> SummaryParts:
    """The summary's "Handoff document" entry (maestro.engagements.hooks): the latest succeeded
    version, when it was generated and whether it is signed off, linking to the Handoff page.
    Nothing before a first version exists. One query, three once a version exists."""
    signing = sign_off_status(engagement)
    document = signing.document
    if document is None:
        return SummaryParts()
    when = timezone.localtime(document.finished_at or document.created_at, engagement.client.tzinfo)
    state = (
        _("signed off")
        if signing.signed_off
        else _("waiting for the sign-off of %(who)s") % {"who": signing.waiting_for}
    )
    return SummaryParts(
        documents=[
            SummaryDocument(
                key="handoff",
                label=_("Handoff document, version %(version)d") % {"version": document.version},
                url=handoff_url(engagement) + "#handoff-document",
                detail=_("generated %(day)s · %(state)s")
                % {"day": f"{when:%-d %b %Y}", "state": state},
            )
        ]
    )
