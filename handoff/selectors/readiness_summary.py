"""The sponsor's summary, from skill transfer: how ready the client's operators are to run the
engagement without the consultants. A key figure (the share of every plan's competencies at
their target) and a panel with each operator's readiness and where each competency stands on
its ladder (shadow → co-pilot → solo). The composition layer adds them through
maestro.engagements.hooks.on_engagement_summary.

Three queries (plans_readiness: plans, competencies, recorded check-ins) whatever the number of
operators, competencies or check-ins; none of another engagement's plans is read."""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handoff.models import STAGE_ORDER, Competency, SkillTransferPlan, Stage
from handoff.selectors.readiness import PlanReadiness, plans_readiness, readiness_share_of
from maestro.engagements.hooks import KeyFigure, SummaryPanel, SummaryParts
from maestro.engagements.models import Engagement
from maestro.lib.formats import percent_text

FIGURE_ORDER = 60  # after the risks (50): how soon the client can run the agents alone
PANEL_ORDER = 35  # after the trend and the risks, before the economics (40)


@dataclass(frozen=True)
class LadderStep:
    label: str
    reached: bool
    target: bool


@dataclass(frozen=True)
class CompetencyRow:
    name: str
    stage: str
    target: str
    at_target: bool
    ladder: list[LadderStep]


@dataclass(frozen=True)
class OperatorReadiness:
    operator: str
    percent: str
    at_target: int
    total: int
    # 0–100, the bar's width (an SVG attribute: the Content-Security-Policy allows no style).
    width: int
    last_check_in: datetime | None
    competencies: list[CompetencyRow]


def _ladder(competency: Competency) -> list[LadderStep]:
    now = STAGE_ORDER.index(competency.current_stage)
    return [
        LadderStep(str(Stage(stage).label), i <= now, stage == competency.target_stage)
        for i, stage in enumerate(STAGE_ORDER)
    ]


def _operator(readiness: PlanReadiness) -> OperatorReadiness:
    plan = readiness.plan
    share = readiness.share
    return OperatorReadiness(
        operator=str(plan.operator),
        percent=percent_text(share),
        at_target=readiness.at_target,
        total=readiness.total,
        width=0 if share is None else int((share * 100).to_integral_value()),
        last_check_in=readiness.trend[-1].at if readiness.trend else None,
        competencies=[
            CompetencyRow(
                name=c.name,
                stage=c.get_current_stage_display(),
                target=c.get_target_stage_display(),
                at_target=c.at_target,
                ladder=_ladder(c),
            )
            for c in plan.competencies.all()
        ],
    )


def _figure(operators: list[OperatorReadiness], url: str) -> KeyFigure:
    at_target = sum(o.at_target for o in operators)
    total = sum(o.total for o in operators)
    share = readiness_share_of(at_target, total)
    people = ngettext("%(n)d operator", "%(n)d operators", len(operators)) % {"n": len(operators)}
    if share is None:
        return KeyFigure(
            "readiness",
            _("Operator readiness"),
            "—",
            f"{people} · " + _("no competency to reach yet"),
            url=url,
            order=FIGURE_ORDER,
        )
    complete = at_target == total
    detail = ngettext(
        "%(at)d of %(n)d competency at target",
        "%(at)d of %(n)d competencies at target",
        total,
    ) % {"at": at_target, "n": total}
    return KeyFigure(
        "readiness",
        _("Operator readiness"),
        percent_text(share),
        f"{detail} · {people}",
        tone="good" if complete else "",
        tone_label=_("ready to run it alone") if complete else "",
        url=url,
        order=FIGURE_ORDER,
    )


def engagement_readiness_summary(engagement: Engagement) -> SummaryParts:
    """Nothing before the engagement has a skill-transfer plan."""
    plans = SkillTransferPlan.objects.filter(engagement=engagement).order_by(
        "operator__username", "pk"
    )
    operators = [_operator(r) for r in plans_readiness(plans)]
    if not operators:
        return SummaryParts()
    url = reverse("handoff:plans", args=[engagement.pk])
    panel = SummaryPanel(
        "readiness",
        "handoff/_summary_readiness.html",
        {"operators": operators, "url": url},
        order=PANEL_ORDER,
    )
    return SummaryParts(figures=[_figure(operators, url)], panels=[panel])
