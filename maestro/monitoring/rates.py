"""The rates the product reports of an agent's decisions, each a share of two counts.

One definition for the daily rows, the weekly trend, the drift alerts and the handoff PDF, so
none of them disagrees with another on a fourth decimal. Rates are always derived from summed
counts, never averaged.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Self

# Shares are kept to four decimals (a percent with two), rounded half up.
SHARE_PLACES = Decimal("0.0001")

COUNTS = (
    "volume",
    "with_outcome",
    "correct",
    "auto_routed",
    "escalated",
    "human_resolved",
    "overridden",
)
# The rates derived from them, as attributes of `Rates`.
RATE_NAMES = ("accuracy", "automation_rate", "escalation_rate", "override_rate")


def share(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` to four decimals, or None when there is no whole to speak of."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


class Rates:
    """The four rates, for anything carrying the counts of `COUNTS` as attributes."""

    volume: int
    with_outcome: int
    correct: int
    auto_routed: int
    escalated: int
    human_resolved: int
    overridden: int

    @property
    def accuracy(self) -> Decimal | None:
        """Correct decisions of those with a confirmed outcome."""
        return share(self.correct, self.with_outcome)

    @property
    def automation_rate(self) -> Decimal | None:
        """The measured automation rate: auto-routed decisions of all decisions."""
        return share(self.auto_routed, self.volume)

    @property
    def escalation_rate(self) -> Decimal | None:
        return share(self.escalated, self.volume)

    @property
    def override_rate(self) -> Decimal | None:
        """Overridden decisions of those a human resolved."""
        return share(self.overridden, self.human_resolved)


@dataclass(frozen=True)
class Counts(Rates):
    """Counts summed over some days, processes or categories."""

    volume: int = 0
    with_outcome: int = 0
    correct: int = 0
    auto_routed: int = 0
    escalated: int = 0
    human_resolved: int = 0
    overridden: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(getattr(self, n) + getattr(other, n) for n in COUNTS))

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Self:
        """From a `.values()` row of summed counts (a sum over no rows is None)."""
        return cls(*(row[n] or 0 for n in COUNTS))
