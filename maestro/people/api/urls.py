from django.urls import path

from maestro.people.api import views

app_name = "people-api"

urlpatterns = [
    path("me/", views.MeApi.as_view(), name="me"),
    path(
        "clients/<int:client_id>/people/",
        views.ClientPeopleListApi.as_view(),
        name="client-people",
    ),
    path(
        "clients/<int:client_id>/invitations/",
        views.ClientInvitationListApi.as_view(),
        name="client-invitations",
    ),
    path("invitations/accept/", views.InvitationAcceptApi.as_view(), name="invitation-accept"),
    path(
        "invitations/<int:invitation_id>/resend/",
        views.InvitationResendApi.as_view(),
        name="invitation-resend",
    ),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.InvitationRevokeApi.as_view(),
        name="invitation-revoke",
    ),
    path(
        "memberships/<int:membership_id>/role/",
        views.MembershipRoleApi.as_view(),
        name="membership-role",
    ),
    path(
        "memberships/<int:membership_id>/deactivate/",
        views.MembershipDeactivateApi.as_view(),
        name="membership-deactivate",
    ),
]
