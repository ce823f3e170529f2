from django import forms
from django.utils.translation import gettext_lazy as _

from maestro.webhooks.models import SUBSCRIBABLE_EVENT_CHOICES


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Maestro POSTs signed JSON here (http:// or https://)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=SUBSCRIBABLE_EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The endpoint receives only the events ticked here."),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Switched off, it receives nothing and its pending deliveries fail."),
    )
