"""Reads of handoff documents and their sign-offs, scoped through engagements_for(user): the
generations a user may see, where the sign-offs of the latest one stand, who signs in which
role, and what a file's SHA-256 is (the verify page and API).

When a handoff document counts as signed off (the Handoff page's checklist, the gate
advisory → closed and the sponsor's summary all read `sign_off_status`):

    The engagement's LATEST SUCCEEDED generation (the highest version whose job succeeded;
    queued, running and failed ones do not count) carries sign-offs, each recorded for that
    file's SHA-256, from
      - at least one sponsor of the client (the role recorded when they signed), and
      - every operator who has a skill-transfer plan on the engagement and is still an active
        operator of the client (someone who left is no longer asked to sign).
    A newer succeeded generation starts over: its own sign-offs are needed."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from handoff.models import HandoffDocument, HandoffSignOff
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import engagements_for
from maestro.tenancy.models import Membership, User

SPONSOR, OPERATOR = Membership.Role.SPONSOR, Membership.Role.OPERATOR
# The roles that sign a handoff document (HandoffSignOff.Role), by the signer's membership.
SIGNING_ROLES = {SPONSOR: HandoffSignOff.Role.SPONSOR, OPERATOR: HandoffSignOff.Role.OPERATOR}
# The "Handoff PDF" documents page (generations, download); its view lives with the job.
DOCUMENTS_URL_NAME = "handoff:documents"


def documents_url(engagement: Engagement) -> str:
    """The engagement's "Handoff PDF" page, or "" while no such page is installed."""
    try:
        return reverse(DOCUMENTS_URL_NAME, args=[engagement.pk])
    except NoReverseMatch:
        return ""


def handoff_url(engagement: Engagement) -> str:
    return reverse("handoff:handoff", args=[engagement.pk])


# --- documents and sign-offs -----------------------------------------------------------------


def handoff_document_list_for_user(*, user: User) -> QuerySet[HandoffDocument]:
    """Every generation of the engagements the user may see (engagements_for): the client's
    operators and sponsors and the engagement's consultants."""
    return HandoffDocument.objects.filter(engagement__in=engagements_for(user)).select_related(
        "engagement__client"
    )


def handoff_document_get_for_user(*, user: User, pk: int) -> HandoffDocument:
    return get_object_or_404(handoff_document_list_for_user(user=user), pk=pk)


def sign_off_list(*, document: HandoffDocument) -> QuerySet[HandoffSignOff]:
    return HandoffSignOff.objects.filter(document=document).select_related("signed_by")


def latest_succeeded_document(engagement: Engagement) -> HandoffDocument | None:
    """The generation sign-offs are asked for, with its sign-offs (and signers) prefetched."""
    return (
        HandoffDocument.objects.filter(
            engagement=engagement, status=HandoffDocument.Status.SUCCEEDED
        )
        .prefetch_related(
            Prefetch("sign_offs", queryset=HandoffSignOff.objects.select_related("signed_by"))
        )
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class SignOffStatus:
    """The latest succeeded generation and where its sign-offs stand (module docstring)."""

    document: HandoffDocument | None
    sign_offs: list[HandoffSignOff]
    sponsor_signed: bool
    # Read only when there is a document: whether the client has an active sponsor who could
    # sign, and the plans' (active) operators who have not signed yet.
    has_sponsor: bool
    operators_missing: list[User]

    @property
    def signed_off(self) -> bool:
        return self.document is not None and self.sponsor_signed and not self.operators_missing

    @property
    def signed_ids(self) -> set[int]:
        return {s.signed_by_id for s in self.sign_offs}

    @property
    def waiting_for(self) -> str:
        """Who still has to sign, in words: "a sponsor, olivia (operator)"."""
        names = [] if self.sponsor_signed else [_("a sponsor of the client")]
        names += [_("%(user)s (operator)") % {"user": u} for u in self.operators_missing]
        return ", ".join(names)


def _sign_offs_of(document: HandoffDocument) -> list[HandoffSignOff]:
    # Only the sign-offs recorded for this exact file count (a generation never changes after it
    # succeeded, so this is a guard, not a rule anyone meets in practice).
    return [s for s in document.sign_offs.all() if s.sha256 == document.sha256]


def sign_off_status(
    engagement: Engagement, *, document: HandoffDocument | None = None, latest: bool = True
) -> SignOffStatus:
    """Where the sign-offs of the engagement's latest succeeded generation stand (or of
    `document`, read with its sign-offs prefetched, when `latest` is False). One query without a
    document, three with one."""
    if latest:
        document = latest_succeeded_document(engagement)
    if document is None:  # nothing to sign yet: who would sign is not read
        return SignOffStatus(None, [], False, False, [])
    # The client's active sponsors and the plans' active operators, in one query.
    signers = list(
        Membership.objects.filter(client_id=engagement.client_id, user__is_active=True)
        .filter(Q(role=SPONSOR) | Q(role=OPERATOR, user__skill_plans__engagement_id=engagement.pk))
        .select_related("user")
        .order_by("user__username", "pk")
    )
    plan_operators = [m.user for m in signers if m.role == OPERATOR]
    has_sponsor = any(m.role == SPONSOR for m in signers)
    sign_offs = _sign_offs_of(document)
    signed = {s.signed_by_id for s in sign_offs}
    return SignOffStatus(
        document=document,
        sign_offs=sign_offs,
        sponsor_signed=any(s.role == HandoffSignOff.Role.SPONSOR for s in sign_offs),
        has_sponsor=has_sponsor,
        operators_missing=[u for u in plan_operators if u.pk not in signed],
    )


def signing_role(user: User, engagement: Engagement) -> str | None:
    """The role `user` signs the engagement's handoff documents in (sponsor or operator of its
    client), or None: consultants, staff and everyone else do not sign. One query."""
    if not (user.is_authenticated and user.is_active):
        return None
    role = (
        Membership.objects.filter(user=user, client_id=engagement.client_id)
        .values_list("role", flat=True)
        .first()
    )
    return SIGNING_ROLES.get(role) if role else None


# --- verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the verify page and API say about a known file."""

    document: HandoffDocument
    status: SignOffStatus
    latest_version: int  # the engagement's latest succeeded version (this one or newer)

    @property
    def engagement(self) -> Engagement:
        return self.document.engagement

    @property
    def is_latest(self) -> bool:
        return self.document.version == self.latest_version


def handoff_document_verify(*, user: User, sha256: str) -> Verification | None:
    """The succeeded generation whose file has this SHA-256 (lower-case hex), among the
    engagements `user` may see; None otherwise: a file nobody generated and one of another
    client's engagements get the same answer. Four queries."""
    document = (
        handoff_document_list_for_user(user=user)
        .filter(sha256=sha256, status=HandoffDocument.Status.SUCCEEDED)
        .prefetch_related(
            Prefetch("sign_offs", queryset=HandoffSignOff.objects.select_related("signed_by"))
        )
        .order_by("-version", "-pk")
        .first()
    )
    if document is None:
        return None
    latest = (
        HandoffDocument.objects.filter(
            engagement_id=document.engagement_id, status=HandoffDocument.Status.SUCCEEDED
        )
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return Verification(
        document=document,
        status=sign_off_status(document.engagement, document=document, latest=False),
        latest_version=latest or document.version,
    )
