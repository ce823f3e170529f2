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
    # Starts on the empty choice: an untagged failure must not look tagged, nor be tagged by
    # a submit that did not pick a cause.
    cause = forms.ChoiceField(
        label=_("Cause"), choices=[("", _("Choose a cause…")), *FailureReview.Cause.choices]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=5000)


class GateCriteriaForm(forms.Form):
    category_minimums = forms.CharField(
        label=_("Per-category minimums"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: category = minimum accuracy (%), e.g. “billing = 90”."),
    )
    critical_categories = forms.CharField(
        label=_("Critical categories"),
        required=False,
        help_text=_("Comma-separated, e.g. “compliance, security”."),
    )
    max_critical_misses = forms.IntegerField(
        label=_("Maximum misses in critical categories"), min_value=0, initial=0
    )

    def clean_category_minimums(self) -> dict[str, float]:
        minimums: dict[str, float] = {}
        for number, line in enumerate(self.cleaned_data["category_minimums"].splitlines(), 1):
            if not line.strip():
                continue
            category, sep, value = line.rpartition("=")
            try:
                minimum = float(value)
            except ValueError:
                minimum = -1.0
            if not sep or not category.strip() or not 0 <= minimum <= 100:
                raise forms.ValidationError(
                    _("Line %(n)d: write “category = a number from 0 to 100”.") % {"n": number}
                )
            minimums[category.strip()] = minimum
        return minimums

    def clean_critical_categories(self) -> list[str]:
        raw = self.cleaned_data["critical_categories"]
        return [c.strip() for c in raw.split(",") if c.strip()]


class FailureFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    cause = forms.ChoiceField(
        label=_("Cause"),
        required=False,
        choices=[
            ("", _("Any")),
            ("untagged", _("Not tagged yet")),
            *FailureReview.Cause.choices,
        ],
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Any")), *[(c, c) for c in categories]]
