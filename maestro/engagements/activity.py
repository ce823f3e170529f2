"""The engagement's Activity page: its audit trail, filterable, newest first (the API and the
CSV export are maestro/engagements/api/activity.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from maestro.audit import display
from maestro.audit.export import EXPORT_MAX_ROWS
from maestro.audit.filters import AuditEntryPageFilter
from maestro.audit.selectors import (
    audit_actor_choices,
    audit_entries_of_engagement,
    audit_target_type_choices,
    object_type_name,
)
from maestro.engagements import selectors
from maestro.engagements.scoping import can_manage_engagement
from maestro.lib.pagination import page_get
from maestro.lib.timezones import client_time_zone_activate


def _chosen_filters(request) -> str:
    """The filters set (the form sends its empty fields too), urlencoded, for the export."""
    chosen = request.GET.copy()
    chosen.pop("page", None)
    for key in list(chosen):
        values = [value for value in chosen.getlist(key) if value]
        if values:
            chosen.setlist(key, values)
        else:
            del chosen[key]
    return chosen.urlencode()


@login_required
@require_safe
def engagement_activity(request, engagement_id: int):
    """Who changed what and when, for everyone on the engagement (scoping's rule: another
    client's engagement is a 404). Filters that do not validate show their errors and no
    entries rather than a half-filtered list."""
    engagement = selectors.engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    entries = audit_entries_of_engagement(engagement=engagement)
    filters = AuditEntryPageFilter(
        request.GET or None,
        queryset=entries,
        actors=audit_actor_choices(entries),
        target_types=audit_target_type_choices(entries),
    )
    valid = not filters.is_bound or filters.is_valid()
    page, query = page_get(request, filters.qs if valid else entries.none())
    rows = [
        {
            "entry": entry,
            "object_type": object_type_name(entry.target_type) if entry.target_type else "",
            "changes": display.entry_changes(entry),
            "details": display.entry_details(entry),
        }
        for entry in page.object_list
    ]
    export_url = reverse("engagements-api:engagement-activity-export", args=[engagement.pk])
    chosen = _chosen_filters(request)
    return render(
        request,
        "engagements/activity.html",
        {
            "engagement": engagement,
            "can_manage": can_manage_engagement(request.user, engagement),
            "form": filters.form,
            "filtered": bool(chosen),
            "page": page,
            "query": query,
            "rows": rows,
            "export_url": f"{export_url}?{chosen}" if chosen else export_url,
            "export_max_rows": f"{EXPORT_MAX_ROWS:,}",
        },
    )
