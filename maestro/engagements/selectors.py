from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from maestro.engagements import lifecycle
from maestro.engagements.models import Engagement, PhaseTransition
from maestro.engagements.scoping import engagements_for, is_sponsor_only
from maestro.lib.prepared import PreparedValues
from maestro.tenancy.models import Client, Membership, User


def _visible_ids_query(user_id: int) -> QuerySet:
    reader = User(pk=user_id, is_active=True, is_staff=False)
    return engagements_for(reader).order_by().values("pk")


# engagements_for's rule for a user who is neither staff nor inactive, compiled to SQL once and
# reused with each user's id: building and compiling its three subqueries cost more than the
# database spent on them, twice per list page (count and page).
_visible_ids = PreparedValues(_visible_ids_query)


def _visible_to(user: User) -> QuerySet[Engagement]:
    """engagements_for(user), as one prepared subquery where it can be."""
    if not (isinstance(user, User) and user.pk and user.is_active and not user.is_staff):
        return engagements_for(user)
    return Engagement.objects.filter(pk__in=_visible_ids.subquery(user.pk))


def engagement_list_for_user(*, user: User) -> QuerySet[Engagement]:
    return (
        _visible_to(user)
        .select_related("client", "lead")
        .prefetch_related(Prefetch("members", queryset=User.objects.order_by("username")))
    )


def engagement_get_for_user(*, user: User, pk: int) -> Engagement:
    """The engagement if the user may see it, else Http404 (never 403: no existence leak)."""
    return get_object_or_404(engagement_list_for_user(user=user), pk=pk)


def transition_list(*, engagement: Engagement) -> QuerySet[PhaseTransition]:
    return engagement.transitions.select_related("by")


def engagement_moves(*, engagement: Engagement) -> list[dict]:
    """Every legal move from the current phase with its gate checks, forward move first."""
    moves = []
    for to_phase in lifecycle.legal_moves(engagement.phase):
        checks = lifecycle.gate_evaluate(engagement=engagement, to_phase=to_phase)
        moves.append(
            {
                "from_phase": engagement.phase,
                "to_phase": to_phase,
                "forward": lifecycle.is_forward(engagement.phase, to_phase),
                "passed": all(c.passed for c in checks),
                "checks": [c.as_dict() for c in checks],
            }
        )
    return moves


def consultant_choices(*, clients: QuerySet[Client], include: list[int]) -> QuerySet[User]:
    """Active consultants at any of `clients`, plus the users in `include` (the current user,
    an existing team): the choices of the engagement forms. Whether a choice fits the chosen
    client is re-checked by the services, so a stale or forged choice is refused there."""
    at_clients = Membership.objects.filter(
        client__in=clients, role=Membership.Role.CONSULTANT
    ).values("user_id")
    return User.objects.filter(Q(pk__in=at_clients) | Q(pk__in=include), is_active=True).order_by(
        "first_name", "last_name", "username"
    )


def sponsor_home_engagement_id(*, user) -> int | None:
    """The engagement a sponsor lands on after log-in: their only one; None for anyone who is
    not only a sponsor, or a sponsor of several engagements (they choose from the list)."""
    if not is_sponsor_only(user):
        return None
    ids = list(engagement_list_for_user(user=user).order_by("pk").values_list("pk", flat=True)[:2])
    return ids[0] if len(ids) == 1 else None
