"""Storing a batch's decisions once per case ref, and the answer for each item."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q

from maestro.decisions.models import Decision
from maestro.lib.bulk import bulk_insert
from maestro.playbooks.routing import CompiledPlaybook
from maestro.reviews.models import ReviewTask


@dataclass
class IntakeResult:
    """The answer for one item: the decision (new, or the first answer for its case ref), or
    the field errors that rejected it."""

    decision: Decision | None = None
    created: bool = False
    review_task_id: int | None = None
    playbook_version: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def _task_id(decision: Decision) -> int | None:
    try:
        return decision.review_task.pk
    except ReviewTask.DoesNotExist:
        return None


def _earlier(*, keys: set[tuple[int, str]], is_test: bool) -> dict[tuple[int, str], Decision]:
    """Decisions already stored for these (process id, case ref) pairs in this mode (live or
    test), with what their answer needs (version number, review task), in one query."""
    if not keys:
        return {}
    condition = Q()
    by_process: dict[int, list[str]] = {}
    for process_id, case_ref in keys:
        by_process.setdefault(process_id, []).append(case_ref)
    for process_id, case_refs in by_process.items():
        condition |= Q(process_id=process_id, case_ref__in=case_refs)
    found = (
        Decision.objects.filter(condition, is_test=is_test)
        .select_related("playbook_version", "review_task")
        .order_by()
    )
    return {(d.process_id, d.case_ref): d for d in found}


def answer_of_earlier(decision: Decision) -> IntakeResult:
    """The answer for a case ref stored before this call."""
    version = decision.playbook_version
    return IntakeResult(
        decision=decision,
        created=False,
        review_task_id=_task_id(decision),
        playbook_version=version.number if version is not None else None,
    )


def answer_of_new(
    decision: Decision,
    tasks: dict[int, ReviewTask],
    compiled: dict[int, CompiledPlaybook | None],
    *,
    created: bool,
) -> IntakeResult:
    """The answer for a decision this call stored (`created=False` for a repeat of its case
    ref later in the same batch)."""
    task = tasks.get(decision.pk)
    playbook = compiled[decision.process_id]
    return IntakeResult(
        decision=decision,
        created=created,
        review_task_id=task.pk if task is not None else None,
        playbook_version=playbook.number if playbook is not None else None,
    )


def decisions_insert(
    new: dict[tuple[int, str], Decision],
    earlier: dict[tuple[int, str], Decision],
    *,
    is_test: bool = False,
) -> list[Decision]:
    """Bulk-insert the new decisions (all of one mode, `is_test`). Case refs stored before — by
    an earlier call, or by a concurrent one (an agent retrying before our answer came back) —
    are refused by the unique constraint: we roll back to the savepoint, take the stored ones
    as the first answers (moved from `new` to `earlier`) and insert the rest.

    One decision outside a transaction (the intake's common case: a lone auto-routed decision)
    is one INSERT in autocommit: no BEGIN, no savepoint, no COMMIT round trips. A refused one
    leaves nothing to roll back there."""
    for _attempt in range(3):
        if not new:
            return []
        try:
            if len(new) == 1 and not transaction.get_connection().in_atomic_block:
                (decision,) = new.values()
                decision.save(force_insert=True)
                return [decision]
            with transaction.atomic():
                return bulk_insert(list(new.values()))
        except IntegrityError:
            won = _earlier(keys=set(new), is_test=is_test)
            if not won:
                raise  # not a duplicate case ref: a real error
            earlier.update(won)
            for key in won:
                del new[key]
    return bulk_insert(list(new.values()))
