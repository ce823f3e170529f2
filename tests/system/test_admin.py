import pytest
from django.apps import apps
from django.contrib import admin

from tests.tenancy.factories import UserFactory

# Every app of the product: the maestro.* core sub-apps plus handoff and runbooks.
OUR_APPS = {
    app.label
    for app in apps.get_app_configs()
    if app.name.startswith("maestro.") or app.name in {"handoff", "runbooks"}
}


def test_every_model_of_ours_is_in_admin():
    ours = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    assert ours, "the product has models"
    missing = [m.__name__ for m in ours if not admin.site.is_registered(m)]
    assert missing == []


@pytest.mark.django_db
def test_admin_changelists_render_for_a_superuser(client, world):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model in [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]:
        opts = model._meta
        r = client.get(f"/admin/{opts.app_label}/{opts.model_name}/")
        assert r.status_code == 200, opts.label


@pytest.mark.django_db
def test_engagement_admin_shows_phase_read_only_with_its_history(client, world):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    r = client.get(f"/admin/engagements/engagement/{world.engagement_a.pk}/change/")
    assert r.status_code == 200
    assert b'name="phase"' not in r.content  # phases move only through gated transitions
