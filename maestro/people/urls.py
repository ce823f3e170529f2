from django.urls import path

from maestro.people import views

app_name = "people"

urlpatterns = [
    path("people/", views.people_index, name="index"),
    path("clients/<int:client_id>/people/", views.client_people, name="client"),
    path("memberships/<int:membership_id>/role/", views.membership_role, name="membership-role"),
    path(
        "memberships/<int:membership_id>/deactivate/",
        views.membership_deactivate,
        name="membership-deactivate",
    ),
    path(
        "invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation-resend",
    ),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    # The link mailed to the invitee (people.services.invitation_link).
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
