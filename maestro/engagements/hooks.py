"""Hooks through which the apps above engagements join in, without engagements importing them.

Engagements sit low in the layering (only tenancy below), yet opening an engagement makes the
starter runbooks and its overview page shows the process maps and training charts. The
composition layer (`maestro.composition`, installed last) registers those steps here at startup.

Why a hook and not "callers call a composition service": every way of opening an engagement
(page, API, demo seed, a test calling the service) must get its starter runbooks, in the
same transaction; a hook run by `engagement_create` guarantees that, a convention on callers
does not.
"""

from collections.abc import Callable
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
