"""Hooks through which the apps above mapping add to a process's page, without mapping
importing them (see maestro.engagements.hooks). The composition layer registers them."""

from collections.abc import Callable
from typing import Any

from maestro.mapping.models import Process

ProcessOverviewProvider = Callable[[Process], dict[str, Any]]

_overview: list[ProcessOverviewProvider] = []


def on_process_overview(provider: ProcessOverviewProvider) -> None:
    """Add `provider(process)`'s dict to the process page's template context."""
    if provider not in _overview:
        _overview.append(provider)


def process_overview_context(*, process: Process) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for provider in _overview:
        context.update(provider(process))
    return context
