"""Reading the audit trail. The callers scope first (maestro.engagements.scoping, which sits
above this app): these take an engagement or a client the user may already see."""

from django.apps import apps
from django.db.models import QuerySet

from maestro.audit.models import AuditEntry
from maestro.tenancy.models import Client

# Newest first; the indexes audit_engagement_at and audit_client_at serve exactly this order.
ORDER = ("-at", "-id")
# A page's filter choices are read from this many newest entries, so the page costs the same
# for a trail of a million entries as for a short one (the filters themselves take any value).
CHOICES_WINDOW = 5_000


def audit_entries_of_engagement(*, engagement) -> QuerySet[AuditEntry]:
    """The engagement's entries, newest first. No join: an entry carries its own labels."""
    return AuditEntry.objects.filter(engagement_id=engagement.pk).order_by(*ORDER)


def audit_entries_of_client(*, client: Client) -> QuerySet[AuditEntry]:
    """The client's entries that belong to no engagement (its people: invitations, roles),
    newest first."""
    return AuditEntry.objects.filter(client_id=client.pk, engagement__isnull=True).order_by(*ORDER)


def _newest(entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(pk__in=entries.values("pk")[:CHOICES_WINDOW]).order_by()


def audit_actor_choices(entries: QuerySet[AuditEntry]) -> list[tuple[int, str]]:
    """The people who acted in the newest CHOICES_WINDOW of `entries` (ordered), for a
    filter: (user id, a name they were recorded under), sorted by name. One query."""
    names: dict[int, str] = {}
    rows = (
        _newest(entries)
        .filter(actor_user__isnull=False)
        .values_list("actor_user_id", "actor_label")
        .distinct()
    )
    for user_id, label in rows:
        names.setdefault(user_id, label)
    return sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))


def audit_target_type_choices(entries: QuerySet[AuditEntry]) -> list[tuple[str, str]]:
    """The kinds of object in the newest CHOICES_WINDOW of `entries`, for a filter: (model
    label, its readable name). One query."""
    labels = _newest(entries).exclude(target_type="").values_list("target_type", flat=True)
    return sorted(
        ((label, object_type_name(label)) for label in set(labels.distinct())),
        key=lambda item: item[1],
    )


def object_type_name(label: str) -> str:
    """The readable name of a model label ("reviews.ReviewTask": "Review task"); a model that
    no longer exists keeps its label."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return str(model._meta.verbose_name).capitalize()
