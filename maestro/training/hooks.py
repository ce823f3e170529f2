"""Hooks through which the apps above training join in when cases are imported, without
training importing them (see maestro.engagements.hooks). The composition layer registers them.

Why a hook: every way of importing cases (page, API, management command, demo) must make the
dataset's counterparties known to routing (maestro.playbooks), in the import's own transaction,
so the routing never sees the cases without their counterparties, or the reverse.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from maestro.mapping.models import Process
from maestro.training.models import EvaluationDataset


class CasesImportedReceiver(Protocol):
    def __call__(self, *, dataset: EvaluationDataset, counterparties: Iterable[str]) -> Any: ...


_cases_imported: list[CasesImportedReceiver] = []


def on_cases_imported(receiver: CasesImportedReceiver) -> None:
    """Run `receiver(dataset=..., counterparties=...)` in the transaction that moves an import's
    cases in; an error in it refuses the import. `counterparties` are the distinct non-empty
    names of the imported cases (a lazy query, read once). Registering twice is harmless."""
    if receiver not in _cases_imported:
        _cases_imported.append(receiver)


def cases_imported(*, dataset: EvaluationDataset, counterparties: Iterable[str]) -> None:
    for receiver in _cases_imported:
        receiver(dataset=dataset, counterparties=counterparties)


class ThresholdSource(Protocol):
    def __call__(self, *, process: Process) -> Decimal | None: ...


_threshold_sources: list[ThresholdSource] = []


def on_current_threshold(source: ThresholdSource) -> None:
    """`source(process=...)` answers the confidence threshold live decisions of the process are
    routed with today (the playbook's), or None; the round page marks it on the sweep."""
    if source not in _threshold_sources:
        _threshold_sources.append(source)


def current_threshold(*, process: Process) -> Decimal | None:
    for source in _threshold_sources:
        found = source(process=process)
        if found is not None:
            return found
    return None
