"""Reads of a client's people: who sees which people, invitations, and "who am I"."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from maestro.engagements.models import Engagement
from maestro.engagements.scoping import (
    can_invite_consultants,
    can_manage_people,
    clients_for,
    clients_managed_by,
    engagement_permissions,
    engagements_for,
    is_consultant,
    is_consultant_at,
)
from maestro.people.models import Invitation
from maestro.tenancy.models import Client, Membership, User


@dataclass(frozen=True)
class PeopleAccess:
    """What a user may see and do on one client's People page and API.

    Everyone at the client (and staff) sees its active people with their roles; its
    consultants (and staff) also see e-mail addresses, invitations and former members;
    those who manage its people (scoping.can_manage_people) act on operators and sponsors,
    and staff on consultants too."""

    see_details: bool
    manage: bool
    invite_roles: tuple[str, ...]

    def may_act_on(self, role: str) -> bool:
        return role in self.invite_roles


def people_access(*, user: User, client: Client) -> PeopleAccess:
    manage = can_manage_people(user, client.pk)
    roles: tuple[str, ...] = ()
    if manage:
        roles = (Membership.Role.OPERATOR, Membership.Role.SPONSOR)
        if can_invite_consultants(user):
            roles = (Membership.Role.CONSULTANT, *roles)
    return PeopleAccess(
        see_details=is_consultant_at(user, client), manage=manage, invite_roles=roles
    )


def people_client_list_for_user(*, user: User) -> QuerySet[Client]:
    """The clients whose people the user may see, with how many active people each has."""
    return clients_for(user).annotate(
        people=Count("memberships", filter=Q(memberships__deactivated_at__isnull=True))
    )


def people_client_get_for_user(*, user: User, pk: int) -> Client:
    """Http404 for a client the user does not belong to (staff: any)."""
    return get_object_or_404(clients_for(user), pk=pk)


def membership_list(*, client: Client, include_deactivated: bool = False) -> QuerySet[Membership]:
    """The client's people: consultants, then operators, then sponsors, by name."""
    memberships = Membership.all_objects if include_deactivated else Membership.objects
    return (
        memberships.filter(client=client)
        .select_related("user")
        .order_by("role", "user__first_name", "user__last_name", "user__username")
    )


def membership_get_for_user(*, user: User, pk: int) -> Membership:
    """A membership (deactivated ones too) at a client the user belongs to; Http404 otherwise."""
    return get_object_or_404(
        Membership.all_objects.filter(client__in=clients_for(user)).select_related(
            "user", "client"
        ),
        pk=pk,
    )


def invitation_list(*, client: Client) -> QuerySet[Invitation]:
    return Invitation.objects.filter(client=client).select_related(
        "client", "invited_by", "accepted_by", "revoked_by"
    )


def invitation_get_for_user(*, user: User, pk: int) -> Invitation:
    """An invitation of a client the user belongs to; Http404 otherwise. Whether the user may
    see invitations at all (people_access.see_details) is the caller's check."""
    return get_object_or_404(
        Invitation.objects.filter(client__in=clients_for(user)).select_related(
            "client", "invited_by", "accepted_by", "revoked_by"
        ),
        pk=pk,
    )


def me_for_user(*, user: User) -> dict[str, Any]:
    """Who the user is and what they may do: their active memberships, every engagement they
    may see with what they may do there (read; work its operations; manage it), and what they
    may do beyond one engagement. A fixed number of queries."""
    memberships = list(
        Membership.objects.filter(user=user).select_related("client").order_by("client__name")
    )
    engagements: list[Engagement] = list(
        engagements_for(user).select_related("client").order_by("client__name", "name")
    )
    permissions = engagement_permissions(user, engagements)
    return {
        "user": user,
        "memberships": memberships,
        "engagements": [
            {
                "engagement": engagement,
                "can": {
                    "read": True,
                    "work": permissions[engagement.pk][1],
                    "manage": permissions[engagement.pk][0],
                },
            }
            for engagement in engagements
        ],
        "can": {
            "create_clients": is_consultant(user),
            "invite_consultants": can_invite_consultants(user),
            "manage_people_of": list(
                clients_managed_by(user).order_by("name").values_list("pk", flat=True)
            ),
        },
    }
