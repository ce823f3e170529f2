"""Processes: create, update, delete (refused while decisions or a playbook depend on it)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import require_engagement_manager
from maestro.exceptions import StateConflict
from maestro.mapping.models import DecisionPoint, Process, Step
from maestro.tenancy.models import User

# What a write by anyone but the engagement's consultants is refused with.
MAPS_MANAGERS_ONLY = gettext_lazy("Only the engagement's consultants can change its process maps.")

PROCESS_FIELDS = ["name", "description", "volume_per_day", "minutes_per_case", "owner_team"]


def _check_process_name_free(
    *, engagement: Engagement, name: str, exclude_pk: int | None = None
) -> None:
    clash = Process.objects.filter(engagement=engagement, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {
                "name": [
                    _("This engagement already has a process named “%(name)s”.") % {"name": name}
                ]
            }
        )


@transaction.atomic
def process_create(*, engagement: Engagement, by: User, name: str, **fields: Any) -> Process:
    require_engagement_manager(by, engagement, message=MAPS_MANAGERS_ONLY)
    _check_process_name_free(engagement=engagement, name=name)
    process = Process(engagement=engagement, name=name, **fields)
    process.full_clean()
    process.save()
    return process


@transaction.atomic
def process_update(*, process: Process, by: User, **changes: Any) -> Process:
    require_engagement_manager(by, process.engagement, message=MAPS_MANAGERS_ONLY)
    if "name" in changes:
        _check_process_name_free(
            engagement=process.engagement, name=changes["name"], exclude_pk=process.pk
        )
    for field, value in changes.items():
        setattr(process, field, value)
    process.full_clean()
    process.save()
    return process


def _check_process_deletable(process: Process) -> None:
    # Live decisions are the deployment's record (PROTECT would make the delete a 500), and a
    # playbook's versions are what routed them: both must be removed on purpose, not as a
    # side effect of deleting the map.
    decisions = process.decisions.count()
    if decisions:
        raise StateConflict(
            _(
                "“%(name)s” has %(count)d live decision(s) from the agent; a process with "
                "decisions cannot be deleted."
            )
            % {"name": process.name, "count": decisions},
            code="process_has_decisions",
        )
    if Process.objects.filter(pk=process.pk, playbook__isnull=False).exists():
        raise StateConflict(
            _("“%(name)s” has an escalation playbook; a process with a playbook cannot be deleted.")
            % {"name": process.name},
            code="process_has_playbook",
        )


@transaction.atomic
def process_delete(*, process: Process, by: User) -> None:
    """Deletes the whole map: its decision points, its steps and its training datasets.
    Decision types stay, since they belong to the engagement and other processes may use them.
    Refused (StateConflict) while the process has live decisions or an escalation playbook."""
    require_engagement_manager(by, process.engagement, message=MAPS_MANAGERS_ONLY)
    # Lock the row: a decision inserted meanwhile waits for it (PostgreSQL's foreign key
    # check), so it cannot slip in between the check and the delete.
    Process.objects.select_for_update().filter(pk=process.pk).first()
    _check_process_deletable(process)
    DecisionPoint.objects.filter(step__process=process).delete()
    Step.objects.filter(process=process, flow=Step.Flow.ACTUAL).delete()
    process.delete()
