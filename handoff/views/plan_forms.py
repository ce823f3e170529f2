"""Forms of the skill-transfer plan pages. They parse what was typed; the services decide
(field messages come back onto the forms through maestro.lib.forms.form_errors)."""

from django import forms
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from handoff.models import Competency, SkillTransferPlan
from handoff.services.plans import NOTE_MAX, PLAN_FIELDS

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class _NoColon(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PlanForm(_NoColon):
    """The plan's cadence and bars; with `operators`, also whom it is for (a new plan)."""

    operator = forms.ModelChoiceField(label=_("Operator"), queryset=None, required=False)

    def __init__(self, *args, operators=None, plan: SkillTransferPlan | None = None, **kwargs):
        if plan is not None:
            kwargs.setdefault("initial", model_to_dict(plan, fields=PLAN_FIELDS))
        super().__init__(*args, **kwargs)
        for name, field in fields_for_model(SkillTransferPlan, fields=PLAN_FIELDS).items():
            self.fields[name] = field
        self.fields["weekday"] = forms.TypedChoiceField(
            label=_("Weekday"), choices=WEEKDAYS, coerce=int, initial=1
        )
        self.fields["local_time"].widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        self.fields["local_time"].help_text = _("In the client's time zone.")
        self.fields["starts_on"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["starts_on"].required = plan is not None
        if plan is None:
            self.fields["starts_on"].help_text = _("Empty: this week.")
        if operators is None:
            del self.fields["operator"]
        else:
            self.fields["operator"].queryset = operators
            self.fields["operator"].required = True
            self.fields["operator"].empty_label = None
            self.order_fields(["operator"])

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("starts_on") is None:
            data.pop("starts_on", None)
        return data


class CompetencyForm(_NoColon):
    def __init__(self, *args, competency: Competency | None = None, **kwargs):
        fields = ["name", "target_stage", "current_stage", "evidence"]
        if competency is not None:
            kwargs.setdefault("initial", model_to_dict(competency, fields=fields))
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Competency, fields=fields))
        self.fields["evidence"].widget.attrs["rows"] = 4
        self.fields["evidence"].help_text = _(
            "What the current stage rests on: check-in notes, shadow agreement, work done."
        )


class StanceStepForm(_NoColon):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why now: what the operator has shown, what changes for the client."),
    )


class CompetencyMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
