"""Routing one decision with a compiled playbook version: every matching rule sends it to a
human with a reason. Pure: no ORM (the semantics are in the package docstring)."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from maestro.playbooks.routing.rules import (
    AMOUNT_ABOVE,
    AUTONOMY_ALWAYS_HUMAN,
    AUTONOMY_FULL,
    CATEGORY_IN,
    CONFIDENCE_BELOW,
    DECISION_TYPE_ALWAYS_HUMAN,
    NEW_COUNTERPARTY,
    Rule,
    compile_rules,
)

AUTO = "auto"
HUMAN = "human"


@dataclass(frozen=True, slots=True)
class DecisionFacts:
    decision_type: str | None
    category: str
    confidence: Decimal
    amount: Decimal | None
    currency: str
    counterparty: str


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Routing:
    route: str  # AUTO or HUMAN
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class DecisionTypeInfo:
    id: int
    autonomy: str
    threshold: Decimal | None


@dataclass(frozen=True)
class CompiledPlaybook:
    """A playbook version ready to route. `rules` may be given as the stored JSON dicts or as
    Rule objects; dicts are validated and compiled once, here."""

    version_id: int | None
    number: int
    default_threshold: Decimal
    rules: tuple[Rule, ...]
    sla_minutes: int = 240
    escalation_chain: tuple[int, ...] = ()
    decision_types: Mapping[str, DecisionTypeInfo] = field(default_factory=dict)
    # Currencies that some amount_above rule covers; derived, see route().
    amount_currencies: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        rules = tuple(self.rules)
        if any(not isinstance(rule, Rule) for rule in rules):
            rules = compile_rules(rules)
        object.__setattr__(self, "rules", rules)
        object.__setattr__(self, "default_threshold", Decimal(self.default_threshold))
        object.__setattr__(self, "escalation_chain", tuple(self.escalation_chain))
        object.__setattr__(
            self,
            "amount_currencies",
            frozenset(r.currency for r in rules if r.kind == AMOUNT_ABOVE),
        )


# --- Routing ---------------------------------------------------------------------------------


def percent(value: Decimal) -> str:
    """0.8 → '80%', 0.725 → '72.5%'."""
    number = (Decimal(value) * 100).quantize(Decimal("0.01")).normalize()
    return f"{number:f}%"


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}".strip()


def effective_threshold(
    playbook: CompiledPlaybook, rule: Rule, info: DecisionTypeInfo | None
) -> Decimal | None:
    """The threshold that applies to a decision of this type, or None when the type is exempt
    (full autonomy)."""
    if info is not None:
        if info.autonomy == AUTONOMY_FULL:
            return None
        if info.threshold is not None:
            return Decimal(info.threshold)
    if rule.threshold is not None:
        return rule.threshold
    return playbook.default_threshold


def _message(code: str, facts: DecisionFacts, rule: Rule, threshold: Decimal | None) -> str:
    currency = (facts.currency or "").strip().upper()
    if code == "confidence_below":
        values = {
            "confidence": percent(facts.confidence),
            "threshold": percent(threshold or Decimal(0)),
        }
        if facts.decision_type:
            return _(
                "Confidence %(confidence)s is below the %(threshold)s threshold for '%(type)s'"
            ) % {**values, "type": facts.decision_type}
        return _("Confidence %(confidence)s is below the %(threshold)s threshold") % values
    if code == "category_always_human":
        return _("Category '%(category)s' always goes to a human") % {
            "category": facts.category.strip()
        }
    if code == "amount_above":
        assert facts.amount is not None and rule.amount is not None
        return _("Amount %(amount)s is above the %(limit)s limit") % {
            "amount": money(facts.amount, currency),
            "limit": money(rule.amount, rule.currency),
        }
    if code == "amount_currency_mismatch":
        assert rule.amount is not None
        limit = money(rule.amount, rule.currency)
        if currency:
            return _("Amount in %(currency)s cannot be compared with the %(limit)s limit") % {
                "currency": currency,
                "limit": limit,
            }
        return _("Amount without a currency cannot be compared with the %(limit)s limit") % {
            "limit": limit
        }
    if code == "new_counterparty":
        return _("Counterparty '%(name)s' has never been seen before for this process") % {
            "name": facts.counterparty
        }
    return _("Decision type '%(type)s' always goes to a human") % {"type": facts.decision_type}


def route(
    playbook: CompiledPlaybook,
    facts: DecisionFacts,
    *,
    known_counterparties: Container[str],
    explain: bool = True,
) -> Routing:
    """Route one decision. With explain=False the reasons carry codes only (empty messages):
    the dry run routes 100k cases and only counts codes, and the messages are most of the
    cost."""
    info = playbook.decision_types.get(facts.decision_type) if facts.decision_type else None
    matches: list[tuple[str, Rule, Decimal | None]] = []
    currency = (facts.currency or "").strip().upper()
    currency_reported = False
    for rule in playbook.rules:
        kind = rule.kind
        if kind == CONFIDENCE_BELOW:
            threshold = effective_threshold(playbook, rule, info)
            if threshold is not None and facts.confidence < threshold:
                matches.append(("confidence_below", rule, threshold))
        elif kind == CATEGORY_IN:
            category = (facts.category or "").strip().lower()
            if category and category in rule.categories:
                matches.append(("category_always_human", rule, None))
        elif kind == AMOUNT_ABOVE:
            if facts.amount is None:
                continue
            assert rule.amount is not None
            if currency == rule.currency:
                if facts.amount > rule.amount:
                    matches.append(("amount_above", rule, None))
            elif currency not in playbook.amount_currencies and not currency_reported:
                # Fail closed, once: no rule can compare this amount.
                currency_reported = True
                matches.append(("amount_currency_mismatch", rule, None))
        elif kind == NEW_COUNTERPARTY:
            if facts.counterparty and facts.counterparty not in known_counterparties:
                matches.append(("new_counterparty", rule, None))
        elif kind == DECISION_TYPE_ALWAYS_HUMAN:
            if info is not None and info.autonomy == AUTONOMY_ALWAYS_HUMAN:
                matches.append(("decision_type_always_human", rule, None))
    reasons = tuple(
        Reason(code, _message(code, facts, rule, threshold) if explain else "")
        for code, rule, threshold in matches
    )
    return Routing(route=HUMAN if reasons else AUTO, reasons=reasons)
