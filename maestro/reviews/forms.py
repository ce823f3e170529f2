from django import forms
from django.utils.translation import gettext_lazy as _

OTHER = "__other__"


class ResolveForm(forms.Form):
    """The final outcome: one of the known outcomes, or any other in free text."""

    outcome = forms.ChoiceField(label=_("Final outcome"), widget=forms.RadioSelect)
    other_outcome = forms.CharField(
        label=_("Other outcome"),
        max_length=200,
        required=False,
        help_text=_("When none of the outcomes above fits."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why, especially when you overrule the agent."),
    )
    flag_edge_case = forms.BooleanField(label=_("Flag as edge case"), required=False)
    edge_case_note = forms.CharField(
        label=_("What makes it an edge case"), max_length=5000, required=False
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
            data["final_outcome"] = (data.get("other_outcome") or "").strip()
        else:
            data["final_outcome"] = data.get("outcome", "")
        if data.get("flag_edge_case") and not (data.get("edge_case_note") or "").strip():
            self.add_error("edge_case_note", _("Say what makes this decision an edge case."))
        return data


class ReassignForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("Reassign to"), queryset=None)
    note = forms.CharField(label=_("Note to the new assignee"), required=False, max_length=5000)

    def __init__(self, *args, assignees, **kwargs):
        # Its own ids: the task page also holds the resolve form, which has a `note` too.
        super().__init__(*args, auto_id="reassign_%s", **kwargs)
        self.fields["to_user"].queryset = assignees


class EdgeCaseFlagForm(forms.Form):
    note = forms.CharField(label=_("What makes it an edge case"), max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="flag_%s", **kwargs)


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    assignee = forms.TypedChoiceField(label=_("Assignee"), required=False, coerce=int)
    overdue = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Overdue")), ("no", _("Not overdue"))],
    )

    def __init__(self, *args, statuses, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any")), *statuses]
        self.fields["assignee"].choices = [("", _("Anyone")), *((u.pk, str(u)) for u in assignees)]
