import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from maestro.decisions.api.serializers import MAX_BATCH, BatchItemField
from maestro.decisions.models import Decision
from maestro.intake.services import payload_errors
from maestro.lib.numbers import parse_decimal
from maestro.lib.serializers import (
    SHARE_PLACES,
    AmountField,
    IdField,
    ShareField,
    StrictInputSerializer,
)


class PayloadField(serializers.JSONField):
    def to_internal_value(self, data):
        problems = payload_errors(data)
        if problems:
            raise serializers.ValidationError(problems)
        return data


class DecisionIntakeInputSerializer(StrictInputSerializer):
    process = IdField(help_text="Id of a process of the API key's engagement.")
    case_ref = serializers.CharField(
        max_length=200, help_text="The agent's id of the case; unique per process (idempotency)."
    )
    decision_type = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Name of a decision type of the engagement (optional).",
    )
    category = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    proposed_outcome = serializers.CharField(max_length=200)
    # Any precision: models emit 0.873456…; kept to 4 places (rounded half to even).
    confidence = ShareField(
        round_input=True, help_text="The agent's confidence; more than 4 places are rounded."
    )
    amount = AmountField(
        required=False,
        allow_null=True,
        default=None,
        help_text="0 to 9999999999999.99 (13 digits and 2 decimals).",
    )
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": "Give a three-letter currency code (ISO 4217), e.g. USD."},
    )
    counterparty = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    payload = PayloadField(
        required=False,
        default=dict,
        help_text="Any JSON object (at most 16 KiB serialized), shown to reviewers.",
    )

    def validate_currency(self, value: str) -> str:
        return value.upper()


# --- The common case without the serializer's machinery ------------------------------------

_FIELDS = frozenset(DecisionIntakeInputSerializer().fields)
_SURROGATES = re.compile("[\ud800-\udfff]")
_MAX_ID = 2**63 - 1
_UNSURE = object()
# Plain amounts only (what AmountField keeps unchanged but for the two decimals): others,
# e.g. "1e3" or 12.5 as a JSON number, go through the serializer.
_AMOUNT_TEXT = re.compile(r"[0-9]{1,13}(?:\.[0-9]{1,2})?")
_MAX_WHOLE_AMOUNT = 9_999_999_999_999
_CENTS = Decimal("0.01")
_SHARE_STEP = Decimal(10) ** -SHARE_PLACES


def _text(value: Any, *, blank: bool) -> Any:
    # What serializers.CharField(max_length=200) keeps: the text stripped, not blank unless
    # allowed, at most 200 characters, no NUL, no lone surrogate. Anything else: unsure.
    if type(value) is not str:
        return _UNSURE
    text = value.strip()
    if not text:
        return "" if blank else _UNSURE
    if len(text) > 200 or "\x00" in text:
        return _UNSURE
    if not text.isascii() and _SURROGATES.search(text):
        return _UNSURE
    return text


def _confidence(value: Any) -> Any:
    # ShareField(round_input=True): a decimal string or a JSON number, 0–1, rounded to 4 places.
    if type(value) not in (str, float, int):
        return _UNSURE
    try:
        number = parse_decimal(value)
    except ValueError:
        return _UNSURE
    if not 0 <= number <= 1:
        return _UNSURE
    return number.quantize(_SHARE_STEP, rounding=ROUND_HALF_EVEN)


def _amount(value: Any) -> Any:
    # AmountField for "1200", "1200.5", "1200.50" or a whole JSON number: 2 decimals.
    if value is None:
        return None
    if type(value) is str:
        text = value.strip()
        return Decimal(text).quantize(_CENTS) if _AMOUNT_TEXT.fullmatch(text) else _UNSURE
    if type(value) is int and 0 <= value <= _MAX_WHOLE_AMOUNT:
        return Decimal(value).quantize(_CENTS)
    return _UNSURE


def decision_intake_validated(data: Any) -> dict[str, Any] | None:
    """What DecisionIntakeInputSerializer validates `data` to, for decisions as agents send them
    (every field of the type it documents), or None when unsure: then run the serializer, which
    gives the same answer or its field errors. A batch of 1,000 validated through the serializer
    spent more time there than in routing and storing them together."""
    if type(data) is not dict or not data.keys() <= _FIELDS:
        return None
    process = data.get("process")
    if type(process) is not int or not 1 <= process <= _MAX_ID:
        return None
    confidence = _confidence(data.get("confidence"))
    amount = _amount(data.get("amount"))
    if confidence is _UNSURE or amount is _UNSURE:
        return None
    currency = data.get("currency", "")
    payload = data.get("payload", _UNSURE)
    if payload is _UNSURE:
        payload = {}
    elif type(payload) is not dict or payload_errors(payload):
        return None
    texts = (
        _text(data.get("case_ref"), blank=False),
        _text(data.get("decision_type", ""), blank=True),
        _text(data.get("category", ""), blank=True),
        _text(data.get("proposed_outcome"), blank=False),
        _text(data.get("counterparty", ""), blank=True),
        _text(currency, blank=True),
    )
    if _UNSURE in texts:
        return None
    case_ref, decision_type, category, proposed_outcome, counterparty, currency = texts
    if currency and not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        return None
    return {
        "process": process,
        "case_ref": case_ref,
        "decision_type": decision_type,
        "category": category,
        "proposed_outcome": proposed_outcome,
        "confidence": confidence,
        "amount": amount,
        "currency": currency.upper(),
        "counterparty": counterparty,
        "payload": payload,
    }


@extend_schema_field(DecisionIntakeInputSerializer)
class DecisionBatchItemField(BatchItemField):
    pass


class DecisionBatchInputSerializer(StrictInputSerializer):
    decisions = serializers.ListField(
        child=DecisionBatchItemField(), min_length=1, max_length=MAX_BATCH
    )


class DecisionIntakeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_ref = serializers.CharField()
    route = serializers.ChoiceField(choices=Decision.Route.choices)
    reasons = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    playbook_version = serializers.IntegerField(
        allow_null=True, help_text="Number of the playbook version that routed it."
    )
    review_task = serializers.IntegerField(allow_null=True)
    created = serializers.BooleanField(
        help_text="False when this (process, case_ref) was posted before: the first answer."
    )


class DecisionBatchItemOutputSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["accepted", "rejected"])
    id = serializers.IntegerField(required=False)
    case_ref = serializers.CharField(required=False)
    route = serializers.ChoiceField(choices=Decision.Route.choices, required=False)
    reasons = serializers.ListField(child=serializers.DictField(), required=False)
    playbook_version = serializers.IntegerField(allow_null=True, required=False)
    review_task = serializers.IntegerField(allow_null=True, required=False)
    created = serializers.BooleanField(required=False)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class DecisionBatchOutputSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = DecisionBatchItemOutputSerializer(many=True)
