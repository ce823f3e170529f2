"""The decision intake: the live agent's hot path.

One call takes one decision or a batch and costs a constant number of queries whatever the batch
size or the playbook's size: processes, decision types, earlier answers (idempotency) and known
counterparties are each loaded once for the whole batch; each process's playbook is compiled
once — or reused, when this worker compiled it for the same routing stamp (read with the
processes, so a new version or decision-type edit routes the very next decision); routing is a
pure function; decisions, counterparties and review tasks are bulk-inserted.
"""

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, FilteredRelation, Q, QuerySet, Value
from django.utils.translation import gettext as _

from maestro.decisions.models import Decision, KnownCounterparty
from maestro.engagements.models import Engagement
from maestro.lib.json import nul_character_path
from maestro.mapping.models import DecisionType, Process
from maestro.reviews.models import ReviewTask
from maestro.webhooks.models import WebhookEvent
from maestro.webhooks.services import webhook_events_emit
from runbooks.routing import CompiledPlaybook, DecisionFacts, route
from runbooks.selectors import (
    RoutingStamp,
    playbook_compiled_for_process,
    routing_stamp_annotations,
)

MAX_BATCH = 1000
# Serialized size of `payload`. It is stored with every decision and shown to reviewers; bulk
# documents belong in the agent's own store, referenced from the payload.
MAX_PAYLOAD_BYTES = 16 * 1024


@dataclass
class IntakeResult:
    """The answer for one item: the decision (new, or the first answer for its case ref), or
    the field errors that rejected it."""

    decision: Decision | None = None
    created: bool = False
    review_task_id: int | None = None
    playbook_version: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def payload_errors(payload: Any) -> list[str]:
    """Why `payload` cannot be stored, or nothing. Shared with the API's field validation."""
    if not isinstance(payload, dict):
        return [_("The payload must be a JSON object.")]
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode())
    if size > MAX_PAYLOAD_BYTES:
        return [
            _("The payload is %(size)s bytes serialized; the limit is %(limit)s.")
            % {"size": size, "limit": MAX_PAYLOAD_BYTES}
        ]
    # json.dumps writes U+0000 as the escape, so the walk runs only when one is likely there.
    if "\\u0000" in text:
        path = nul_character_path(payload)
        if path is not None:
            return [
                _(
                    "The payload contains a NUL character (\\u0000) at %(path)s; "
                    "it cannot be stored."
                )
                % {"path": path}
            ]
    return []


def _task_id(decision: Decision) -> int | None:
    try:
        return decision.review_task.pk
    except ReviewTask.DoesNotExist:
        return None


def _earlier(*, keys: set[tuple[int, str]]) -> dict[tuple[int, str], Decision]:
    """Decisions already stored for these (process id, case ref) pairs, with what their answer
    needs (version number, review task), in one query."""
    if not keys:
        return {}
    condition = Q()
    by_process: dict[int, list[str]] = {}
    for process_id, case_ref in keys:
        by_process.setdefault(process_id, []).append(case_ref)
    for process_id, case_refs in by_process.items():
        condition |= Q(process_id=process_id, case_ref__in=case_refs)
    found = (
        Decision.objects.filter(condition)
        .select_related("playbook_version", "review_task")
        .order_by()
    )
    return {(d.process_id, d.case_ref): d for d in found}


def _answer_of(decision: Decision) -> IntakeResult:
    version = decision.playbook_version
    return IntakeResult(
        decision=decision,
        created=False,
        review_task_id=_task_id(decision),
        playbook_version=version.number if version is not None else None,
    )


def _decision_types(
    *, engagement: Engagement, names: set[str], compiled: Mapping[int, CompiledPlaybook | None]
) -> dict[str, int]:
    """Decision type name → id. The compiled playbooks already carry the engagement's types;
    only names they don't know (or processes without a playbook) cost one query."""
    found: dict[str, int] = {}
    for playbook in compiled.values():
        if playbook is not None:
            for name, info in playbook.decision_types.items():
                found.setdefault(name, info.id)
    missing = names - set(found)
    if missing:
        found.update(
            DecisionType.objects.filter(engagement=engagement, name__in=missing).values_list(
                "name", "pk"
            )
        )
    return found


def _route(playbook: CompiledPlaybook | None, facts: DecisionFacts, known: set[str]):
    if playbook is None:
        # Fail closed: with no playbook nobody has said what may go auto.
        return Decision.Route.HUMAN, [
            {
                "code": "no_playbook",
                "message": _(
                    "This process has no escalation playbook yet; every decision goes to a human."
                ),
            }
        ]
    routing = route(playbook, facts, known_counterparties=known)
    return routing.route, [{"code": r.code, "message": r.message} for r in routing.reasons]


def _escalated_payload(decision: Decision, process: Process, task: ReviewTask | None) -> dict:
    return {
        "decision": {
            "id": decision.pk,
            "process": {"id": process.pk, "name": process.name},
            "case_ref": decision.case_ref,
            "category": decision.category,
            "proposed_outcome": decision.proposed_outcome,
            "confidence": str(decision.confidence),
            "amount": str(decision.amount) if decision.amount is not None else None,
            "currency": decision.currency,
            "counterparty": decision.counterparty,
            "reasons": decision.reasons,
            "received_at": decision.received_at.isoformat(),
        },
        "review_task": None
        if task is None
        else {
            "id": task.pk,
            "assignee_id": task.assignee_id,
            "due_at": task.due_at.isoformat() if task.due_at else None,
        },
    }


def _emit_escalations(
    *, engagement: Engagement, decisions: list[Decision], processes, tasks
) -> None:
    if decisions:
        webhook_events_emit(
            engagement=engagement,
            event=WebhookEvent.DECISION_ESCALATED,
            payloads=[
                _escalated_payload(d, processes[d.process_id], tasks.get(d.pk)) for d in decisions
            ],
        )


def decisions_intake(
    *, engagement: Engagement, items: Sequence[Mapping[str, Any]]
) -> list[IntakeResult]:
    """Route and store decisions posted by the engagement's agent; one result per item, in order.

    `items` are field-validated dicts (process id, case_ref, proposed_outcome, confidence as a
    Decimal 0–1, and optional decision_type name, category, amount, currency, counterparty,
    payload). Checked here: the process belongs to the engagement, the decision type exists in
    it, the payload fits. A bad item gets its errors and the others are still accepted.

    Idempotent per (process, case_ref): a case ref seen before — in an earlier call, earlier in
    the same batch, or by a concurrent call that won the insert — answers with the first
    decision (`created=False`) and writes nothing.
    """
    results = [IntakeResult() for _item in items]
    process_ids = {item["process"] for item in items}
    processes, known, stamps = _processes_and_known_counterparties(
        engagement=engagement,
        process_ids=process_ids,
        names={item["counterparty"] for item in items if item.get("counterparty")},
    )
    compiled = {
        pid: playbook_compiled_for_process(process=p, stamp=stamps[pid])
        for pid, p in processes.items()
    }
    type_names = {item["decision_type"] for item in items if item.get("decision_type")}
    type_ids = _decision_types(engagement=engagement, names=type_names, compiled=compiled)

    valid: list[int] = []
    for index, item in enumerate(items):
        errors = results[index].errors
        if item["process"] not in processes:
            # The same words whether the process is another engagement's or does not exist.
            errors["process"] = [
                _("There is no process %(id)s in this API key's engagement.")
                % {"id": item["process"]}
            ]
        name = item.get("decision_type") or ""
        if name and name not in type_ids:
            errors["decision_type"] = [
                _("There is no decision type named “%(name)s” in this engagement.") % {"name": name}
            ]
        payload_problems = payload_errors(item.get("payload", {}))
        if payload_problems:
            errors["payload"] = payload_problems
        if not errors:
            valid.append(index)
    if not valid:
        return results

    return _intake_valid(
        engagement=engagement,
        items=items,
        valid=valid,
        results=results,
        processes=processes,
        known=known,
        compiled=compiled,
        type_ids=type_ids,
    )


@functools.cache
def _processes_with_routing_stamps() -> QuerySet[Process]:
    # Built once per worker and only ever cloned (filter() copies): resolving the stamp's
    # subqueries costs more than running them, and this is the hot path.
    return Process.objects.annotate(**routing_stamp_annotations()).order_by()


def _processes_and_known_counterparties(
    *, engagement: Engagement, process_ids: set[int], names: set[str]
) -> tuple[dict[int, Process], dict[int, set[str]], dict[int, RoutingStamp]]:
    """The batch's processes that belong to the engagement, which of the batch's counterparty
    names each already knows, and each one's routing stamp — one query (a left join on the
    known names, subqueries for the stamp)."""
    rows = _processes_with_routing_stamps().filter(engagement=engagement, pk__in=process_ids)
    stamp_fields = (
        "routing_version_id",
        "routing_version_created_at",
        "routing_types_count",
        "routing_types_changed_at",
    )
    if names:
        rows = rows.annotate(
            seen=FilteredRelation(
                "known_counterparties", condition=Q(known_counterparties__name__in=names)
            )
        ).annotate(seen_name=F("seen__name"))
    else:
        rows = rows.annotate(seen_name=Value(""))
    processes: dict[int, Process] = {}
    known: dict[int, set[str]] = {}
    stamps: dict[int, RoutingStamp] = {}
    for row in rows.values("pk", "name", "seen_name", *stamp_fields):
        pk = row["pk"]
        if pk not in processes:
            processes[pk] = Process(pk=pk, name=row["name"], engagement=engagement)
            known[pk] = set()
            stamps[pk] = RoutingStamp.of(row)
        if row["seen_name"]:
            known[pk].add(row["seen_name"])
    return processes, known, stamps


def _intake_valid(*, engagement, items, valid, results, processes, known, compiled, type_ids):
    # Filled by _insert with the decisions an earlier call already stored for our case refs.
    # Inserting first and reading back only on a conflict keeps the common case (a new case
    # ref) one query cheaper than looking first.
    earlier: dict[tuple[int, str], Decision] = {}
    new: dict[tuple[int, str], Decision] = {}
    first_index: dict[tuple[int, str], int] = {}
    seen_counterparties: dict[tuple[int, str], KnownCounterparty] = {}
    for index in valid:
        item = items[index]
        key = (item["process"], item["case_ref"])
        if key in new:
            continue
        first_index[key] = index
        playbook = compiled[item["process"]]
        counterparty = item.get("counterparty") or ""
        name = item.get("decision_type") or ""
        facts = DecisionFacts(
            decision_type=name or None,
            category=item.get("category") or "",
            confidence=item["confidence"],
            amount=item.get("amount"),
            currency=item.get("currency") or "",
            counterparty=counterparty,
        )
        process_known = known[item["process"]]
        route_, reasons = _route(playbook, facts, process_known)
        if counterparty and counterparty not in process_known:
            # Seen from now on: later decisions of this batch treat it as known, as if posted
            # one by one.
            process_known.add(counterparty)
            seen_counterparties[key] = KnownCounterparty(
                process_id=item["process"], name=counterparty
            )
        new[key] = Decision(
            engagement=engagement,
            process=processes[item["process"]],
            case_ref=item["case_ref"],
            decision_type_id=type_ids[name] if name else None,
            category=facts.category,
            proposed_outcome=item["proposed_outcome"],
            confidence=facts.confidence,
            amount=facts.amount,
            currency=facts.currency,
            counterparty=counterparty,
            payload=item.get("payload", {}),
            route=route_,
            reasons=reasons,
            playbook_version_id=playbook.version_id if playbook is not None else None,
        )

    tasks: dict[int, ReviewTask] = {}
    if not seen_counterparties and all(d.route == Decision.Route.AUTO for d in new.values()):
        # The common case: the insert is the only write, so it needs no outer transaction.
        created = _insert(new, earlier)
    else:
        with transaction.atomic():
            created = _insert(new, earlier)
            # Only counterparties of decisions stored now (not of retries answered earlier).
            seen = [seen_counterparties[k] for k in new if k in seen_counterparties]
            if seen:
                KnownCounterparty.objects.bulk_create(seen, ignore_conflicts=True)
            human = [d for d in created if d.route == Decision.Route.HUMAN]
            # Imported here: handoff's resolve service imports this package.
            from maestro.reviews.services import review_tasks_open_for_decisions

            tasks = review_tasks_open_for_decisions(decisions=human) if human else {}
            _emit_escalations(
                engagement=engagement, decisions=human, processes=processes, tasks=tasks
            )

    created_keys = {(d.process_id, d.case_ref) for d in created}
    for index in valid:
        key = (items[index]["process"], items[index]["case_ref"])
        if key in created_keys and first_index.get(key) == index:
            decision = new[key]
            playbook = compiled[decision.process_id]
            task = tasks.get(decision.pk)
            results[index] = IntakeResult(
                decision=decision,
                created=True,
                review_task_id=task.pk if task is not None else None,
                playbook_version=playbook.number if playbook is not None else None,
            )
        elif key in earlier:
            results[index] = _answer_of(earlier[key])
        else:  # a repeat, later in this batch, of a case ref this batch created
            results[index] = _answer_of_new(new[key], tasks, compiled)
    return results


def _answer_of_new(decision: Decision, tasks, compiled) -> IntakeResult:
    task = tasks.get(decision.pk)
    playbook = compiled[decision.process_id]
    return IntakeResult(
        decision=decision,
        created=False,
        review_task_id=task.pk if task is not None else None,
        playbook_version=playbook.number if playbook is not None else None,
    )


def _insert(
    new: dict[tuple[int, str], Decision], earlier: dict[tuple[int, str], Decision]
) -> list[Decision]:
    """Bulk-insert the new decisions. Case refs stored before — by an earlier call, or by a
    concurrent one (an agent retrying before our answer came back) — are refused by the unique
    constraint: we roll back to the savepoint, take the stored ones as the first answers
    (moved from `new` to `earlier`) and insert the rest."""
    for _attempt in range(3):
        if not new:
            return []
        try:
            with transaction.atomic():
                return Decision.objects.bulk_create(list(new.values()))
        except IntegrityError:
            won = _earlier(keys=set(new))
            if not won:
                raise  # not a duplicate case ref: a real error
            earlier.update(won)
            for key in won:
                del new[key]
    return Decision.objects.bulk_create(list(new.values()))
