"""Writes of a client's people: invitations (send, re-send, revoke, accept), role changes and
deactivation, and the first staff account (`manage.py maestro_bootstrap`).

An invitation's link carries a value signed with Django's signing machinery
(`django.core.signing.dumps`, a TimestampSigner under SECRET_KEY with this module's salt): the
invitation's id and its send number. It is refused when the signature is wrong, older than
INVITATION_LIFETIME, or from an earlier send (re-sending bumps the number), and once the
invitation was accepted or revoked. Nothing secret is stored: the signature is the secret.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from maestro.audit.events import AuditEvent
from maestro.audit.services import audit_record
from maestro.engagements.models import Engagement
from maestro.engagements.scoping import (
    can_invite_consultants,
    can_manage_people,
    engagement_permissions,
)
from maestro.exceptions import DomainError, NotPermitted, StateConflict
from maestro.mapping.models import Process
from maestro.people.models import Invitation
from maestro.playbooks.selectors import playbook_processes_naming
from maestro.reviews.services import HandedOver, review_tasks_hand_over
from maestro.tenancy.models import Client, Membership, User

INVITATION_SALT = "maestro.people.invitation"
CONSULTANT = Membership.Role.CONSULTANT


class InvitationRefused(DomainError):
    """The link cannot be used (400): `invitation_invalid`, `invitation_expired`,
    `invitation_superseded`, `invitation_revoked`, `invitation_other_address`, `log_in_first`.
    A used invitation is a StateConflict (409 `invitation_used`)."""


# --- The link -------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.send_count}, salt=INVITATION_SALT)


def invitation_link(invitation: Invitation) -> str:
    path = reverse("people:invitation-accept", args=[invitation_token(invitation)])
    return settings.SITE_URL + path


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def invitation_for_token(*, token: str, lock: bool = False) -> Invitation:
    """The pending invitation a link names, or InvitationRefused / StateConflict saying why
    not. `lock` takes the row for the rest of the transaction (acceptance)."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=settings.INVITATION_LIFETIME)
    except signing.SignatureExpired:
        raise InvitationRefused(
            _("This invitation link has expired. Ask whoever invited you to send it again."),
            code="invitation_expired",
        ) from None
    except signing.BadSignature:
        payload = None
    pk, send = (payload.get("i"), payload.get("n")) if isinstance(payload, dict) else (0, 0)
    if not (isinstance(pk, int) and _whole(pk) and _whole(send)):
        raise InvitationRefused(
            _("This invitation link is not valid. Check that you copied all of it."),
            code="invitation_invalid",
        )
    invitations = Invitation.objects.select_related("client", "invited_by")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(pk=pk).first()
    if invitation is None:
        raise InvitationRefused(
            _("This invitation link is not valid. Check that you copied all of it."),
            code="invitation_invalid",
        )
    if invitation.status == Invitation.Status.ACCEPTED:
        raise StateConflict(
            _("This invitation was already accepted. Log in instead."), code="invitation_used"
        )
    if invitation.status == Invitation.Status.REVOKED:
        raise InvitationRefused(
            _("This invitation was withdrawn. Ask whoever invited you for a new one."),
            code="invitation_revoked",
        )
    if send != invitation.send_count:
        raise InvitationRefused(
            _("A newer link was sent for this invitation; use the one in the latest e-mail."),
            code="invitation_superseded",
        )
    if invitation.is_expired():
        raise InvitationRefused(
            _("This invitation link has expired. Ask whoever invited you to send it again."),
            code="invitation_expired",
        )
    return invitation


def _invitation_mail(invitation: Invitation) -> None:
    """Mail the link once the invitation is committed (a rolled-back one invites nobody)."""
    context = {
        "invitation": invitation,
        "link": invitation_link(invitation),
        "lifetime_days": settings.INVITATION_LIFETIME.days,
    }
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    body = render_to_string("emails/invitation_body.txt", context)
    recipient = invitation.email

    def send() -> None:
        send_mail(subject, body, None, [recipient], fail_silently=False)

    transaction.on_commit(send)


# --- Who may -------------------------------------------------------------------------------


def _require_manager(by: User, client: Client, *roles: str) -> None:
    """Staff for anything about a consultant; for operators and sponsors, also the
    consultants of the client's engagements (scoping.can_manage_people)."""
    if CONSULTANT in roles:
        if not can_invite_consultants(by):
            raise NotPermitted(
                _("Only staff bring consultants to a client or change their membership."),
                code="not_staff",
            )
    elif not can_manage_people(by, client.pk):
        raise NotPermitted(
            _("Only the consultants of %(client)s's engagements manage its people.")
            % {"client": client},
            code="not_consultant",
        )


def _email(raw: str) -> str:
    email = (raw or "").strip().lower()
    try:
        EmailValidator()(email)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from None
    return email


def _role(raw: str, field_name: str = "role") -> str:
    if raw not in Membership.Role.values:
        raise ValidationError(
            {
                field_name: [
                    _("Choose one of: %(roles)s.") % {"roles": ", ".join(Membership.Role.values)}
                ]
            }
        )
    return raw


# --- Invitations ----------------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, client: Client, email: str, role: str, by: User) -> Invitation:
    """Invite `email` to `client` as `role` and mail the link. Operators and sponsors are
    invited by the consultants of the client's engagements (and staff); consultants by staff."""
    role = _role(role)
    _require_manager(by, client, role)
    email = _email(email)
    member = (
        Membership.objects.filter(client=client, user__email__iexact=email)
        .select_related("user")
        .first()
    )
    if member is not None:
        raise ValidationError(
            {
                "email": [
                    _("%(user)s (%(email)s) is already %(role)s at %(client)s.")
                    % {
                        "user": member.user,
                        "email": email,
                        "role": member.get_role_display().lower(),
                        "client": client,
                    }
                ]
            }
        )
    pending = Invitation.objects.filter(
        client=client, email=email, status=Invitation.Status.PENDING
    ).first()
    if pending is not None:
        raise _already_invited(pending)
    invitation = Invitation(
        client=client, email=email, role=role, invited_by=by, sent_at=timezone.now()
    )
    invitation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        # Another request invited the same address a moment ago.
        pending = Invitation.objects.get(
            client=client, email=email, status=Invitation.Status.PENDING
        )
        raise _already_invited(pending) from None
    _invitation_mail(invitation)
    audit_record(
        AuditEvent.INVITATION_SENT,
        actor=by,
        client=client,
        target=invitation,
        data={"email": invitation.email, "role": invitation.role},
    )
    return invitation


def _already_invited(pending: Invitation) -> StateConflict:
    return StateConflict(
        _("%(email)s already has a pending invitation to %(client)s; re-send it instead.")
        % {"email": pending.email, "client": pending.client},
        code="already_invited",
        extra={"invitation": pending.pk},
    )


def _lock_pending(invitation: Invitation) -> Invitation:
    current = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("client", "invited_by")
        .get(pk=invitation.pk)
    )
    if current.status != Invitation.Status.PENDING:
        raise StateConflict(
            _("This invitation was already %(status)s.")
            % {"status": current.get_status_display().lower()},
            code="invitation_not_pending",
        )
    return current


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User) -> Invitation:
    """Mail a new link (also after expiry): the lifetime starts again and every earlier link
    of this invitation stops working."""
    _require_manager(by, invitation.client, invitation.role)
    invitation = _lock_pending(invitation)
    before = invitation.send_count
    invitation.send_count += 1
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["send_count", "sent_at"])
    _invitation_mail(invitation)
    audit_record(
        AuditEvent.INVITATION_RESENT,
        actor=by,
        client=invitation.client_id,
        target=invitation,
        changes={"send_count": (before, invitation.send_count)},
        data={"email": invitation.email, "role": invitation.role},
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    _require_manager(by, invitation.client, invitation.role)
    invitation = _lock_pending(invitation)
    invitation.status = Invitation.Status.REVOKED
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = by
    invitation.save(update_fields=["status", "revoked_at", "revoked_by"])
    audit_record(
        AuditEvent.INVITATION_REVOKED,
        actor=by,
        client=invitation.client_id,
        target=invitation,
        changes={"status": (Invitation.Status.PENDING, Invitation.Status.REVOKED)},
        data={"email": invitation.email, "role": invitation.role},
    )
    return invitation


@dataclass(frozen=True)
class Acceptance:
    user: User
    membership: Membership
    created_user: bool


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    username: str = "",
    password: str = "",
    first_name: str = "",
    last_name: str = "",
) -> Acceptance:
    """Join the invitation's client with its role.

    Logged in (`user`), the account's e-mail must be the invited address; the membership is
    added to it. Otherwise a new account is made for the invited address with `username`,
    the names and `password` (AUTH_PASSWORD_VALIDATORS apply); if an account with that
    address exists already, its owner must log in first (`log_in_first`). A deactivated
    membership at the client comes back with the invitation's role. The invitation is used
    up in the same transaction, so a second acceptance gets `invitation_used`.
    """
    invitation = invitation_for_token(token=token, lock=True)
    client = invitation.client
    created = False
    if user is not None and user.is_authenticated:
        if (user.email or "").strip().lower() != invitation.email:
            raise InvitationRefused(
                _(
                    "This invitation is for %(email)s, but you are logged in as %(user)s. Log "
                    "out and open the link again, or ask for an invitation to your own address."
                )
                % {"email": invitation.email, "user": user.get_username()},
                code="invitation_other_address",
            )
        account = user
    else:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationRefused(
                _(
                    "An account with the address %(email)s exists already: log in to it, then "
                    "open the link again to join %(client)s."
                )
                % {"email": invitation.email, "client": client},
                code="log_in_first",
            )
        account = user_create(
            username=username,
            email=invitation.email,
            password=password,
            first_name=first_name,
            last_name=last_name,
        )
        created = True
    membership = (
        Membership.all_objects.select_for_update().filter(user=account, client=client).first()
    )
    reactivated = membership is not None and membership.deactivated_at is not None
    if membership is None:
        membership = Membership(user=account, client=client, role=invitation.role)
        membership.full_clean(validate_constraints=False)
        membership.save()
    elif membership.deactivated_at is None:
        raise StateConflict(
            _("You are already %(role)s at %(client)s.")
            % {"role": membership.get_role_display().lower(), "client": client},
            code="already_member",
        )
    else:
        membership.role = invitation.role
        membership.deactivated_at = None
        membership.save(update_fields=["role", "deactivated_at"])
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = account
    invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
    audit_record(
        AuditEvent.INVITATION_ACCEPTED,
        actor=account,
        client=client,
        target=invitation,
        changes={"status": (Invitation.Status.PENDING, Invitation.Status.ACCEPTED)},
        data={
            "email": invitation.email,
            "role": invitation.role,
            "membership": membership.pk,
            "new_account": created,
            "reactivated": reactivated,
        },
    )
    return Acceptance(user=account, membership=membership, created_user=created)


# --- Accounts -------------------------------------------------------------------------------


def user_create(
    *, username: str, email: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """A new account; the password must pass AUTH_PASSWORD_VALIDATORS (with the account's
    username, names and address for the similarity check). Every problem is reported at
    once, on its field."""
    errors: dict[str, list[Any]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = [_("Choose a username.")]
    elif len(username) > 150:
        errors["username"] = [_("A username has at most 150 characters.")]
    else:
        try:
            User.username_validator(username)
        except ValidationError as exc:
            errors["username"] = list(exc.messages)
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors["username"] = [_("The username “%(name)s” is taken.") % {"name": username}]
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value or "") > 150:
            errors[name] = [_("At most 150 characters.")]
    user = User(
        username=username,
        email=email,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
    )
    if not password:
        errors["password"] = [_("Choose a password.")]
    else:
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    password_validation.password_changed(password, user=user)
    return user


@transaction.atomic
def staff_bootstrap(
    *, username: str, email: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """The first account of a new installation: staff (reaches every client, invites
    consultants, creates clients) and a superuser for the admin. Refused once any staff
    account exists: after that, people come in by invitation."""
    if User.objects.filter(is_staff=True).exists():
        raise StateConflict(
            _("Maestro already has a staff account; invite people from the People page."),
            code="already_bootstrapped",
        )
    user = user_create(
        username=username,
        email=_email(email),
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
    user.is_staff = True
    user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


# --- Memberships ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MembershipChange:
    """What a role change or deactivation did: the membership as it is now, the review tasks
    handed over, and the processes whose current playbook names the person in its
    escalation chain (flagged on the playbook page)."""

    membership: Membership
    handed_over: list[HandedOver] = field(default_factory=list)
    playbooks_naming: list[Process] = field(default_factory=list)


def _lock_active(membership: Membership) -> Membership:
    current = (
        Membership.all_objects.select_for_update(of=("self",))
        .select_related("user", "client")
        .get(pk=membership.pk)
    )
    if current.deactivated_at is not None:
        raise StateConflict(
            _("%(user)s's membership at %(client)s is deactivated; invite them again instead.")
            % {"user": current.user, "client": current.client},
            code="membership_deactivated",
        )
    return current


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: User) -> MembershipChange:
    """Change someone's role at a client (operator ⇄ sponsor by the consultants of its
    engagements; to or from consultant by staff only). Open review tasks on engagements the
    new role cannot work (a sponsor works none) are handed over like a deactivation's."""
    role = _role(role)
    membership = _lock_active(membership)
    before = membership.role
    if role == before:
        return MembershipChange(membership=membership)
    _require_manager(by, membership.client, before, role)
    membership.role = role
    membership.save(update_fields=["role"])
    engagements = Engagement.objects.filter(client_id=membership.client_id)
    can = engagement_permissions(membership.user, engagements)
    lost = [pk for pk, (_manage, work) in can.items() if not work]
    handed = (
        review_tasks_hand_over(
            from_user=membership.user,
            client_id=membership.client_id,
            by=by,
            engagement_ids=lost,
            reason="role_changed",
            note=_("%(user)s is now %(role)s at %(client)s.")
            % {
                "user": membership.user,
                "role": membership.get_role_display().lower(),
                "client": membership.client,
            },
        )
        if lost
        else []
    )
    naming = (
        playbook_processes_naming(user_id=membership.user_id, client_id=membership.client_id)
        if role == Membership.Role.SPONSOR
        else []
    )
    audit_record(
        AuditEvent.ROLE_CHANGED,
        actor=by,
        client=membership.client_id,
        target=membership,
        changes={"role": (before, role)},
        data={"user": membership.user_id, "review_tasks_reassigned": len(handed)},
    )
    return MembershipChange(membership=membership, handed_over=handed, playbooks_naming=naming)


@transaction.atomic
def membership_deactivate(*, membership: Membership, by: User) -> MembershipChange:
    """Take someone off a client, keeping the history: from now on the membership grants
    nothing (Membership.objects no longer holds it). Their open review tasks at the client are
    handed over (review_tasks_hand_over: least-loaded remaining operator, else the lead);
    playbooks whose escalation chain names them are returned (and flagged on their page)."""
    membership = _lock_active(membership)
    _require_manager(by, membership.client, membership.role)
    if membership.user_id == by.pk:
        raise DomainError(
            _("You cannot deactivate your own membership; ask another consultant or staff."),
            code="cannot_deactivate_self",
        )
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["deactivated_at"])
    handed = review_tasks_hand_over(
        from_user=membership.user,
        client_id=membership.client_id,
        by=by,
        reason="membership_deactivated",
        note=_("%(user)s no longer works at %(client)s.")
        % {"user": membership.user, "client": membership.client},
    )
    naming = playbook_processes_naming(user_id=membership.user_id, client_id=membership.client_id)
    audit_record(
        AuditEvent.MEMBERSHIP_DEACTIVATED,
        actor=by,
        client=membership.client_id,
        target=membership,
        changes={"deactivated_at": (None, membership.deactivated_at)},
        data={
            "user": membership.user_id,
            "role": membership.role,
            "review_tasks_reassigned": len(handed),
            "escalation_chains_naming": [process.pk for process in naming],
        },
    )
    return MembershipChange(membership=membership, handed_over=handed, playbooks_naming=naming)
