"""The one place that decides what a user may see and do, for pages, API, exports and PDFs.

Every queryset of tenant data starts from `engagements_for(user)` (or `clients_for(user)`), so an
object outside the user's reach is simply absent: views turn that into a 404, never a 403.

The rule: a user's reach at a client is their Membership there. Operators and sponsors reach
every engagement of their client; a consultant reaches (and manages) the engagements they lead
or are members of, and only while they still hold a consultant Membership at the engagement's
client, so deactivating the Membership ends the access even if the assignment stays (every
query here reads `Membership.objects`, which holds live memberships only). Staff reach
everything. A deactivated user (`is_active=False`) reaches nothing, staff included. Who may be
chosen for work on an engagement (review task assignees, escalation chains) is decided here
too (`people_at`, `engagement_consultants`), by the same rule, and who manages a client's
people (`can_manage_people`, `can_invite_consultants`).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils.functional import Promise

from maestro.engagements.models import Engagement
from maestro.exceptions import NotPermitted
from maestro.tenancy.models import Client, Membership, User

CLIENT_SIDE_ROLES = (Membership.Role.OPERATOR, Membership.Role.SPONSOR)
CONSULTANT = Membership.Role.CONSULTANT
OPERATOR = Membership.Role.OPERATOR


def _is_active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _client_ids(user, roles) -> QuerySet:
    return Membership.objects.filter(user=user, role__in=roles).values("client_id")


def _has_role(user, client_id: int, role: str) -> bool:
    return Membership.objects.filter(user=user, client_id=client_id, role=role).exists()


def engagements_for(user) -> QuerySet[Engagement]:
    """Staff see all; consultants the engagements they lead or are members of at the clients
    they still consult for; operators and sponsors every engagement of their own client."""
    if not _is_active(user):
        return Engagement.objects.none()
    if user.is_staff:
        return Engagement.objects.all()
    assigned = Engagement.members.through.objects.filter(user=user).values("engagement_id")
    return Engagement.objects.filter(
        Q(client_id__in=_client_ids(user, CLIENT_SIDE_ROLES))
        | (Q(client_id__in=_client_ids(user, [CONSULTANT])) & (Q(lead=user) | Q(pk__in=assigned)))
    )


def clients_for(user) -> QuerySet[Client]:
    """Clients the user belongs to in any role (staff: all)."""
    if not _is_active(user):
        return Client.objects.none()
    if user.is_staff:
        return Client.objects.all()
    return Client.objects.filter(pk__in=_client_ids(user, list(Membership.Role)))


def clients_consulted_by(user) -> QuerySet[Client]:
    """Clients the user may open engagements for: those they consult for (staff: all)."""
    clients = clients_for(user)
    if not _is_active(user) or user.is_staff:
        return clients
    return clients.filter(pk__in=_client_ids(user, [CONSULTANT]))


def is_consultant_at(user, client: Client) -> bool:
    """Consultancy staff who may create and run engagements for this client."""
    if not _is_active(user):
        return False
    return user.is_staff or _has_role(user, client.pk, CONSULTANT)


def is_consultant(user) -> bool:
    """A consultant at some client, or staff."""
    if not _is_active(user):
        return False
    return user.is_staff or Membership.objects.filter(user=user, role=CONSULTANT).exists()


def is_operator_at(user, client_id: int) -> bool:
    """An operator of this client (staff are not operators)."""
    return _is_active(user) and _has_role(user, client_id, OPERATOR)


def is_operator(user) -> bool:
    """An operator of some client."""
    return _is_active(user) and Membership.objects.filter(user=user, role=OPERATOR).exists()


def is_sponsor_only(user) -> bool:
    """A reader and nothing else: a sponsor at some client, with no operator or consultant
    membership anywhere, not staff. They land on the engagements' summaries and are offered
    no consultant tooling (status page, API docs, webhooks). One query (none for staff)."""
    if not _is_active(user) or user.is_staff:
        return False
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    return roles == {Membership.Role.SPONSOR}


def can_manage_engagement(user, engagement: Engagement) -> bool:
    """Only the consultants on an engagement (or staff) change it or move its phase: its lead
    and members, while they hold a consultant membership at its client. Costs one query for
    a lead or member (none for anyone else) once the members are loaded."""
    if not _is_active(user):
        return False
    if user.is_staff:
        return True
    on_team = engagement.lead_id == user.pk
    if not on_team:
        # Load the team once per engagement object (a request may ask this in the view, the
        # service and the version write); it reuses the selectors' prefetch where there is one.
        prefetch_related_objects([engagement], "members")
        on_team = any(member.pk == user.pk for member in engagement.members.all())
    return on_team and _has_role(user, engagement.client_id, CONSULTANT)


def require_engagement_manager(
    user, engagement: Engagement, *, message: str | Promise, page: bool = False
) -> None:
    """The one guard for changing an engagement's data: unless the user is one of its
    consultants or staff, refuse with `message` (what was refused; a lazy string is translated
    now). Services raise NotPermitted (403, code not_consultant); page views pass `page=True`
    for PermissionDenied, Django's 403 page."""
    if not can_manage_engagement(user, engagement):
        if page:
            raise PermissionDenied(str(message))
        raise NotPermitted(str(message), code="not_consultant")


def can_work_engagement(user, engagement: Engagement) -> bool:
    """Who works on an engagement's operations: its consultants (can_manage_engagement) and
    the client's operators. They resolve and reassign review tasks, edit runbooks (an
    operator's edit is a proposal) and run checklists; sponsors only read."""
    return can_manage_engagement(user, engagement) or is_operator_at(user, engagement.client_id)


def require_engagement_worker(
    user,
    engagement: Engagement,
    *,
    message: str | Promise,
    code: str = "not_operator",
    page: bool = False,
) -> None:
    """The one guard for working an engagement's operations (review tasks, edge cases, runbook
    edits and runs): unless can_work_engagement, refuse with `message` (a lazy string is
    translated now). Services raise NotPermitted (403, `code`); page views pass `page=True` for
    PermissionDenied, Django's 403 page."""
    if not can_work_engagement(user, engagement):
        if page:
            raise PermissionDenied(str(message))
        raise NotPermitted(str(message), code=code)


# --- who may be chosen ----------------------------------------------------------------------


def people_at(client_id: int, roles) -> QuerySet[User]:
    """Active users holding one of `roles` at the client."""
    return User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.filter(client_id=client_id, role__in=roles).values("user_id"),
    )


def engagement_consultants(engagement: Engagement) -> QuerySet[User]:
    """The engagement's lead and members who still consult at its client, active: the people
    can_manage_engagement lets in by assignment (staff not listed)."""
    assigned = Engagement.members.through.objects.filter(engagement_id=engagement.pk).values(
        "user_id"
    )
    return people_at(engagement.client_id, [CONSULTANT]).filter(
        Q(pk=engagement.lead_id) | Q(pk__in=assigned)
    )


# --- a client's people ----------------------------------------------------------------------


def can_invite_consultants(user) -> bool:
    """Only staff bring consultants to a client (and change or end a consultant's membership)."""
    return _is_active(user) and user.is_staff


def clients_managed_by(user) -> QuerySet[Client]:
    """Clients whose operators and sponsors the user manages (invites, changes the role of,
    deactivates): staff all; a consultant the clients where they lead or are members of an
    engagement while they consult there (the people can_manage_engagement lets in)."""
    if not _is_active(user):
        return Client.objects.none()
    if user.is_staff:
        return Client.objects.all()
    assigned = Engagement.members.through.objects.filter(user=user).values("engagement_id")
    on_team = Engagement.objects.filter(Q(lead=user) | Q(pk__in=assigned)).values("client_id")
    return Client.objects.filter(pk__in=_client_ids(user, [CONSULTANT])).filter(pk__in=on_team)


def can_manage_people(user, client_id: int) -> bool:
    """See clients_managed_by. One query (none for staff or a deactivated user)."""
    if not _is_active(user):
        return False
    return user.is_staff or clients_managed_by(user).filter(pk=client_id).exists()


def engagement_permissions(user, engagements) -> dict[int, tuple[bool, bool]]:
    """Engagement id → (manage, work) for many engagements at once, by the rules of
    can_manage_engagement and can_work_engagement (for "who am I" answers). Three queries
    whatever the number of engagements."""
    engagements = list(engagements)
    if not _is_active(user):
        return {e.pk: (False, False) for e in engagements}
    if user.is_staff:
        return {e.pk: (True, True) for e in engagements}
    roles: dict[str, set[int]] = {CONSULTANT: set(), OPERATOR: set()}
    for client_id, role in Membership.objects.filter(
        user=user, role__in=[CONSULTANT, OPERATOR]
    ).values_list("client_id", "role"):
        roles[role].add(client_id)
    assigned = set(
        Engagement.members.through.objects.filter(
            user=user, engagement_id__in=[e.pk for e in engagements]
        ).values_list("engagement_id", flat=True)
    )
    answer = {}
    for e in engagements:
        manage = e.client_id in roles[CONSULTANT] and (e.lead_id == user.pk or e.pk in assigned)
        answer[e.pk] = (manage, manage or e.client_id in roles[OPERATOR])
    return answer
