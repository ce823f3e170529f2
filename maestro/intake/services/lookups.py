"""What a batch needs to be routed, each loaded once for the whole batch: its processes with
their routing stamps and already-known counterparties, and its decision types."""

from collections.abc import Mapping

from django.db.models import F, FilteredRelation, Q, QuerySet, Value

from maestro.engagements.models import Engagement
from maestro.lib.prepared import PreparedValues
from maestro.mapping.models import DecisionType, Process
from maestro.playbooks.routing import CompiledPlaybook
from maestro.playbooks.selectors import RoutingStamp, routing_stamp_annotations


def decision_types_by_name(
    *, engagement: Engagement, names: set[str], compiled: Mapping[int, CompiledPlaybook | None]
) -> dict[str, int]:
    """Decision type name → id. The compiled playbooks already carry the engagement's types;
    only names they don't know (or processes without a playbook) cost one query."""
    found: dict[str, int] = {}
    for playbook in compiled.values():
        if playbook is not None:
            for name, info in playbook.decision_types.items():
                found.setdefault(name, info.id)
    missing = names - set(found)
    if missing:
        found.update(
            DecisionType.objects.filter(engagement=engagement, name__in=missing).values_list(
                "name", "pk"
            )
        )
    return found


_STAMP_FIELDS = (
    "routing_version_id",
    "routing_version_created_at",
    "routing_types_count",
    "routing_types_changed_at",
)


def _processes_query(engagement_id, process_ids, names) -> QuerySet:
    rows = Process.objects.annotate(**routing_stamp_annotations()).filter(
        engagement_id=engagement_id, pk__in=process_ids
    )
    if names:
        rows = rows.annotate(
            seen=FilteredRelation(
                "known_counterparties", condition=Q(known_counterparties__name__in=names)
            )
        ).annotate(seen_name=F("seen__name"))
    else:
        rows = rows.annotate(seen_name=Value(""))
    return rows.order_by().values("pk", "name", "seen_name", *_STAMP_FIELDS)


# Compiled once per shape (how many processes and names): building the stamp's subqueries cost
# more than running them, and this runs on every intake call.
_processes_lookup = PreparedValues(_processes_query)


def processes_and_known_counterparties(
    *, engagement: Engagement, process_ids: set[int], names: set[str]
) -> tuple[dict[int, Process], dict[int, set[str]], dict[int, RoutingStamp]]:
    """The batch's processes that belong to the engagement, which of the batch's counterparty
    names each already knows, and each one's routing stamp — one query (a left join on the
    known names, subqueries for the stamp)."""
    processes: dict[int, Process] = {}
    known: dict[int, set[str]] = {}
    stamps: dict[int, RoutingStamp] = {}
    for row in _processes_lookup.rows(engagement.pk, sorted(process_ids), sorted(names)):
        pk = row["pk"]
        if pk not in processes:
            processes[pk] = Process(pk=pk, name=row["name"], engagement=engagement)
            known[pk] = set()
            stamps[pk] = RoutingStamp.of(row)
        if row["seen_name"]:
            known[pk].add(row["seen_name"])
    return processes, known, stamps
