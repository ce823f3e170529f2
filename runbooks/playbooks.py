"""Escalation playbook services: new versions and the dry run against a training round.

Kept apart from runbooks/services.py (runbook documents and runs) so neither module outgrows
the ~400-line budget; the routing itself is the pure runbooks.routing.
"""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, FilteredRelation, Q
from django.utils.translation import gettext as _

from maestro.decisions.models import KnownCounterparty
from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import DomainError, StateConflict
from maestro.lib.numbers import parse_decimal
from maestro.mapping.models import Process
from maestro.tenancy.models import User
from maestro.training.models import EvaluationCase, TrainingRound
from runbooks.models import EscalationPlaybook, PlaybookVersion
from runbooks.routing import (
    HUMAN,
    REASON_LABELS,
    CompiledPlaybook,
    DecisionFacts,
    route,
    validate_rules,
)
from runbooks.selectors import (
    playbook_chain_candidates,
    playbook_compile,
    playbook_compiled_for_process,
)

MAX_CHAIN = 10
MAX_SLA_MINUTES = 60 * 24 * 30
NO_OUTPUT = "no_output"
# How often a dry run reports its progress: often enough for a bar, rarely enough to cost
# nothing next to the routing (20 reports for 100,000 cases).
PROGRESS_EVERY = 5000


def _threshold(value: Any) -> Decimal:
    try:
        number = parse_decimal(value)
    except ValueError:
        number = Decimal("NaN")
    if not number.is_finite() or not (0 <= number <= 1):
        raise ValidationError(
            {"default_threshold": [_("The default threshold must be a number from 0 to 1.")]}
        )
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError(
            {"default_threshold": [_("The default threshold has at most 2 decimals (0.85).")]}
        )
    return number


def _chain(process: Process, chain: Sequence[Any]) -> list[int]:
    """User ids, in order, each an operator or consultant of this engagement's client (or the
    engagement's lead / consultant members); sponsors and strangers are refused."""
    if not isinstance(chain, Sequence) or isinstance(chain, str):
        raise ValidationError({"escalation_chain": [_("Give a list of user ids.")]})
    ids: list[int] = []
    for raw in chain:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            raise ValidationError(
                {"escalation_chain": [_("'%(value)s' is not a user id.") % {"value": raw}]}
            ) from None
        if pk in ids:
            raise ValidationError(
                {"escalation_chain": [_("User %(id)d appears twice in the chain.") % {"id": pk}]}
            )
        ids.append(pk)
    if len(ids) > MAX_CHAIN:
        raise ValidationError(
            {"escalation_chain": [_("The chain has at most %d people.") % MAX_CHAIN]}
        )
    allowed = {user.pk for user in playbook_chain_candidates(engagement=process.engagement)}
    strangers = [pk for pk in ids if pk not in allowed]
    if strangers:
        raise ValidationError(
            {
                "escalation_chain": [
                    _(
                        "User(s) %(ids)s are not operators or consultants of this engagement; "
                        "only they can take escalated tasks."
                    )
                    % {"ids": ", ".join(str(pk) for pk in strangers)}
                ]
            }
        )
    return ids


@transaction.atomic
def playbook_version_create(
    *,
    process: Process,
    by: User,
    default_threshold: Any,
    rules: Any,
    sla_minutes: int,
    escalation_chain: Sequence[Any],
    message: str = "",
    base_version: int | None = None,
) -> PlaybookVersion:
    """Save a new immutable version (creating the playbook on the first save). Consultants
    only. `base_version`, when given, is the version the editor started from: if someone
    saved meanwhile the save is refused (version_conflict) instead of silently replacing it.
    """
    require_engagement_manager(
        by,
        process.engagement,
        message=_("Only the engagement's consultants can edit escalation playbooks."),
    )
    errors: dict[str, list[str]] = {}
    threshold = normalised_rules = chain = None
    try:
        threshold = _threshold(default_threshold)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        normalised_rules = validate_rules(rules)
    except ValidationError as exc:
        errors["rules"] = exc.messages
    try:
        chain = _chain(process, escalation_chain)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not isinstance(sla_minutes, int) or not (1 <= sla_minutes <= MAX_SLA_MINUTES):
        errors["sla_minutes"] = [
            _("The review SLA must be between 1 minute and %d minutes (30 days).") % MAX_SLA_MINUTES
        ]
    if len(message or "") > 300:
        errors["message"] = [_("Keep the message under 300 characters.")]
    if errors:
        raise ValidationError(errors)
    assert threshold is not None and normalised_rules is not None and chain is not None

    playbook, _created = EscalationPlaybook.objects.get_or_create(process=process)
    # The lock serialises concurrent saves of one playbook, so numbers stay 1, 2, 3 ...
    EscalationPlaybook.objects.select_for_update().filter(pk=playbook.pk).first()
    current = (
        PlaybookVersion.objects.filter(playbook=playbook)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    ) or 0
    if base_version is not None and base_version != current:
        raise StateConflict(
            _(
                "Version %(current)d was saved while you were editing version %(base)d; "
                "reload the playbook and apply your change again."
            )
            % {"current": current, "base": base_version},
            code="version_conflict",
        )
    version = PlaybookVersion(
        playbook=playbook,
        number=current + 1,
        default_threshold=threshold,
        rules=normalised_rules,
        sla_minutes=sla_minutes,
        escalation_chain=chain,
        message=(message or "").strip(),
        created_by=by,
    )
    # rules are validated above; an empty list is a valid playbook (everything auto), which
    # the JSONField's blank check would refuse.
    version.full_clean(exclude=["rules"], validate_unique=False, validate_constraints=False)
    version.save()
    return version


# --- Dry run ---------------------------------------------------------------------------------


@dataclass
class DryRunResult:
    version_number: int
    round_id: int
    cases: int = 0
    human: int = 0
    auto: int = 0
    auto_correct: int = 0
    # Reason code → number of cases it escalated (a case with two reasons counts for both).
    reason_counts: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DryRunResult":
        return cls(**data)

    @property
    def human_share(self) -> float | None:
        return round(100.0 * self.human / self.cases, 2) if self.cases else None

    @property
    def auto_share(self) -> float | None:
        return round(100.0 * self.auto / self.cases, 2) if self.cases else None

    @property
    def auto_accuracy(self) -> float | None:
        return round(100.0 * self.auto_correct / self.auto, 2) if self.auto else None

    @property
    def reasons(self) -> list[dict[str, Any]]:
        """Most frequent first; ties in the engine's reason order."""
        order = list(REASON_LABELS)
        rows = sorted(
            self.reason_counts.items(),
            key=lambda item: (-item[1], order.index(item[0]) if item[0] in order else 99),
        )
        return [
            {
                "code": code,
                "label": REASON_LABELS.get(code, code),
                "count": count,
                "share": round(100.0 * count / self.cases, 2) if self.cases else None,
            }
            for code, count in rows
        ]


def no_playbook_error() -> DomainError:
    return DomainError(
        _("This process has no escalation playbook yet; save one before a dry run."),
        code="no_playbook",
    )


def playbook_dry_run(
    *,
    training_round: TrainingRound,
    version: PlaybookVersion | None = None,
    compiled: CompiledPlaybook | None = None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> DryRunResult:
    """Route every case of the round's dataset as if it arrived live, with the round's output
    as the agent's proposal. A case without an output goes to a human (reason no_output), as
    in the training threshold sweep. "Seen before" counterparties start from the process's
    known counterparties and grow in decided_at order (then case order), as they would live.

    Streams the rows (one query) so memory stays flat for 100k cases; only the set of
    counterparty names seen grows. `progress`, if given, is called with the number of cases
    routed so far after every `progress_every` cases (runbooks.dry_runs shows it).
    """
    process = Process.objects.select_related("engagement").get(
        datasets__pk=training_round.dataset_id
    )
    if version is not None:
        if version.playbook.process_id != process.pk:
            raise DomainError(
                _("That playbook version belongs to another process."), code="wrong_process"
            )
        compiled = playbook_compile(version=version, engagement_id=process.engagement_id)
    if compiled is None:
        compiled = playbook_compiled_for_process(process=process)
    if compiled is None:
        raise no_playbook_error()
    known = set(KnownCounterparty.objects.filter(process=process).values_list("name", flat=True))
    result = DryRunResult(version_number=compiled.number, round_id=training_round.pk)
    counts = result.reason_counts
    rows = (
        EvaluationCase.objects.filter(dataset_id=training_round.dataset_id)
        .annotate(out=FilteredRelation("outputs", condition=Q(outputs__round=training_round)))
        .order_by(F("decided_at").asc(nulls_last=True), "id")
        .values_list(
            "decision_type",
            "category",
            "amount",
            "currency",
            "counterparty",
            "correct_outcome",
            "out__predicted_outcome",
            "out__confidence",
        )
    )
    for (
        type_name,
        category,
        amount,
        currency,
        counterparty,
        correct,
        predicted,
        conf,
    ) in rows.iterator(chunk_size=2000):
        result.cases += 1
        if predicted is None:
            result.human += 1
            counts[NO_OUTPUT] = counts.get(NO_OUTPUT, 0) + 1
        else:
            facts = DecisionFacts(
                decision_type=type_name or None,
                category=category,
                confidence=Decimal(str(conf)),
                amount=amount,
                currency=currency,
                counterparty=counterparty,
            )
            routing = route(compiled, facts, known_counterparties=known, explain=False)
            if routing.route == HUMAN:
                result.human += 1
                for reason in routing.reasons:
                    counts[reason.code] = counts.get(reason.code, 0) + 1
            else:
                result.auto += 1
                result.auto_correct += predicted == correct
        if counterparty:
            known.add(counterparty)
        if progress is not None and result.cases % progress_every == 0:
            progress(result.cases)
    return result
