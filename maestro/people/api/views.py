from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from maestro.lib.openapi import ERROR_RESPONSES
from maestro.lib.throttling import AnonThrottle, UserThrottle
from maestro.people import selectors, services
from maestro.people.api import serializers as s
from maestro.people.guards import acceptance_check, bad_links_counted
from maestro.tenancy import services as tenancy_services

_CONFLICT = OpenApiResponse(description="The object changed state meanwhile (see `code`).")


class MeApi(APIView):
    @extend_schema(
        operation_id="me",
        responses={200: s.MeOutputSerializer},
        description=(
            "Who you are: your account, your active memberships with their roles, every "
            "engagement you may see with what you may do there (`read`, `work`, `manage`), "
            "and what you may do beyond one engagement (create clients, invite consultants, "
            "manage the people of which clients)."
        ),
    )
    def get(self, request):
        return Response(s.MeOutputSerializer(selectors.me_for_user(user=request.user)).data)


def _client_and_access(request, client_id: int):
    client = selectors.people_client_get_for_user(user=request.user, pk=client_id)
    return client, selectors.people_access(user=request.user, client=client)


class ClientPeopleListApi(ListAPIView):
    """A client's people with their roles (yours, or any for staff). Consultants and staff also
    get e-mail addresses and, with `include_deactivated`, former members."""

    serializer_class = s.MembershipOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        client, self.access = _client_and_access(self.request, self.kwargs["client_id"])
        query = s.MembershipListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        include = query.validated_data["include_deactivated"] and self.access.see_details
        return selectors.membership_list(client=client, include_deactivated=include)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "see_details": self.access.see_details}

    @extend_schema(
        operation_id="client_people_list",
        parameters=[s.MembershipListQuerySerializer],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MembershipRoleApi(APIView):
    @extend_schema(
        operation_id="membership_role_change",
        request=s.MembershipRoleInputSerializer,
        responses={200: s.MembershipChangeOutputSerializer, **ERROR_RESPONSES, 409: _CONFLICT},
        description=(
            "Change a role. Operators and sponsors: the consultants of the client's "
            "engagements (and staff); to or from consultant: staff (403 `not_staff`). Open "
            "review tasks on engagements the new role cannot work are reassigned (listed). "
            "409 `membership_deactivated` for a former member."
        ),
    )
    def post(self, request, membership_id: int):
        membership = selectors.membership_get_for_user(user=request.user, pk=membership_id)
        serializer = s.MembershipRoleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = services.membership_change_role(
            membership=membership, by=request.user, **serializer.validated_data
        )
        return Response(
            s.MembershipChangeOutputSerializer(change, context={"see_details": True}).data
        )


class MembershipDeactivateApi(APIView):
    @extend_schema(
        operation_id="membership_deactivate",
        request=None,
        responses={200: s.MembershipChangeOutputSerializer, **ERROR_RESPONSES, 409: _CONFLICT},
        description=(
            "Take someone off the client, keeping the history: from now on the membership "
            "reaches nothing. Their open review tasks at the client are reassigned to the "
            "remaining operators, least-loaded first (else the engagement's lead), and listed; "
            "so are the processes whose current playbook names them in its escalation chain "
            "(the playbook page flags them). Who may: as for role changes. 400 "
            "`cannot_deactivate_self`; 409 `membership_deactivated` when already done."
        ),
    )
    def post(self, request, membership_id: int):
        membership = selectors.membership_get_for_user(user=request.user, pk=membership_id)
        change = services.membership_deactivate(membership=membership, by=request.user)
        return Response(
            s.MembershipChangeOutputSerializer(change, context={"see_details": True}).data
        )


class ClientInvitationListApi(ListAPIView):
    """A client's invitations, newest first (its consultants and staff; others get 403)."""

    serializer_class = s.InvitationOutputSerializer
    filter_backends: list = []

    def get_queryset(self):
        client, access = _client_and_access(self.request, self.kwargs["client_id"])
        if not access.see_details:
            raise PermissionDenied("Only the client's consultants see its invitations.")
        return selectors.invitation_list(client=client)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "see_details": True}

    @extend_schema(
        operation_id="client_invitation_list",
        responses={
            200: s.InvitationOutputSerializer(many=True),
            403: OpenApiResponse(description="Your role does not see invitations."),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="client_invitation_create",
        request=s.InvitationCreateInputSerializer,
        responses={201: s.InvitationOutputSerializer, **ERROR_RESPONSES, 409: _CONFLICT},
        description=(
            "Invite an e-mail address to the client with a role: a one-time link is mailed, "
            "valid for the invitation lifetime (README, `MAESTRO_INVITATION_LIFETIME_DAYS`). "
            "Operators and sponsors: the consultants of the client's engagements (and staff); "
            "consultants: staff (403 `not_staff`). 400 on `email` when the address is already a "
            "member; 409 `already_invited` when it has a pending invitation (re-send that)."
        ),
    )
    def post(self, request, client_id: int):
        client, _access = _client_and_access(request, client_id)
        serializer = s.InvitationCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            client=client, by=request.user, **serializer.validated_data
        )
        return Response(
            s.InvitationOutputSerializer(invitation, context={"see_details": True}).data,
            status=status.HTTP_201_CREATED,
        )


class InvitationResendApi(APIView):
    @extend_schema(
        operation_id="invitation_resend",
        request=None,
        responses={200: s.InvitationOutputSerializer, **ERROR_RESPONSES, 409: _CONFLICT},
        description=(
            "Mail a new link (also after expiry); every earlier link of the invitation stops "
            "working. 409 `invitation_not_pending` once accepted or revoked."
        ),
    )
    def post(self, request, invitation_id: int):
        invitation = selectors.invitation_get_for_user(user=request.user, pk=invitation_id)
        invitation = services.invitation_resend(invitation=invitation, by=request.user)
        return Response(
            s.InvitationOutputSerializer(invitation, context={"see_details": True}).data
        )


class InvitationRevokeApi(APIView):
    @extend_schema(
        operation_id="invitation_revoke",
        request=None,
        responses={200: s.InvitationOutputSerializer, **ERROR_RESPONSES, 409: _CONFLICT},
        description="Withdraw a pending invitation: its link stops working.",
    )
    def post(self, request, invitation_id: int):
        invitation = selectors.invitation_get_for_user(user=request.user, pk=invitation_id)
        invitation = services.invitation_revoke(invitation=invitation, by=request.user)
        return Response(
            s.InvitationOutputSerializer(invitation, context={"see_details": True}).data
        )


class InvitationAcceptApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [UserThrottle, AnonThrottle]

    @extend_schema(
        operation_id="invitation_accept",
        request=s.InvitationAcceptInputSerializer,
        responses={
            201: s.InvitationAcceptOutputSerializer,
            400: OpenApiResponse(
                description="Field errors (`password` fails the password rules, `username` "
                "taken), or the link cannot be used: `invitation_invalid`, "
                "`invitation_expired`, `invitation_superseded`, `invitation_revoked`, "
                "`invitation_other_address`, `log_in_first`."
            ),
            409: OpenApiResponse(
                description="`invitation_used` (accepted already) or `already_member`."
            ),
            429: OpenApiResponse(
                description="Locked out after too many failed log-ins (`login_locked_out`), too "
                "many wrong keys, tokens or links from your address "
                "(`too_many_bad_credentials`), or `throttled`; see Retry-After."
            ),
        },
        auth=[],
        description=(
            "Accept an invitation with the token from its link. Without credentials, a new "
            "account is made for the invited address: give `username`, `password` (the "
            "password rules apply) and optionally the names; the answer carries an API token "
            "for it. Authenticated as an existing account whose e-mail is the invited address, "
            "send the token alone: the membership is added to that account. A link works once, "
            "until it expires or a newer one is sent."
        ),
    )
    def post(self, request):
        serializer = s.InvitationAcceptInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        acceptance_check(request, username=data["username"])
        user = request.user if request.user.is_authenticated else None
        with bad_links_counted(request):
            acceptance = services.invitation_accept(user=user, **data)
        token = (
            tenancy_services.token_obtain(user=acceptance.user) if acceptance.created_user else None
        )
        answer = {
            "user": acceptance.user,
            "membership": acceptance.membership,
            "token": token.key if token else None,
            "expires_at": tenancy_services.token_expires_at(token) if token else None,
        }
        return Response(
            s.InvitationAcceptOutputSerializer(answer, context={"see_details": True}).data,
            status=status.HTTP_201_CREATED,
        )
