"""The decision intake: the live agent's hot path.

One call takes one decision or a batch and costs a constant number of queries whatever the batch
size or the playbook's size: processes, decision types, earlier answers (idempotency) and known
counterparties are each loaded once for the whole batch; each process's playbook is compiled
once — or reused, when this worker compiled it for the same routing stamp (read with the
processes, so a new version or decision-type edit routes the very next decision); routing is a
pure function; decisions, counterparties and review tasks are bulk-inserted.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from maestro.audit.services import Actor
from maestro.decisions.models import Decision
from maestro.engagements.models import Engagement
from maestro.intake.services.assignments import review_tasks_assigned_record
from maestro.intake.services.lookups import (
    decision_types_by_name,
    processes_and_known_counterparties,
)
from maestro.intake.services.storing import (
    IntakeResult,
    answer_of_earlier,
    answer_of_new,
    decisions_insert,
)
from maestro.intake.services.validation import payload_errors
from maestro.intake.webhooks import decisions_escalated_emit
from maestro.playbooks.models import KnownCounterparty
from maestro.playbooks.routing import CompiledPlaybook, DecisionFacts, route
from maestro.playbooks.selectors import playbook_compiled_for_process
from maestro.reviews.models import ReviewTask
from maestro.reviews.services import review_tasks_open_for_decisions


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


def decisions_intake(
    *,
    engagement: Engagement,
    items: Sequence[Mapping[str, Any]],
    actor: Actor,
    is_test: bool = False,
    payloads_checked: bool = False,
) -> list[IntakeResult]:
    """Route and store decisions posted by the engagement's agent; one result per item, in order.
    `actor` is the agent's API key (`Actor.for_key`): the audit trail names it as who assigned
    the review tasks. `is_test`: posted with a test key — routed and answered the same way,
    stored as test decisions, and never added to the process's known counterparties (a test
    key changes nothing a live decision is routed by).

    `items` are field-validated dicts (process id, case_ref, proposed_outcome, confidence as a
    Decimal 0–1, and optional decision_type name, category, amount, currency, counterparty,
    payload). Checked here: the process belongs to the engagement, the decision type exists in
    it, the payload fits (unless `payloads_checked`: the caller ran payload_errors on every
    item, as the API's validation does). A bad item gets its errors and the others are still
    accepted.

    Idempotent per (process, case_ref) and mode: a case ref seen before — in an earlier call,
    earlier in the same batch, or by a concurrent call that won the insert — answers with the
    first decision (`created=False`) and writes nothing.
    """
    results = [IntakeResult() for _item in items]
    process_ids = {item["process"] for item in items}
    processes, known, stamps = processes_and_known_counterparties(
        engagement=engagement,
        process_ids=process_ids,
        names={item["counterparty"] for item in items if item.get("counterparty")},
    )
    compiled = {
        pid: playbook_compiled_for_process(process=p, stamp=stamps[pid])
        for pid, p in processes.items()
    }
    type_names = {item["decision_type"] for item in items if item.get("decision_type")}
    type_ids = decision_types_by_name(engagement=engagement, names=type_names, compiled=compiled)

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
        if not payloads_checked:
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
        is_test=is_test,
        actor=actor,
    )


def _intake_valid(
    *, engagement, items, valid, results, processes, known, compiled, type_ids, is_test, actor
):
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
        if counterparty and counterparty not in process_known and not is_test:
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
            is_test=is_test,
        )

    tasks: dict[int, ReviewTask] = {}
    if not seen_counterparties and all(d.route == Decision.Route.AUTO for d in new.values()):
        # The common case: the insert is the only write, so it needs no outer transaction.
        created = decisions_insert(new, earlier, is_test=is_test)
    else:
        with transaction.atomic():
            created = decisions_insert(new, earlier, is_test=is_test)
            # Only counterparties of decisions stored now (not of retries answered earlier).
            seen = [seen_counterparties[k] for k in new if k in seen_counterparties]
            if seen:
                KnownCounterparty.objects.bulk_create(seen, ignore_conflicts=True)
            human = [d for d in created if d.route == Decision.Route.HUMAN]
            # Stored just now, so none has a task yet; the SLAs come with the compiled playbooks.
            sla_minutes = {
                p.version_id: p.sla_minutes for p in compiled.values() if p and p.version_id
            }
            tasks = (
                review_tasks_open_for_decisions(
                    decisions=human, fresh=True, sla_minutes=sla_minutes
                )
                if human
                else {}
            )
            review_tasks_assigned_record(engagement=engagement, tasks=tasks, actor=actor)
            decisions_escalated_emit(
                engagement=engagement, decisions=human, processes=processes, tasks=tasks
            )

    created_keys = {(d.process_id, d.case_ref) for d in created}
    for index in valid:
        key = (items[index]["process"], items[index]["case_ref"])
        if key in created_keys and first_index.get(key) == index:
            results[index] = answer_of_new(new[key], tasks, compiled, created=True)
        elif key in earlier:
            results[index] = answer_of_earlier(earlier[key])
        else:  # a repeat, later in this batch, of a case ref this batch created
            results[index] = answer_of_new(new[key], tasks, compiled, created=False)
    return results
