"""The engagement lifecycle: which moves are legal and the gate each forward move must pass.

A gate is a list of checks. The checks read other apps (maps, training rounds, playbooks…),
which sit above engagements, so they are not defined here: the composition layer
(`maestro.gates`, registered by `maestro.composition` at startup) fills `GATES` through
`gate_register`. This module keeps the machinery and fails closed: a forward move whose gate
nobody registered does not pass (see `gate_evaluate`). A consultant may still override a
failing gate with a reason.
"""

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from maestro.engagements.models import PHASE_ORDER, Engagement, Phase


@dataclass(frozen=True)
class GateCheck:
    code: str
    label: str
    passed: bool
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


Check = Callable[[Engagement], GateCheck]


def next_phase(phase: str) -> str | None:
    index = PHASE_ORDER.index(phase)
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def previous_phase(phase: str) -> str | None:
    index = PHASE_ORDER.index(phase)
    return PHASE_ORDER[index - 1] if index > 0 else None


def legal_moves(phase: str) -> list[str]:
    """One step forward (gated) or one step back (e.g. deployment → training to retrain)."""
    return [p for p in (next_phase(phase), previous_phase(phase)) if p]


def is_forward(from_phase: str, to_phase: str) -> bool:
    return PHASE_ORDER.index(to_phase) > PHASE_ORDER.index(from_phase)


# Each forward move's checks, in the order they are shown; filled by `gate_register`.
GATES: dict[tuple[str, str], list[Check]] = {}


def gate_register(*, from_phase: str, to_phase: str, checks: Iterable[Check]) -> None:
    """Set the gate of the forward move `from_phase` → `to_phase` (replacing any earlier one,
    so registering twice at startup is harmless)."""
    if next_phase(from_phase) != to_phase:
        raise ImproperlyConfigured(f"{from_phase} → {to_phase} is not a forward move.")
    checks = list(checks)
    if not checks:
        raise ImproperlyConfigured(f"The gate {from_phase} → {to_phase} needs a check.")
    GATES[(Phase(from_phase).value, Phase(to_phase).value)] = checks


def _no_gate_registered(engagement: Engagement, to_phase: str) -> GateCheck:
    return GateCheck(
        code="gate_not_registered",
        label=_("The gate to %(phase)s can be checked") % {"phase": Phase(to_phase).label},
        passed=False,
        detail=_("No checks are registered for this move, so it cannot pass on its own."),
    )


def gate_evaluate(*, engagement: Engagement, to_phase: str) -> list[GateCheck]:
    """The checks for moving `engagement` to `to_phase`. Backward moves have no gate; a
    forward move without registered checks fails closed with one failing check."""
    if not is_forward(engagement.phase, to_phase):
        return []
    checks = GATES.get((engagement.phase, to_phase))
    if not checks:
        return [_no_gate_registered(engagement, to_phase)]
    return [check(engagement) for check in checks]
