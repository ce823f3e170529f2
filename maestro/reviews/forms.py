from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from maestro.playbooks.routing.rules import REASON_LABELS
from maestro.reviews.models import ReviewTask
from maestro.reviews.selectors import QueueFilters
from maestro.reviews.services import MAX_BULK_REASSIGN

OTHER = "__other__"


class ResolveForm(forms.Form):
    """The final outcome: one of the known outcomes, or any other in free text."""

    outcome = forms.ChoiceField(label=_("Final outcome"), widget=forms.RadioSelect)
    other_outcome = forms.CharField(
        label=_("Other outcome"),
        max_length=200,
        required=False,
        help_text=_("When none of the outcomes above fits."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why, especially when you overrule the agent."),
    )
    flag_edge_case = forms.BooleanField(label=_("Flag as edge case"), required=False)
    edge_case_note = forms.CharField(
        label=_("What makes it an edge case"), max_length=5000, required=False
    )

    def __init__(self, *args, outcomes: list[str], flaggable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not flaggable:  # only a decision can be an edge case
            del self.fields["flag_edge_case"], self.fields["edge_case_note"]
        self.fields["outcome"].choices = [
            *((outcome, outcome) for outcome in outcomes),
            (OTHER, _("Other (type it below)")),
        ]

    def clean(self):
        data = super().clean()
        if data.get("outcome") == OTHER:
            if not (data.get("other_outcome") or "").strip():
                self.add_error("other_outcome", _("Type the outcome, or pick one above."))
            data["final_outcome"] = (data.get("other_outcome") or "").strip()
        else:
            data["final_outcome"] = data.get("outcome", "")
        if "flag_edge_case" not in self.fields:
            data["flag_edge_case"], data["edge_case_note"] = False, ""
        elif data.get("flag_edge_case") and not (data.get("edge_case_note") or "").strip():
            self.add_error("edge_case_note", _("Say what makes this decision an edge case."))
        return data


class ReassignForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("Reassign to"), queryset=None)
    note = forms.CharField(label=_("Note to the new assignee"), required=False, max_length=5000)

    def __init__(self, *args, assignees, **kwargs):
        # Its own ids: the task page also holds the resolve form, which has a `note` too.
        super().__init__(*args, auto_id="reassign_%s", **kwargs)
        self.fields["to_user"].queryset = assignees


class EdgeCaseFlagForm(forms.Form):
    note = forms.CharField(label=_("What makes it an edge case"), max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="flag_%s", **kwargs)


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    assignee = forms.TypedChoiceField(label=_("Assignee"), required=False, coerce=int)
    overdue = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Overdue")), ("no", _("Not overdue"))],
    )

    def __init__(self, *args, statuses, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any")), *statuses]
        self.fields["assignee"].choices = [("", _("Anyone")), *((u.pk, str(u)) for u in assignees)]


# The reason codes a queue can be filtered by: every code the routing engine gives a decision.
QUEUE_REASON_CODES = [code for code in REASON_LABELS if code != "no_output"]
QUEUE_SORT_CHOICES = [
    ("due", _("Due soonest")),
    ("received", _("Received earliest")),
    ("-received", _("Received latest")),
    ("amount", _("Largest amount")),
]


class QueueFilterForm(forms.Form):
    """My queue's filters and sort, read from the URL (the queue page's GET form, and the
    `queue` parameter a task page carries to come back to the same queue)."""

    engagement = forms.TypedChoiceField(label=_("Engagement"), required=False, coerce=int)
    process = forms.TypedChoiceField(label=_("Process"), required=False, coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    overdue = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Overdue")), ("no", _("Not overdue"))],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=QUEUE_SORT_CHOICES)

    def __init__(self, *args, engagements, processes, **kwargs):
        super().__init__(*args, auto_id="queue_%s", **kwargs)
        self.fields["engagement"].choices = [("", _("Any")), *engagements]
        self.fields["process"].choices = [("", _("Any")), *processes]
        self.fields["kind"].choices = [("", _("Any")), *ReviewTask.Kind.choices]
        self.fields["reason"].choices = [
            ("", _("Any")),
            *((code, REASON_LABELS[code]) for code in QUEUE_REASON_CODES),
        ]

    def filters(self) -> QueueFilters:
        """The valid filters (defaults when the form is unbound or invalid)."""
        if not self.is_bound or not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(
            engagement_id=data.get("engagement") or None,
            process_id=data.get("process") or None,
            kind=data.get("kind") or "",
            reason=data.get("reason") or "",
            overdue={"yes": True, "no": False}.get(data.get("overdue") or ""),
            sort=data.get("sort") or "due",
        )

    def query(self) -> str:
        """The filters as a query string (without defaults), for links that come back here."""
        if not self.is_bound or not self.is_valid():
            return ""
        keep = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        if keep.get("sort") == "due":
            del keep["sort"]
        return urlencode(keep)


class TaskIdsField(forms.TypedMultipleChoiceField):
    """Task ids from the list's checkboxes; which of them may be reassigned is the view's
    question (the engagement's open tasks), not a fixed list of choices."""

    def valid_value(self, value) -> bool:
        text = str(value)
        return text.isdigit() and 0 < len(text) <= 10 and int(text) <= 2**31 - 1


class BulkReassignForm(forms.Form):
    """ "Reassign selected" on an engagement's review-task list."""

    tasks = TaskIdsField(
        label=_("Tasks"),
        coerce=int,
        error_messages={
            "required": _("Select at least one task to reassign."),
            "invalid_choice": _("%(value)s is not a review task id."),
        },
    )
    to_user = forms.ModelChoiceField(label=_("Reassign selected to"), queryset=None)
    note = forms.CharField(label=_("Note to the new assignee"), required=False, max_length=5000)

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, auto_id="bulk_%s", **kwargs)
        self.fields["to_user"].queryset = assignees

    def clean_tasks(self):
        tasks = self.cleaned_data["tasks"]
        if len(tasks) > MAX_BULK_REASSIGN:
            raise forms.ValidationError(
                _("Reassign at most %(max)d tasks at a time.") % {"max": MAX_BULK_REASSIGN}
            )
        return list(dict.fromkeys(tasks))
