"""Hooks through which the apps above decisions feed its figures, without decisions importing
them. The composition layer registers the providers at startup.

The economics (hours freed per day) use the automation rate monitoring MEASURES week by week
from its daily scores; decisions sits below monitoring, so it asks through this hook and falls
back to its own count of live decisions when no provider answers for a process.
"""

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Protocol

from maestro.engagements.models import Engagement


class MeasuredRate(Protocol):
    """A process's measured automation rate and what it was measured over."""

    @property
    def rate(self) -> Decimal: ...

    @property
    def basis(self) -> str: ...


AutomationRates = Callable[..., Mapping[int, MeasuredRate]]

_automation_rates: list[AutomationRates] = []


def on_automation_rates(provider: AutomationRates) -> None:
    """Register `provider(engagement=...)` → {process id: MeasuredRate}; registering the same
    one twice is harmless. The first registered provider's answer is used."""
    if provider not in _automation_rates:
        _automation_rates.append(provider)


def measured_automation_rates(*, engagement: Engagement) -> Mapping[int, MeasuredRate]:
    for provider in _automation_rates:
        return provider(engagement=engagement)
    return {}
