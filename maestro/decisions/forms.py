from django import forms

from maestro.decisions.models import Decision


class DecisionFilterForm(forms.Form):
    route = forms.ChoiceField(choices=[("", "Any route"), *Decision.Route.choices], required=False)
    process = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    mode = forms.ChoiceField(
        choices=[("", "Live and test"), ("live", "Live only"), ("test", "Test only")],
        required=False,
    )

    def __init__(self, *args, processes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["process"].choices = [("", "Any process")] + [(p.pk, p.name) for p in processes]


class AgentApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        help_text="Which agent uses it, e.g. “Ticket router (production)”.",
    )
    is_test = forms.BooleanField(
        label="Test key",
        required=False,
        help_text="Its decisions are routed and answered like live ones, but kept out of the "
        "metrics and economics, and can be removed at once. The key starts with mk_test_.",
    )
