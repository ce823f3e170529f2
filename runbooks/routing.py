"""The routing engine: a pure function of (playbook version, decision, known counterparties).

No ORM here. runbooks.selectors.playbook_compiled_for_process turns the newest PlaybookVersion
and the engagement's decision types into a CompiledPlaybook (two queries, whatever the size of
the playbook); decision intake and the dry run then call route() once per decision.

Rules are an ordered list; every rule that matches sends the decision to a human with a reason,
and all matching reasons are returned in rule order. No match means `auto`.

Semantics users rely on (also rendered in the playbook document and the README):
- confidence_below: the threshold is the decision type's own confidence threshold if it has
  one, else the rule's threshold if given, else the version's default threshold. Decision types
  with `full` autonomy are exempt: full autonomy means the agent acts whatever its confidence.
- amount_above: strictly above the limit. A decision whose amount is in a currency no
  amount rule covers (or has no currency) is escalated: it cannot be compared, so we fail
  closed. Decisions without an amount never match.
- new_counterparty: the exact counterparty name was never seen for this process; an empty
  counterparty never matches.
- category_in: case-insensitive, surrounding spaces ignored.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from maestro.lib.json import nul_character_path
from maestro.lib.numbers import MAX_AMOUNT, parse_decimal

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

AUTO = "auto"
HUMAN = "human"

CONFIDENCE_BELOW = "confidence_below"
CATEGORY_IN = "category_in"
AMOUNT_ABOVE = "amount_above"
NEW_COUNTERPARTY = "new_counterparty"
DECISION_TYPE_ALWAYS_HUMAN = "decision_type_always_human"

RULE_KINDS = (
    CONFIDENCE_BELOW,
    CATEGORY_IN,
    AMOUNT_ABOVE,
    NEW_COUNTERPARTY,
    DECISION_TYPE_ALWAYS_HUMAN,
)
# The parameters each kind accepts (required ones first); anything else is rejected.
RULE_PARAMS: dict[str, tuple[str, ...]] = {
    CONFIDENCE_BELOW: ("threshold",),
    CATEGORY_IN: ("categories",),
    AMOUNT_ABOVE: ("amount", "currency"),
    NEW_COUNTERPARTY: (),
    DECISION_TYPE_ALWAYS_HUMAN: (),
}
MAX_RULES = 50
MAX_CATEGORIES = 100
MAX_CATEGORY_LENGTH = 100

# Every reason code route() can give, in rule-kind order, with a short label for counts and
# charts (the dry run adds no_output for training cases the agent gave no answer for).
REASON_LABELS: dict[str, StrOrPromise] = {
    "confidence_below": _lazy("Confidence below threshold"),
    "category_always_human": _lazy("Always-human category"),
    "amount_above": _lazy("Amount above the limit"),
    "amount_currency_mismatch": _lazy("Amount in another currency"),
    "new_counterparty": _lazy("New counterparty"),
    "decision_type_always_human": _lazy("Always-human decision type"),
    "no_output": _lazy("No agent output"),
}

# Decision type autonomy levels (mirrors mapping.DecisionType.Autonomy without importing models).
AUTONOMY_FULL = "full"
AUTONOMY_REVIEW = "review_below_threshold"
AUTONOMY_ALWAYS_HUMAN = "always_human"


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


@dataclass(frozen=True, slots=True)
class Rule:
    """One validated rule. `categories` are stored lower-cased for matching."""

    kind: str
    threshold: Decimal | None = None
    categories: tuple[str, ...] = ()
    amount: Decimal | None = None
    currency: str = ""

    def as_json(self) -> dict[str, Any]:
        """The JSON stored in PlaybookVersion.rules (Decimals as strings: JSONField can't
        encode Decimal, and strings keep the exact value)."""
        data: dict[str, Any] = {"kind": self.kind}
        if self.kind == CONFIDENCE_BELOW and self.threshold is not None:
            data["threshold"] = str(self.threshold)
        elif self.kind == CATEGORY_IN:
            data["categories"] = list(self.categories)
        elif self.kind == AMOUNT_ABOVE:
            data["amount"] = str(self.amount)
            data["currency"] = self.currency
        return data


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


# --- Validation ------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    try:
        return parse_decimal(value)
    except ValueError:
        return None


def _rule_error(errors: list[ValidationError], index: int, kind: str, message: str) -> None:
    label = _("Rule %(number)d (%(kind)s)") % {"number": index + 1, "kind": kind or "?"}
    errors.append(
        ValidationError(
            "%(label)s: %(message)s",
            code="invalid_rule",
            params={"label": label, "message": message},
        )
    )


def _compile_one(raw: Any, index: int, errors: list[ValidationError]) -> Rule | None:
    if not isinstance(raw, Mapping):
        _rule_error(errors, index, "", _("must be an object with a 'kind'."))
        return None
    kind = raw.get("kind")
    if kind not in RULE_KINDS:
        _rule_error(
            errors,
            index,
            str(kind or "")[:40],
            _("'kind' must be one of: %(kinds)s.") % {"kinds": ", ".join(RULE_KINDS)},
        )
        return None
    unknown = sorted(str(k) for k in raw if k != "kind" and k not in RULE_PARAMS[kind])
    if unknown:
        _rule_error(
            errors, index, kind, _("unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)}
        )
        return None
    before = len(errors)
    if kind == CONFIDENCE_BELOW:
        threshold = None
        if raw.get("threshold") not in (None, ""):
            threshold = _decimal(raw["threshold"])
            if threshold is None or not (0 <= threshold <= 1):
                _rule_error(errors, index, kind, _("'threshold' must be a number from 0 to 1."))
            elif threshold.as_tuple().exponent < -4:  # type: ignore[operator]
                _rule_error(errors, index, kind, _("'threshold' has more than 4 decimals."))
        return Rule(kind=kind, threshold=threshold) if len(errors) == before else None
    if kind == CATEGORY_IN:
        raw_categories = raw.get("categories")
        if isinstance(raw_categories, str):
            raw_categories = raw_categories.split(",")
        if not isinstance(raw_categories, Sequence) or not all(
            isinstance(c, str) for c in raw_categories
        ):
            _rule_error(errors, index, kind, _("'categories' must be a list of names."))
            return None
        categories: list[str] = []
        for name in raw_categories:
            name = name.strip().lower()
            if name and name not in categories:
                categories.append(name)
        if not categories:
            _rule_error(errors, index, kind, _("'categories' needs at least one category."))
        elif len(categories) > MAX_CATEGORIES:
            _rule_error(
                errors, index, kind, _("'categories' has more than %d names.") % MAX_CATEGORIES
            )
        elif any(len(c) > MAX_CATEGORY_LENGTH for c in categories):
            _rule_error(
                errors,
                index,
                kind,
                _("each category must be at most %d characters.") % MAX_CATEGORY_LENGTH,
            )
        return Rule(kind=kind, categories=tuple(categories)) if len(errors) == before else None
    if kind == AMOUNT_ABOVE:
        amount = _decimal(raw.get("amount"))
        if amount is None or amount < 0 or amount > MAX_AMOUNT:
            _rule_error(
                errors,
                index,
                kind,
                _("'amount' must be a number from 0 to %(max)s.") % {"max": f"{MAX_AMOUNT:,}"},
            )
        elif amount.as_tuple().exponent < -2:  # type: ignore[operator]
            _rule_error(errors, index, kind, _("'amount' has more than 2 decimals."))
        currency = raw.get("currency")
        currency = currency.strip().upper() if isinstance(currency, str) else ""
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            _rule_error(errors, index, kind, _("'currency' must be a 3-letter code such as USD."))
        if len(errors) != before or amount is None:
            return None
        return Rule(kind=kind, amount=amount.quantize(Decimal("0.01")), currency=currency)
    return Rule(kind=kind)


def compile_rules(rules: Any) -> tuple[Rule, ...]:
    """Validate the rules JSON and return Rule objects. Raises ValidationError whose messages
    name the rule (1-based number and kind) and the field."""
    if not isinstance(rules, Sequence) or isinstance(rules, str | bytes):
        raise ValidationError(_("Rules must be a list."), code="invalid_rules")
    if len(rules) > MAX_RULES:
        raise ValidationError(
            _("A playbook has at most %d rules.") % MAX_RULES, code="too_many_rules"
        )
    errors: list[ValidationError] = []
    compiled = [_compile_one(raw, index, errors) for index, raw in enumerate(rules)]
    if errors:
        raise ValidationError(errors)
    return tuple(rule for rule in compiled if rule is not None)


def validate_rules(rules: Any) -> list[dict[str, Any]]:
    """Normalise and validate a rules list; returns the JSON to store (amounts and thresholds
    as strings, currency upper-case, categories lower-case and de-duplicated)."""
    stored = [rule.as_json() for rule in compile_rules(rules)]
    # PostgreSQL cannot store U+0000 in jsonb; refuse it here rather than fail the insert.
    for index, rule in enumerate(stored, 1):
        path = nul_character_path(rule)
        if path is not None:
            raise ValidationError(
                _("Rule %(index)d (%(kind)s): '%(path)s' contains a NUL character.")
                % {"index": index, "kind": rule.get("kind", ""), "path": path}
            )
    return stored


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
