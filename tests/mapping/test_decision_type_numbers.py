"""A decision type's threshold and exposure take plain numbers, and no negative exposure."""

import pytest

from maestro.mapping.forms import DecisionTypeForm
from maestro.mapping.models import DecisionType
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"exposure_amount": "１０００", "exposure_currency": "EUR"}, "exposure_amount"),
        ({"exposure_amount": "-1", "exposure_currency": "EUR"}, "exposure_amount"),
        ({"exposure_amount": True, "exposure_currency": "EUR"}, "exposure_amount"),
        (
            {"autonomy": "review_below_threshold", "confidence_threshold": "０.８"},
            "confidence_threshold",
        ),
    ],
)
def test_api_refuses_numbers_that_are_not_plain(world, change, field):
    r = client_for(world.consultant).post(
        f"/api/engagements/{world.engagement_a.pk}/decision-types/",
        {"name": "t", "autonomy": "full", **change},
        format="json",
    )
    assert r.status_code == 400, r.content
    assert field in r.json()
    assert not DecisionType.objects.exists()


@pytest.mark.parametrize("amount", ["１０００", "1_000"])
def test_page_form_refuses_full_width_exposure(amount):
    form = DecisionTypeForm(
        data={
            "name": "t",
            "autonomy": "full",
            "exposure_amount": amount,
            "exposure_currency": "EUR",
        }
    )
    assert not form.is_valid()
    assert "exposure_amount" in form.errors


def test_service_refuses_a_negative_exposure(world):
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from maestro.mapping.services import decision_type_create

    with pytest.raises(ValidationError) as exc:
        decision_type_create(
            engagement=world.engagement_a,
            by=world.consultant,
            name="t",
            autonomy="full",
            exposure_amount=Decimal("-1"),
            exposure_currency="EUR",
        )
    assert "exposure_amount" in exc.value.message_dict
    assert not DecisionType.objects.exists()
