from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from maestro.engagements.models import Engagement, Phase
from maestro.tenancy.models import Client


class EngagementFilterForm(forms.Form):
    """The list page's GET filters. Client choices are the user's own clients, so the form
    cannot be used to learn another tenant's slug."""

    phase = forms.ChoiceField(
        label=_("Phase"), required=False, choices=[("", _("All phases")), *Phase.choices]
    )
    client = forms.ModelChoiceField(
        label=_("Client"),
        required=False,
        queryset=Client.objects.none(),
        to_field_name="slug",
        empty_label=_("All clients"),
    )

    def __init__(self, *args, clients: QuerySet[Client], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients

    def filter(self, engagements: QuerySet[Engagement]) -> QuerySet[Engagement]:
        if not self.is_valid():
            return engagements
        if phase := self.cleaned_data["phase"]:
            engagements = engagements.filter(phase=phase)
        if client := self.cleaned_data["client"]:
            engagements = engagements.filter(client=client)
        return engagements

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


class TransitionForm(forms.Form):
    """Parses the move; every rule (override reason, notes on backward moves, gates) is the
    service's, and its errors are attached to these fields by the view."""

    to_phase = forms.ChoiceField(
        label=_("Move to"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose where to move the engagement.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        help_text=_("What happened in this phase. Required when moving back a phase."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    override = forms.BooleanField(
        label=_("Override the failing gate"),
        required=False,
        help_text=_("Only when the evidence lives outside Maestro. The reason is kept on record."),
    )
    override_reason = forms.CharField(
        label=_("Override reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, moves: list[dict], current_phase: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.moves = moves
        field = self.fields["to_phase"]
        field.choices = [(m["to_phase"], Phase(m["to_phase"]).label) for m in moves]
        field.error_messages["invalid_choice"] = _(
            "“%%(value)s” is not a move this engagement can make from %(phase)s."
        ) % {"phase": Phase(current_phase).label}
        # Preselect the way forward; a step back is never the default.
        field.initial = next((m["to_phase"] for m in moves if m["forward"]), None)

    def move_options(self) -> list[dict]:
        """Each legal move with its gate checks and whether it is the selected choice."""
        selected = self["to_phase"].value()
        return [
            {
                **move,
                "label": Phase(move["to_phase"]).label,
                "checked": move["to_phase"] == selected,
            }
            for move in self.moves
        ]
