"""Signing off a handoff document: the client's sponsor or one of its operators acknowledges one
specific generation (which version, the SHA-256 of its file, who, as what, when).

Only a generation whose job succeeded, and only the latest one: a newer generation needs new
sign-offs, so signing an older one would acknowledge a file nobody should keep. Once per person
and document (a second attempt is a 409, the database enforces it too). Audited with the
version and SHA-256 in the same transaction. When a document counts as signed off is decided in
handoff.selectors.sign_offs (`sign_off_status`)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handoff.models import HandoffDocument, HandoffSignOff
from handoff.selectors.sign_offs import signing_role
from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_record
from maestro.exceptions import NotPermitted, StateConflict
from maestro.tenancy.models import User

SIGNERS_ONLY = gettext_lazy(
    "Only the client's sponsors and operators sign off the handoff document."
)


def _already_signed(sign_off: HandoffSignOff | None, document: HandoffDocument) -> StateConflict:
    when = ""
    if sign_off is not None:
        local = timezone.localtime(sign_off.signed_at, document.engagement.client.tzinfo)
        when = _(" on %(day)s") % {"day": f"{local:%-d %b %Y, %H:%M}"}
    return StateConflict(
        _("You signed off version %(version)d already%(when)s.")
        % {"version": document.version, "when": when},
        code="already_signed",
    )


@transaction.atomic
def handoff_document_sign(*, document: HandoffDocument, user: User) -> HandoffSignOff:
    """Record `user`'s sign-off of `document` (the caller scoped it to the user). Refuses a
    consultant or anyone else who is not a sponsor or operator of the client (403
    `not_signatory`), a generation that did not succeed (409 `document_not_ready`), one a newer
    generation replaced (409 `document_superseded`) and a second sign-off by the same person
    (409 `already_signed`)."""
    # Signing waits for a concurrent sign-off of the same generation, so the check below sees it.
    locked = (
        HandoffDocument.objects.select_for_update(of=("self",))
        .select_related("engagement__client")
        .get(pk=document.pk)
    )
    engagement = locked.engagement
    role = signing_role(user, engagement)
    if role is None:
        raise NotPermitted(str(SIGNERS_ONLY), code="not_signatory")
    if locked.status != HandoffDocument.Status.SUCCEEDED or not locked.sha256:
        raise StateConflict(
            _("Version %(version)d cannot be signed off: its generation is %(status)s.")
            % {"version": locked.version, "status": locked.status_label.lower()},
            code="document_not_ready",
        )
    newer = (
        HandoffDocument.objects.filter(
            engagement=engagement,
            status=HandoffDocument.Status.SUCCEEDED,
            version__gt=locked.version,
        )
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    if newer is not None:
        raise StateConflict(
            _("Version %(version)d was replaced by version %(newer)d: sign off the latest.")
            % {"version": locked.version, "newer": newer},
            code="document_superseded",
        )
    earlier = HandoffSignOff.objects.filter(document=locked, signed_by=user).first()
    if earlier is not None:
        raise _already_signed(earlier, locked)
    try:
        with transaction.atomic():
            sign_off = HandoffSignOff.objects.create(
                document=locked,
                signed_by=user,
                role=role,
                sha256=locked.sha256,
                signed_at=timezone.now(),
            )
    except IntegrityError:  # the once-per-person constraint: a concurrent request won
        raise _already_signed(None, locked) from None
    audit_record(
        AuditEvent.HANDOFF_DOCUMENT_SIGNED,
        actor=user,
        client=engagement.client_id,
        engagement=engagement,
        target=locked,
        data={
            "sign_off": sign_off.pk,
            "version": locked.version,
            "sha256": locked.sha256,
            "role": role,
        },
    )
    return sign_off
