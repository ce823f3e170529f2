from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from maestro.engagements import lifecycle
from maestro.engagements.models import Engagement, PhaseTransition
from maestro.engagements.scoping import engagements_for
from maestro.tenancy.models import Client, Membership, User


def engagement_list_for_user(*, user: User) -> QuerySet[Engagement]:
    return (
        engagements_for(user)
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
