from django import forms
from django.utils.translation import gettext_lazy as _

from maestro.training.importers import FORMATS
from maestro.training.models import FailureReview

FORMAT_CHOICES = [("", _("From the file name")), *[(f, f.upper()) for f in FORMATS]]


class DatasetForm(forms.Form):
    process = forms.TypedChoiceField(label=_("Process"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=200)

    def __init__(self, *args, processes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["process"].choices = [(p.pk, p.name) for p in processes]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or JSONL, UTF-8)"))
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, required=False)


class RoundForm(UploadForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    what_changed = forms.CharField(
        label=_("What changed"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    file = forms.FileField(label=_("Agent outputs (case_ref, predicted_outcome, confidence)"))


class FailureReviewForm(forms.Form):
    cause = forms.ChoiceField(label=_("Cause"), choices=FailureReview.Cause.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=5000)
