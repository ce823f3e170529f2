"""Hooks through which the apps above mapping add to a process's page, without mapping
importing them (see maestro.engagements.hooks). The composition layer registers them."""

from collections.abc import Callable
from typing import Any

from maestro.lib.hooks import ContextProviders
from maestro.mapping.models import Process

_overview: ContextProviders[Process] = ContextProviders()


def on_process_overview(provider: Callable[[Process], dict[str, Any]]) -> None:
    """Add `provider(process)`'s dict to the process page's template context."""
    _overview.register(provider)


def process_overview_context(*, process: Process) -> dict[str, Any]:
    return _overview.context(process)
