"""Playbook rules: the rule kinds, their parameters and limits, and the validation that
turns the stored JSON into Rule objects (messages name the rule number, kind and field).
Pure: no ORM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from maestro.lib.json import nul_character_path
from maestro.lib.numbers import MAX_AMOUNT, parse_decimal

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

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
