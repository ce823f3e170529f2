from django import forms
from django.utils.translation import gettext_lazy as _

from maestro.mapping.models import Process
from runbooks.models import Runbook
from runbooks.rendering import MAX_BODY_CHARS

BODY_HELP = _(
    "Markdown: headings, tables, ```code```, task lists (“- [ ] step”). Link another runbook "
    "with [[slug]] or [text](runbook:slug); images only from /static/ or /media/."
)


class RunbookCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Slug"), max_length=80, help_text=_("Its address and the name in [[slug]] links.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Runbook.Kind.choices)
    process = forms.ModelChoiceField(
        label=_("Process"),
        queryset=Process.objects.none(),
        required=False,
        empty_label=_("Not about one process"),
    )
    body = forms.CharField(
        label=_("Body"),
        required=False,
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=BODY_HELP,
    )

    def __init__(self, *args, processes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["process"].queryset = processes


class RunbookEditForm(forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Body"),
        required=False,
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 24, "class": "markdown-input"}),
        help_text=BODY_HELP,
    )
    message = forms.CharField(
        label=_("What changed"), max_length=500, help_text=_("Kept in the history.")
    )


class StepForm(forms.Form):
    done = forms.BooleanField(required=False)
    note = forms.CharField(required=False, max_length=5000)


class RunFinishForm(forms.Form):
    action = forms.ChoiceField(choices=[("complete", "complete"), ("abandon", "abandon")])
    note = forms.CharField(required=False, max_length=5000)
