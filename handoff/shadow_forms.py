"""Forms of the shadow review pages: the consultant's blind answer and the plan's shadow share."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from maestro.lib.forms import DecimalField

OTHER = "__other__"


class ShadowAnswerForm(forms.Form):
    """The consultant's outcome: one of the decision's known outcomes, or any other."""

    outcome = forms.ChoiceField(label=_("Your outcome"), widget=forms.RadioSelect)
    other_outcome = forms.CharField(
        label=_("Other outcome"),
        max_length=200,
        required=False,
        help_text=_("When none of the outcomes above fits."),
    )

    def __init__(self, *args, outcomes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [
            *((outcome, outcome) for outcome in outcomes),
            (OTHER, _("Other (type it below)")),
        ]

    def clean(self):
        data = super().clean()
        if data.get("outcome") == OTHER:
            if not (data.get("other_outcome") or "").strip():
                self.add_error("other_outcome", _("Type the outcome, or pick one above."))
            data["answer"] = (data.get("other_outcome") or "").strip()
        else:
            data["answer"] = data.get("outcome", "")
        return data


class ShadowShareForm(forms.Form):
    shadow_share = DecimalField(
        label=_("Shadow share (%)"),
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=2,
        max_digits=5,
        help_text=_(
            "Share of the operator's escalated decisions you also answer blind while the "
            "engagement is in handoff: 20 for one in five, 100 for all, 0 to stop."
        ),
    )
