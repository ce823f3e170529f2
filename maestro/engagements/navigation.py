"""The engagement's section navigation, decided here once so the overview and every section
page show the same row (templates/engagements/_nav.html, `{% engagement_nav %}`).

A user is offered exactly the sections they may open. Everyone on the engagement reads its maps,
decision types, training, live decisions, monitoring, review tasks, edge cases, runbooks,
skill transfer (an operator sees their own plan), webhooks and activity (operators work the
tasks, sponsors watch them; only consultants see webhook secrets); the agent API keys page is
the consultants' alone (a 403 for the others), so only they get its link.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import can_manage_engagement, can_work_engagement
from maestro.tenancy.models import User

# (key, label, URL name taking the engagement id, consultants only), in the engagement's order.
SECTIONS: list[tuple[str, Promise, str, bool]] = [
    ("overview", _("Overview"), "engagements:detail", False),
    ("summary", _("Summary"), "engagements:summary", False),
    ("processes", _("Process maps"), "mapping:process_list", False),
    ("decision-types", _("Decision types"), "mapping:decision_type_list", False),
    ("training", _("Training"), "training:overview", False),
    ("decisions", _("Live decisions"), "decisions:list", False),
    ("monitoring", _("Monitoring"), "monitoring:engagement", False),
    ("alerts", _("Drift alerts"), "monitoring:alerts", False),
    ("review-tasks", _("Review tasks"), "reviews:engagement-tasks", False),
    ("edge-cases", _("Edge-case log"), "reviews:edge-cases", False),
    ("agreement", _("Shadow agreement"), "handoff:agreement", False),
    ("runbooks", _("Runbooks"), "runbooks:list", False),
    ("skill-transfer", _("Skill transfer"), "handoff:plans", False),
    ("handoff", _("Handoff"), "handoff:handoff", False),
    ("handoff-pdf", _("Handoff PDF"), "handoff:documents", False),
    ("webhooks", _("Webhooks"), "webhooks:list", False),
    ("api-keys", _("Agent API keys"), "decisions:api-keys", True),
    ("activity", _("Activity"), "engagements:activity", False),
]

# Tooling offered to those who work the engagement (its consultants and the client's operators),
# not to sponsors, who read its results: the webhooks page stays readable by them, unlinked.
WORKERS_ONLY = frozenset({"webhooks"})


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url: str
    current: bool


def engagement_nav(
    *,
    user: User,
    engagement: Engagement,
    current: str = "",
    manager: bool | None = None,
    worker: bool | None = None,
) -> list[NavItem]:
    """The sections `user` may open, `current` (a key of SECTIONS) marked. The caller has
    scoped `engagement` to the user; `manager` and `worker` are can_manage_engagement's and
    can_work_engagement's answers when the caller already has them."""
    if manager is None:
        manager = can_manage_engagement(user, engagement)
    if worker is None:
        worker = manager or can_work_engagement(user, engagement)
    return [
        NavItem(key, str(label), reverse(url_name, args=[engagement.pk]), key == current)
        for key, label, url_name, managers_only in SECTIONS
        if (manager or not managers_only) and (worker or key not in WORKERS_ONLY)
    ]
