"""Forms of the drift-alert pages. Thresholds are typed as percents here (90 for 90%) and
handed to the services as shares 0–1, as the API takes them."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from maestro.lib.forms import DecimalField
from maestro.monitoring.models import AlertEpisode, AlertRule

_HUNDRED = Decimal(100)


def _percent_field(label, *, required: bool = True, help_text=""):
    return DecimalField(
        label=label,
        required=required,
        min_value=0,
        max_value=100,
        decimal_places=2,
        max_digits=5,
        help_text=help_text,
    )


def _share(percent: Decimal | None) -> Decimal | None:
    return None if percent is None else (percent / _HUNDRED).quantize(Decimal("0.0001"))


def _percent(share: Decimal | None) -> Decimal | None:
    return None if share is None else (share * _HUNDRED).normalize()


class _NoColon(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class AlertFilterForm(_NoColon):
    state = forms.ChoiceField(label=_("State"), required=False)
    process = forms.TypedChoiceField(label=_("Process"), required=False, coerce=int)
    kind = forms.ChoiceField(label=_("Rule"), required=False)
    silenced = forms.ChoiceField(
        label=_("Silenced"),
        required=False,
        choices=[("", _("Either")), ("yes", _("Silenced")), ("no", _("Not silenced"))],
    )

    def __init__(self, *args, processes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Any")), *AlertEpisode.State.choices]
        self.fields["process"].choices = [("", _("Any")), *((p.pk, p.name) for p in processes)]
        self.fields["kind"].choices = [("", _("Any")), *AlertRule.Kind.choices]

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "state": data.get("state") or None,
            "process_id": data.get("process") or None,
            "kind": data.get("kind") or None,
            "silenced": {"yes": True, "no": False}.get(data.get("silenced") or ""),
        }


class AlertRuleForm(_NoColon):
    process = forms.ModelChoiceField(label=_("Process"), queryset=None, empty_label=None)
    category = forms.CharField(
        label=_("Category"),
        required=False,
        max_length=200,
        help_text=_("Leave blank to watch the whole process."),
    )
    kind = forms.ChoiceField(label=_("Rule"), choices=AlertRule.Kind.choices)
    threshold = _percent_field(
        _("Threshold (%)"),
        help_text=_(
            "The floor or ceiling in percent (90 for 90%), the drop in points, or the band's "
            "lower end."
        ),
    )
    threshold_high = _percent_field(
        _("Band's upper end (%)"),
        required=False,
        help_text=_("Escalation band only."),
    )
    for_days = forms.IntegerField(
        label=_("For (scored days)"),
        min_value=1,
        max_value=30,
        initial=1,
        help_text=_("The condition must hold this many scored days in a row before it fires."),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, processes, rule: AlertRule | None = None, **kwargs):
        if rule is not None:
            kwargs.setdefault(
                "initial",
                {
                    "process": rule.process_id,
                    "category": rule.category,
                    "kind": rule.kind,
                    "threshold": _percent(rule.threshold),
                    "threshold_high": _percent(rule.threshold_high),
                    "for_days": rule.for_days,
                    "enabled": rule.enabled,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["process"].queryset = processes

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["threshold"] = _share(data["threshold"])
        data["threshold_high"] = _share(data.get("threshold_high"))
        return data


class SilenceForm(_NoColon):
    process = forms.ModelChoiceField(label=_("Process"), queryset=None, empty_label=None)
    rule = forms.ModelChoiceField(
        label=_("Rule"),
        queryset=None,
        required=False,
        empty_label=_("Every rule of the process"),
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: a planned policy change."),
    )

    def __init__(self, *args, processes, rules, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["process"].queryset = processes
        self.fields["rule"].queryset = rules
        self.fields["rule"].label_from_instance = lambda rule: (
            f"{rule.process.name}{' · ' + rule.category if rule.category else ''} — "
            f"{rule.get_kind_display()}"
        )
        self.fields["ends_at"].help_text = _("In the client's time zone, %(zone)s.") % {
            "zone": time_zone
        }


class AcknowledgeForm(_NoColon):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what you are doing about it."),
    )
