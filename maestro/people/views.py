"""People pages: the clients whose people you see, a client's People page (invite, re-send,
revoke, change a role, deactivate), and the invitation link's page (accept)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.exceptions import Throttled

from maestro.engagements.scoping import is_consultant
from maestro.engagements.services import client_create
from maestro.exceptions import DomainError
from maestro.lib.forms import flash_errors, form_errors
from maestro.lib.timezones import client_time_zone_activate
from maestro.people import selectors, services
from maestro.people.forms import AcceptForm, ClientForm, InvitationForm, RoleForm
from maestro.people.guards import acceptance_check, bad_links_counted
from maestro.people.models import Invitation
from maestro.playbooks.selectors import playbook_processes_naming
from maestro.reviews.models import ReviewTask
from maestro.tenancy.models import User

# How an invitation's new account is logged in: the lockout backend only refuses log-ins.
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


@login_required
@require_http_methods(["GET", "POST"])
def people_index(request):
    """The clients whose people you may see, and (consultants, staff) a form to add a client;
    a client-side person with one client goes straight to its People page."""
    may_add = is_consultant(request.user)
    form = ClientForm(request.POST or None) if may_add else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only consultants add clients."))
        status = 400
        if form.is_valid():
            with form_errors(form) as call:
                client = client_create(by=request.user, **form.cleaned_data)
            if call.ok:
                messages.success(
                    request, _("Added %(client)s. Invite its people here.") % {"client": client}
                )
                return redirect("people:client", client_id=client.pk)
            status = call.status
    clients = list(selectors.people_client_list_for_user(user=request.user).order_by("name"))
    if request.method == "GET" and len(clients) == 1 and not may_add:
        return redirect("people:client", client_id=clients[0].pk)
    return render(request, "people/index.html", {"clients": clients, "form": form}, status=status)


def _require_manager(request, access, role: str | None = None) -> None:
    if not access.manage or (role is not None and not access.may_act_on(role)):
        raise PermissionDenied(_("You may not manage these people."))


@login_required
@require_http_methods(["GET", "POST"])
def client_people(request, client_id: int):
    """A client's people with their roles, its pending invitations, and the invitation form."""
    client = selectors.people_client_get_for_user(user=request.user, pk=client_id)
    client_time_zone_activate(client)
    access = selectors.people_access(user=request.user, client=client)
    form = (
        InvitationForm(request.POST or None, roles=access.invite_roles) if access.manage else None
    )
    status = 200
    if request.method == "POST":
        _require_manager(request, access)
        status = 400
        if form.is_valid():
            with form_errors(form, field=lambda exc: "email") as call:
                invitation = services.invitation_create(
                    client=client, by=request.user, **form.cleaned_data
                )
            if call.ok:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s as %(role)s. The link works for %(days)s days.")
                    % {
                        "email": invitation.email,
                        "role": invitation.get_role_display().lower(),
                        "days": settings.INVITATION_LIFETIME.days,
                    },
                )
                return redirect("people:client", client_id=client.pk)
            status = call.status
    people = list(selectors.membership_list(client=client, include_deactivated=access.see_details))
    invitations = (
        list(selectors.invitation_list(client=client).filter(status=Invitation.Status.PENDING))
        if access.see_details
        else []
    )
    return render(
        request,
        "people/client.html",
        {
            "client": client,
            "access": access,
            "members": [
                {
                    "membership": m,
                    "may_act": access.may_act_on(m.role) and m.user_id != request.user.pk,
                }
                for m in people
                if m.deactivated_at is None
            ],
            "former": [m for m in people if m.deactivated_at is not None],
            "invitations": invitations,
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def membership_role(request, membership_id: int):
    membership = selectors.membership_get_for_user(user=request.user, pk=membership_id)
    access = selectors.people_access(user=request.user, client=membership.client)
    _require_manager(request, access, membership.role)
    form = RoleForm(request.POST, roles=access.invite_roles)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles offered."))
    else:
        with flash_errors(request) as call:
            change = services.membership_change_role(
                membership=membership, role=form.cleaned_data["role"], by=request.user
            )
        if call.ok:
            messages.success(
                request,
                _("%(user)s is now %(role)s.")
                % {
                    "user": membership.user,
                    "role": change.membership.get_role_display().lower(),
                },
            )
            _flash_consequences(request, change)
    return redirect("people:client", client_id=membership.client_id)


def _flash_consequences(request, change: services.MembershipChange) -> None:
    if change.handed_over:
        names = sorted({str(moved.to_user or _("nobody yet")) for moved in change.handed_over})
        messages.info(
            request,
            ngettext(
                "%(count)d open review task was reassigned (to %(names)s).",
                "%(count)d open review tasks were reassigned (to %(names)s).",
                len(change.handed_over),
            )
            % {"count": len(change.handed_over), "names": ", ".join(names)},
        )
    if change.playbooks_naming:
        messages.warning(
            request,
            _(
                "The escalation chain of these playbooks names %(user)s; they are skipped now. "
                "Edit the chain: %(processes)s."
            )
            % {
                "user": change.membership.user,
                "processes": ", ".join(p.name for p in change.playbooks_naming),
            },
        )


@login_required
@require_http_methods(["GET", "POST"])
def membership_deactivate(request, membership_id: int):
    """GET: what deactivating will do (their open tasks, the chains naming them); POST: do
    it."""
    membership = selectors.membership_get_for_user(user=request.user, pk=membership_id)
    access = selectors.people_access(user=request.user, client=membership.client)
    _require_manager(request, access, membership.role)
    if request.method == "POST":
        with flash_errors(request) as call:
            change = services.membership_deactivate(membership=membership, by=request.user)
        if call.ok:
            messages.success(
                request,
                _("%(user)s no longer has access to %(client)s.")
                % {"user": membership.user, "client": membership.client},
            )
            _flash_consequences(request, change)
        return redirect("people:client", client_id=membership.client_id)
    open_tasks = ReviewTask.objects.filter(
        assignee_id=membership.user_id,
        status=ReviewTask.Status.OPEN,
        engagement__client_id=membership.client_id,
    ).count()
    return render(
        request,
        "people/deactivate.html",
        {
            "membership": membership,
            "client": membership.client,
            "open_tasks": open_tasks,
            "playbooks_naming": playbook_processes_naming(
                user_id=membership.user_id, client_id=membership.client_id
            ),
        },
    )


@login_required
@require_POST
def invitation_resend(request, invitation_id: int):
    invitation = selectors.invitation_get_for_user(user=request.user, pk=invitation_id)
    access = selectors.people_access(user=request.user, client=invitation.client)
    _require_manager(request, access, invitation.role)
    with flash_errors(request) as call:
        services.invitation_resend(invitation=invitation, by=request.user)
    if call.ok:
        messages.success(
            request,
            _("A new link was sent to %(email)s; the earlier one no longer works.")
            % {"email": invitation.email},
        )
    return redirect("people:client", client_id=invitation.client_id)


@login_required
@require_POST
def invitation_revoke(request, invitation_id: int):
    invitation = selectors.invitation_get_for_user(user=request.user, pk=invitation_id)
    access = selectors.people_access(user=request.user, client=invitation.client)
    _require_manager(request, access, invitation.role)
    with flash_errors(request) as call:
        services.invitation_revoke(invitation=invitation, by=request.user)
    if call.ok:
        messages.success(
            request,
            _("The invitation of %(email)s was withdrawn; its link no longer works.")
            % {"email": invitation.email},
        )
    return redirect("people:client", client_id=invitation.client_id)


# --- The invitation link --------------------------------------------------------------------


def _accept_page(request, context: dict, status: int = 200):
    return render(request, "people/accept.html", context, status=status)


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """The link in the invitation e-mail. Logged out with no account for the address: a
    form for a new account (username, names, password under the password rules). Logged in
    as the invited address: a button that adds the membership. Anything else says what to do
    (log in first, log out, ask for a new link)."""
    try:
        acceptance_check(request, username=request.POST.get("username", ""))
    except Throttled as exc:
        response = _accept_page(request, {"refusal": exc.detail}, status=429)
        response["Retry-After"] = str(int(exc.wait or 1))
        return response
    user = request.user if request.user.is_authenticated else None
    try:
        with bad_links_counted(request):
            invitation = services.invitation_for_token(token=token)
    except DomainError as exc:
        return _accept_page(request, {"refusal": exc.message}, status=exc.status_code)
    context = {"invitation": invitation, "client": invitation.client}
    if user is not None:
        if (user.email or "").lower() != invitation.email:
            return _accept_page(request, {**context, "other_address": True}, status=403)
        form = None
    elif User.objects.filter(email__iexact=invitation.email).exists():
        login_url = reverse("login") + "?" + urlencode({"next": request.path})
        return _accept_page(request, {**context, "log_in_first": login_url})
    else:
        form = AcceptForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form is None or form.is_valid():
            data = form.cleaned_data if form is not None else {}
            with form_errors(form or AcceptForm(), rename={"password": "password1"}) as call:
                acceptance = services.invitation_accept(
                    token=token,
                    user=user,
                    username=data.get("username", ""),
                    password=data.get("password1", ""),
                    first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""),
                )
            if call.ok:
                if acceptance.created_user:
                    login(request, acceptance.user, backend=LOGIN_BACKEND)
                messages.success(
                    request,
                    _("Welcome to %(client)s: you are %(role)s there.")
                    % {
                        "client": invitation.client,
                        "role": acceptance.membership.get_role_display().lower(),
                    },
                )
                return redirect(
                    reverse("engagements:list")
                    + "?"
                    + urlencode({"client": invitation.client.slug})
                )
            if isinstance(call.error, DomainError) and form is None:
                return _accept_page(request, {"refusal": call.error.message}, status=call.status)
            status = call.status
    return _accept_page(request, {**context, "form": form}, status=status)
