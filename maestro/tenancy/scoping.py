"""The one place that decides what a user may see and do, for pages, API, exports and PDFs.

Every queryset of tenant data starts from `engagements_for(user)` (or `clients_for(user)`), so an
object outside the user's reach is simply absent: views turn that into a 404, never a 403.
"""

from django.db.models import Q, QuerySet

from maestro.engagements.models import Engagement
from maestro.exceptions import NotPermitted
from maestro.tenancy.models import Client, Membership

CLIENT_SIDE_ROLES = (Membership.Role.OPERATOR, Membership.Role.SPONSOR)


def _client_ids(user, roles) -> QuerySet:
    return Membership.objects.filter(user=user, role__in=roles).values("client_id")


def engagements_for(user) -> QuerySet[Engagement]:
    """Staff see all; consultants the engagements they lead or are members of; operators and
    sponsors every engagement of their own client."""
    if not user or not user.is_authenticated or not user.is_active:
        return Engagement.objects.none()
    if user.is_staff:
        return Engagement.objects.all()
    assigned = Engagement.members.through.objects.filter(user=user).values("engagement_id")
    return Engagement.objects.filter(
        Q(lead=user) | Q(pk__in=assigned) | Q(client_id__in=_client_ids(user, CLIENT_SIDE_ROLES))
    )


def clients_for(user) -> QuerySet[Client]:
    """Clients the user belongs to in any role (staff: all)."""
    if not user or not user.is_authenticated or not user.is_active:
        return Client.objects.none()
    if user.is_staff:
        return Client.objects.all()
    return Client.objects.filter(pk__in=_client_ids(user, list(Membership.Role)))


def clients_consulted_by(user) -> QuerySet[Client]:
    """Clients the user may open engagements for: those they consult for (staff: all)."""
    clients = clients_for(user)
    if user.is_staff:
        return clients
    return clients.filter(pk__in=_client_ids(user, [Membership.Role.CONSULTANT]))


def is_consultant_at(user, client: Client) -> bool:
    """Consultancy staff who may create and run engagements for this client."""
    if user.is_staff:
        return True
    return Membership.objects.filter(
        user=user, client=client, role=Membership.Role.CONSULTANT
    ).exists()


def is_consultant(user) -> bool:
    return (
        user.is_staff
        or Membership.objects.filter(user=user, role=Membership.Role.CONSULTANT).exists()
    )


def can_manage_engagement(user, engagement: Engagement) -> bool:
    """Only the consultants on an engagement (or staff) change it or move its phase."""
    if not user.is_authenticated:
        return False
    if user.is_staff or engagement.lead_id == user.pk:
        return True
    # .all() reuses the members the list/detail selectors already prefetched.
    return any(member.pk == user.pk for member in engagement.members.all())


def require_engagement_manager(user, engagement: Engagement, *, message: str) -> None:
    """Services' guard for writes: NotPermitted (403, code not_consultant) unless the user is
    one of the engagement's consultants or staff. `message` says what was refused."""
    if not can_manage_engagement(user, engagement):
        raise NotPermitted(message, code="not_consultant")
