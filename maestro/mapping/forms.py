from django import forms

from maestro.lib.forms import DecimalField
from maestro.mapping.models import DecisionType, Process


class ProcessForm(forms.ModelForm):
    class Meta:
        model = Process
        fields = ["name", "description", "volume_per_day", "minutes_per_case", "owner_team"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("volume_per_day", "minutes_per_case"):
            self.fields[name].required = False  # unknown yet is fine: it counts as 0

    def clean_volume_per_day(self) -> int:
        return self.cleaned_data["volume_per_day"] or 0

    def clean_minutes_per_case(self) -> int:
        return self.cleaned_data["minutes_per_case"] or 0


class DecisionTypeForm(forms.ModelForm):
    class Meta:
        model = DecisionType
        fields = [
            "name",
            "autonomy",
            "confidence_threshold",
            "exposure_amount",
            "exposure_currency",
            "compliance",
            "reputational_note",
            "description",
        ]
        widgets = {
            "reputational_note": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }
        field_classes = {"confidence_threshold": DecimalField, "exposure_amount": DecimalField}
