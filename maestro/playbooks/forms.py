"""Page forms for escalation playbooks: the version form, one row per rule (a formset), and
the dry-run picker. They only shape input; playbook_version_create validates for real."""

from django import forms
from django.utils.translation import gettext_lazy as _

from maestro.lib.forms import DecimalField
from maestro.playbooks.routing import (
    AMOUNT_ABOVE,
    CATEGORY_IN,
    CONFIDENCE_BELOW,
    DECISION_TYPE_ALWAYS_HUMAN,
    NEW_COUNTERPARTY,
)

KIND_CHOICES = [
    ("", _("— no rule (leave empty or clear to remove) —")),
    (CONFIDENCE_BELOW, _("Confidence below a threshold")),
    (CATEGORY_IN, _("Category always goes to a human")),
    (AMOUNT_ABOVE, _("Amount above a limit")),
    (NEW_COUNTERPARTY, _("Counterparty never seen before")),
    (DECISION_TYPE_ALWAYS_HUMAN, _("Decision type marked always human")),
]
CHAIN_SLOTS = 4


class PlaybookRuleForm(forms.Form):
    position = forms.IntegerField(label=_("Order"), required=False, min_value=1, max_value=99)
    kind = forms.ChoiceField(label=_("Rule"), choices=KIND_CHOICES, required=False)
    threshold = forms.CharField(
        label=_("Threshold (0–1)"),
        required=False,
        max_length=10,
        help_text=_("Confidence rule only; empty = the playbook's default."),
    )
    categories = forms.CharField(
        label=_("Categories"),
        required=False,
        max_length=2000,
        help_text=_("Category rule only; comma-separated."),
    )
    amount = forms.CharField(label=_("Limit"), required=False, max_length=20)
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)

    def as_rule(self) -> dict | None:
        """The rule JSON for the service (it validates), or None for an empty row."""
        data = self.cleaned_data
        kind = data.get("kind")
        if not kind:
            return None
        rule: dict = {"kind": kind}
        if kind == CONFIDENCE_BELOW and data.get("threshold"):
            rule["threshold"] = data["threshold"]
        elif kind == CATEGORY_IN:
            rule["categories"] = [c for c in data.get("categories", "").split(",") if c.strip()]
        elif kind == AMOUNT_ABOVE:
            rule["amount"] = (data.get("amount") or "").replace(",", "")
            rule["currency"] = data.get("currency") or ""
        return rule

    @staticmethod
    def initial_for(rule: dict, position: int) -> dict:
        return {
            "position": position,
            "kind": rule["kind"],
            "threshold": rule.get("threshold", ""),
            "categories": ", ".join(rule.get("categories", [])),
            "amount": rule.get("amount", ""),
            "currency": rule.get("currency", ""),
        }


PlaybookRuleFormSet = forms.formset_factory(PlaybookRuleForm, extra=2, max_num=50)


class PlaybookVersionForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    default_threshold = DecimalField(
        label=_("Default confidence threshold"),
        min_value=0,
        max_value=1,
        max_digits=3,
        decimal_places=2,
        help_text=_(
            "0–1. Used by the confidence rule for decision types without their own threshold."
        ),
    )
    sla_minutes = forms.IntegerField(
        label=_("Review SLA (minutes)"),
        min_value=1,
        max_value=60 * 24 * 30,
        help_text=_("Time a human has to resolve an escalated decision before it escalates."),
    )
    message = forms.CharField(
        label=_("What changed"), max_length=300, required=False, help_text=_("Kept in history.")
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— nobody —"))] + [
            (str(user.pk), user.get_full_name() or user.get_username()) for user in people
        ]
        for slot in range(1, CHAIN_SLOTS + 1):
            self.fields[f"chain_{slot}"] = forms.TypedChoiceField(
                label=_("Escalation step %(n)d") % {"n": slot},
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
            )

    def chain_fields(self):
        return [self[f"chain_{slot}"] for slot in range(1, CHAIN_SLOTS + 1)]

    def chain(self) -> list[int]:
        picked = [self.cleaned_data.get(f"chain_{slot}") for slot in range(1, CHAIN_SLOTS + 1)]
        return [pk for pk in picked if pk is not None]


class DryRunForm(forms.Form):
    training_round = forms.TypedChoiceField(label=_("Training round"), coerce=int)
    version = forms.TypedChoiceField(label=_("Playbook version"), coerce=int)

    def __init__(self, *args, rounds, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training_round"].choices = [
            (r.pk, f"{r.dataset.name} · round {r.number} ({r.date:%Y-%m-%d})") for r in rounds
        ]
        self.fields["version"].choices = [
            (v.number, _("Version %(n)d") % {"n": v.number}) for v in versions
        ]


class KnownCounterpartyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("Exactly as the agent sends it: names are compared exactly."),
    )


class KnownCounterpartyImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, with a header line that has a “name” column; at most 10,000 rows. One bad "
            "row and nothing is added."
        ),
    )
