"""Section 10: what is still open when the document is made: the risks (firing or pending drift
alerts, overdue review tasks, accuracy under the engagement's target, operators not ready yet or
whose agreement with the consultant is under their plan's bar, runbooks not published, processes
without a playbook) and the open review tasks, overdue first.

Thirteen queries whatever the number of tasks, alerts, plans, runbooks or processes."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handoff.document.sections import SectionData
from handoff.document.sections.runbooks import runbook_is_handed_over, runbooks_of
from handoff.document.source import DocumentSource
from handoff.models import SkillTransferPlan
from handoff.selectors.evidence import engagement_agreement
from handoff.selectors.readiness import plans_readiness
from maestro.lib.formats import when
from maestro.mapping.models import Process
from maestro.monitoring.alert_display import alert_episode_value, alert_rule_scope
from maestro.monitoring.alert_display import alert_rule_summary as rule_summary
from maestro.monitoring.models import AlertEpisode
from maestro.monitoring.selectors.trend import (
    engagement_trend,
    open_episode_list,
    percent_one_decimal,
)
from maestro.monitoring.templatetags.monitoring import pct
from maestro.playbooks.models import PlaybookVersion
from maestro.reviews.models import ReviewTask
from runbooks.models import Runbook

# Open tasks listed one by one, overdue first (the counts cover every one).
TASKS_LISTED = 30


@dataclass
class Risk:
    kind: str
    title: str
    details: list[str] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "details": self.details}


def _iso(value: datetime | None, tz) -> str | None:
    return None if value is None else timezone.localtime(value, tz).isoformat()


def _name(user) -> str:
    return "" if user is None else user.get_full_name() or user.get_username()


def _alert_risks(episodes: list[AlertEpisode]) -> list[Risk]:
    risks = []
    for episode in episodes:
        firing = episode.state == AlertEpisode.State.FIRING
        title = (
            _("Drift alert firing: %(rule)s") if firing else _("Drift alert pending: %(rule)s")
        ) % {"rule": rule_summary(episode.rule)}
        details = [
            _("%(scope)s; latest value %(value)s; condition holding since %(since)s.")
            % {
                "scope": alert_rule_scope(episode.rule),
                "value": alert_episode_value(episode),
                "since": when(episode.started_on),
            }
        ]
        if episode.silenced:
            details.append(_("Silenced when it fired: nobody was notified."))
        if episode.acknowledged_by is not None:
            details.append(_("Acknowledged by %(who)s.") % {"who": _name(episode.acknowledged_by)})
        risks.append(
            Risk("drift_alert_firing" if firing else "drift_alert_pending", title, details)
        )
    return risks


def gather(source: DocumentSource) -> SectionData:
    engagement = source.engagement
    tz = engagement.client.tzinfo
    now = source.generated_at

    # Open review tasks, as the sponsor's summary counts them: a task about a test decision
    # does not count (maestro.reviews.summary).
    open_tasks = ReviewTask.objects.filter(
        Q(decision__isnull=True) | Q(decision__is_test=False),
        engagement=engagement,
        status=ReviewTask.Status.OPEN,
    )
    by_kind_rows = list(
        open_tasks.values("kind")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
        .order_by("kind")
    )
    labels = dict(ReviewTask.Kind.choices)
    by_kind = [
        {
            "kind": row["kind"],
            "label": str(labels.get(row["kind"], row["kind"])),
            "open": row["open"],
            "overdue": row["overdue"],
        }
        for row in by_kind_rows
    ]
    tasks_open = sum(row["open"] for row in by_kind)
    tasks_overdue = sum(row["overdue"] for row in by_kind)
    listed = list(open_tasks.select_related("assignee").order_by("due_at", "pk")[:TASKS_LISTED])

    risks: list[Risk] = _alert_risks(list(open_episode_list(engagement=engagement)))

    if tasks_overdue:
        risks.append(
            Risk(
                "tasks_overdue",
                ngettext(
                    "%(n)d review task is overdue",
                    "%(n)d review tasks are overdue",
                    tasks_overdue,
                )
                % {"n": tasks_overdue},
                [
                    _("%(label)s: %(n)d overdue") % {"label": row["label"], "n": row["overdue"]}
                    for row in by_kind
                    if row["overdue"]
                ],
            )
        )

    trend = engagement_trend(engagement=engagement, now=now)
    accuracy = trend.overall.accuracy_change
    target = Decimal(engagement.target_accuracy) / 100
    measured = accuracy.this_week if accuracy.this_week is not None else accuracy.last_week
    if measured is not None and percent_one_decimal(measured) < percent_one_decimal(target):  # type: ignore[operator]
        risks.append(
            Risk(
                "accuracy_below_target",
                _("Accuracy %(accuracy)s, under the %(target)s target")
                % {"accuracy": pct(measured), "target": pct(target)},
                [trend.sentence],
            )
        )

    readiness = plans_readiness(
        SkillTransferPlan.objects.filter(engagement=engagement).order_by("operator__username", "pk")
    )
    for r in readiness:
        if r.complete:
            continue
        below = [c for c in r.plan.competencies.all() if not c.at_target]
        risks.append(
            Risk(
                "readiness_below_target",
                _("%(operator)s is not ready yet: %(figure)s")
                % {"operator": _name(r.plan.operator), "figure": r.figure},
                [
                    _("%(name)s: %(now)s, target %(target)s")
                    % {
                        "name": c.name,
                        "now": c.get_current_stage_display(),
                        "target": c.get_target_stage_display(),
                    }
                    for c in below
                ],
            )
        )
    for agreement in engagement_agreement(engagement):
        plan, overall = agreement.plan, agreement.overall
        if (
            overall.kappa is not None
            and overall.kappa >= plan.kappa_bar
            and overall.cases >= plan.shadow_cases_min
        ):
            continue
        figure = (
            _("kappa %(kappa)s on %(cases)d shadow cases")
            % {"kappa": overall.kappa, "cases": overall.cases}
            if overall.kappa is not None
            else _("no shadow case answered by both yet")
        )
        risks.append(
            Risk(
                "agreement_below_bar",
                _("%(operator)s's agreement with the consultant is under the plan's bar")
                % {"operator": _name(plan.operator)},
                [
                    _("%(figure)s; the bar is kappa %(bar)s on at least %(minimum)d cases.")
                    % {
                        "figure": figure,
                        "bar": f"{plan.kappa_bar:.2f}",
                        "minimum": plan.shadow_cases_min,
                    }
                ],
            )
        )

    for runbook in runbooks_of(engagement):
        if runbook.status == Runbook.Status.RETIRED:
            continue
        if not runbook_is_handed_over(runbook):
            risks.append(
                Risk(
                    "runbook_not_published",
                    _("Runbook not published: %(title)s") % {"title": runbook.title},
                    [_("Operators cannot run it, and it is not part of this handoff.")],
                )
            )
        elif runbook.has_unpublished_changes:
            assert runbook.published_version is not None
            risks.append(
                Risk(
                    "runbook_draft_pending",
                    _("Runbook with an unpublished draft: %(title)s") % {"title": runbook.title},
                    [
                        _(
                            "Version %(head)d is a draft; operators run version %(published)d, "
                            "the one in this document."
                        )
                        % {"head": runbook.head, "published": runbook.published_version.number}
                    ],
                )
            )

    without_playbook = Process.objects.filter(engagement=engagement).filter(
        ~Exists(PlaybookVersion.objects.filter(playbook__process_id=OuterRef("pk")))
    )
    for process in without_playbook.order_by("name", "pk"):
        risks.append(
            Risk(
                "playbook_missing",
                _("No escalation playbook: %(process)s") % {"process": process.name},
                [_("Every live decision of this process goes to a human.")],
            )
        )

    tasks: list[dict[str, Any]] = [
        {
            "task": task,
            "assignee": _name(task.assignee),
            "overdue": task.due_at < now,
            "kind": str(labels.get(task.kind, task.kind)),
        }
        for task in listed
    ]
    data = {
        "risks": [risk.as_data() for risk in risks],
        "tasks": {
            "open": tasks_open,
            "overdue": tasks_overdue,
            "by_kind": by_kind,
            "listed": [
                {
                    "task_id": t["task"].pk,
                    "title": t["task"].title,
                    "kind": t["task"].kind,
                    "assignee": t["assignee"] or None,
                    "due_at": _iso(t["task"].due_at, tz),
                    "overdue": t["overdue"],
                }
                for t in tasks
            ],
        },
    }
    return SectionData(
        context={
            "risks": risks,
            "tasks": tasks,
            "tasks_open": tasks_open,
            "tasks_overdue": tasks_overdue,
            "tasks_more": max(tasks_open - len(tasks), 0),
            "by_kind": by_kind,
            "time_zone": tz,
        },
        data=data,
    )
