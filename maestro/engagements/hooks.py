"""Hooks through which the apps above engagements join in, without engagements importing them.

Engagements sit low in the layering (only tenancy below), yet opening an engagement makes the
starter runbooks and its overview page shows the process maps and training charts. The
composition layer (`maestro.composition`, installed last) registers those steps here at startup.

Why a hook and not "callers call a composition service": every way of opening an engagement
(page, API, demo seed, a test calling the service) must get its starter runbooks, in the
same transaction; a hook run by `engagement_create` guarantees that, a convention on callers
does not.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from maestro.engagements.models import Engagement
from maestro.lib.hooks import ContextProviders
from maestro.tenancy.models import User


class CreatedReceiver(Protocol):
    def __call__(self, *, engagement: Engagement, by: User) -> Any: ...


class StanceReceiver(Protocol):
    def __call__(
        self, *, engagement: Engagement, from_stance: str, to_stance: str, by: User, note: str
    ) -> Any: ...


_created: list[CreatedReceiver] = []
_stance_changed: list[StanceReceiver] = []
_overview: ContextProviders[Engagement] = ContextProviders()


def on_engagement_created(receiver: CreatedReceiver) -> None:
    """Run `receiver(engagement=..., by=...)` inside `engagement_create`'s transaction; an
    error in it rolls the engagement back. Registering the same receiver twice is harmless."""
    if receiver not in _created:
        _created.append(receiver)


def engagement_created(*, engagement: Engagement, by: User) -> None:
    for receiver in _created:
        receiver(engagement=engagement, by=by)


def on_stance_changed(receiver: StanceReceiver) -> None:
    """Run `receiver(engagement=, from_stance=, to_stance=, by=, note=)` inside the transaction
    of every change of the stance made here (a phase move that carries it, an edit of the
    engagement), so the layer that keeps the stance's history (handoff's stance steps) sees
    each one. Registering the same receiver twice is harmless."""
    if receiver not in _stance_changed:
        _stance_changed.append(receiver)


def stance_changed(
    *, engagement: Engagement, from_stance: str, to_stance: str, by: User, note: str = ""
) -> None:
    for receiver in _stance_changed:
        receiver(
            engagement=engagement, from_stance=from_stance, to_stance=to_stance, by=by, note=note
        )


def on_engagement_overview(provider: Callable[[Engagement], dict[str, Any]]) -> None:
    """Add `provider(engagement)`'s dict to the engagement page's template context."""
    _overview.register(provider)


def engagement_overview_context(*, engagement: Engagement) -> dict[str, Any]:
    return _overview.context(engagement)


# --- the sponsor's summary and the engagement list's health ---------------------------------
# The summary page (views.engagement_summary) and the list's health columns read figures the
# layers above keep (monitoring's scores, decisions' economics, reviews' tasks, skill transfer's
# readiness and handoff document). Each provider gives its parts; a part nobody provides is
# simply absent, so the page works before and after a layer lands.


@dataclass(frozen=True)
class KeyFigure:
    """A figure at the top of the summary: "Accuracy this week · 92.3% · target 85.0%".
    `tone` ("good", "bad" or "") colours it and `tone_label` says the same in words, so colour
    is never the only cue."""

    key: str
    label: str
    value: str
    detail: str = ""
    tone: str = ""
    tone_label: str = ""
    url: str = ""
    order: int = 100


@dataclass(frozen=True)
class SummaryPanel:
    """A section of the summary: `template` is included with `panel` (this object) in its
    context, so it reads `panel.context`."""

    key: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class SummaryDocument:
    """A document a sponsor opens from the summary (the handoff PDF, once one exists)."""

    key: str
    label: str
    url: str
    detail: str = ""


@dataclass
class SummaryParts:
    figures: list[KeyFigure] = field(default_factory=list)
    panels: list[SummaryPanel] = field(default_factory=list)
    documents: list[SummaryDocument] = field(default_factory=list)


SummaryProvider = Callable[[Engagement], SummaryParts]
# engagements → {engagement id: {name: value}}: a constant number of queries for any number.
ListHealthProvider = Callable[[Sequence[Engagement]], Mapping[int, Mapping[str, Any]]]

_summary: list[SummaryProvider] = []
_list_health: list[ListHealthProvider] = []


def on_engagement_summary(provider: SummaryProvider) -> None:
    """Add `provider(engagement)`'s SummaryParts to the summary page. Registering the same one
    twice is harmless."""
    if provider not in _summary:
        _summary.append(provider)


def engagement_summary_parts(*, engagement: Engagement) -> SummaryParts:
    """Every provider's parts, figures and panels by their `order`."""
    parts = SummaryParts()
    for provider in _summary:
        given = provider(engagement)
        parts.figures += given.figures
        parts.panels += given.panels
        parts.documents += given.documents
    parts.figures.sort(key=lambda f: f.order)
    parts.panels.sort(key=lambda p: p.order)
    return parts


def on_engagement_list_health(provider: ListHealthProvider) -> None:
    """Add `provider(engagements)`'s values to each row of the engagement list (the template
    reads `row.health.<name>`). Registering the same one twice is harmless."""
    if provider not in _list_health:
        _list_health.append(provider)


def engagement_list_health(*, engagements: Sequence[Engagement]) -> dict[int, dict[str, Any]]:
    health: dict[int, dict[str, Any]] = {e.pk: {} for e in engagements}
    if not engagements:
        return health
    for provider in _list_health:
        for pk, values in provider(engagements).items():
            health.setdefault(pk, {}).update(values)
    return health
