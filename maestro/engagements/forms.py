from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from maestro.engagements.models import Engagement, Phase
from maestro.lib.forms import DecimalField
from maestro.lib.timezones import time_zone_choices
from maestro.tenancy.models import Client, PaperSize, User


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


def _person(user: User) -> str:
    """A consultant as the choice lists show them: the username is what the service's errors
    name, so it is always there."""
    full_name = user.get_full_name()
    return f"{full_name} ({user.username})" if full_name else user.username


class ConsultantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return _person(obj)


class ConsultantMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return _person(obj)


class _EngagementFieldsForm(forms.Form):
    """The fields the create and edit pages share. The forms only parse input; who may be lead
    or member, and name clashes, are the service's rules, and the view attaches its errors."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("Give the engagement a name.")},
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        help_text=_("What the agents will take on, in a sentence or two."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    target_accuracy = DecimalField(
        label=_("Target accuracy (%)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        initial=Decimal("85"),
        help_text=_(
            "The share of evaluation cases the agent must get right before deployment. Usually 85."
        ),
        error_messages={
            "required": _("Enter the target accuracy, a percentage from 0 to 100."),
            "invalid": _("Target accuracy must be a number, such as 85."),
            "min_value": _("Target accuracy must be a percentage from 0 to 100."),
            "max_value": _("Target accuracy must be a percentage from 0 to 100."),
        },
    )
    lead = ConsultantChoiceField(
        label=_("Lead consultant"),
        queryset=User.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Choose the lead consultant."),
            "invalid_choice": _("Choose the lead from the consultants listed."),
        },
    )
    members = ConsultantMultipleChoiceField(
        label=_("Consultant members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Consultants who work on it alongside the lead; they can change it too."),
        error_messages={
            "invalid_choice": _("Choose members from the consultants listed."),
        },
    )

    def __init__(self, *args, consultants: QuerySet[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = consultants
        self.fields["members"].queryset = consultants


class EngagementCreateForm(_EngagementFieldsForm):
    """Client choices are the clients the user consults for, so another tenant's client is
    never offered and posting its id is an invalid choice."""

    client = forms.ModelChoiceField(
        label=_("Client"),
        queryset=Client.objects.none(),
        empty_label=_("Choose a client"),
        error_messages={
            "required": _("Choose the client this engagement is for."),
            "invalid_choice": _("Choose one of the clients you consult for."),
        },
    )

    field_order = ["client", "name", "description", "target_accuracy", "lead", "members"]

    def __init__(self, *args, clients: QuerySet[Client], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        # A consultant with a single client should not have to pick it.
        only = list(clients[:2])
        if len(only) == 1:
            self.fields["client"].initial = only[0].pk


class EngagementEditForm(_EngagementFieldsForm):
    """The editable details. The client stays fixed, and the phase moves only through the
    transition page, so neither is here."""

    stance = forms.ChoiceField(
        label=_("Consultant stance"),
        choices=Engagement.Stance.choices,
        help_text=_(
            "Moving the phase sets the stance. Change it here when the engagement is run "
            "differently from what its phase suggests."
        ),
    )

    def __init__(self, *args, engagement: Engagement, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": engagement.name,
                "description": engagement.description,
                "target_accuracy": engagement.target_accuracy,
                "lead": engagement.lead_id,
                "members": [member.pk for member in engagement.members.all()],
                "stance": engagement.stance,
            },
        )
        super().__init__(*args, **kwargs)


class ClientSettingsForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("The client's days and weeks: daily scores, weekly reviews and check-ins."),
    )
    # Not required: a post of the time zone alone leaves the paper as it is.
    paper_size = forms.ChoiceField(
        label=_("Paper size"),
        required=False,
        choices=PaperSize.choices,
        help_text=_("The paper the handoff PDF is laid out for."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
