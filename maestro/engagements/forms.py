from django import forms
from django.utils.translation import gettext_lazy as _


class TransitionForm(forms.Form):
    to_phase = forms.ChoiceField(label=_("Move to"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    override = forms.BooleanField(label=_("Override the failing gate"), required=False)
    override_reason = forms.CharField(
        label=_("Override reason"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, moves: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_phase"].choices = [(m["to_phase"], m["to_phase"].title()) for m in moves]

    def clean(self):
        data = super().clean()
        if data.get("override") and not (data.get("override_reason") or "").strip():
            self.add_error("override_reason", _("Overriding a gate needs a reason."))
        return data
