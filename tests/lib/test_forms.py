import pytest
from django import forms
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError

from maestro.exceptions import DomainError, NotPermitted, StateConflict
from maestro.lib.forms import flash_errors, form_add_service_errors, form_errors


class NameForm(forms.Form):
    name = forms.CharField()


def test_field_keyed_errors_land_on_their_fields_and_others_on_top():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    form_add_service_errors(form, ValidationError({"name": ["Taken."], "lead": ["Not here."]}))
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Not here."]


def test_a_plain_message_goes_on_top_instead_of_failing():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    form_add_service_errors(form, ValidationError("The map changed meanwhile."))
    assert form.non_field_errors() == ["The map changed meanwhile."]


class ChainForm(forms.Form):
    name = forms.CharField()
    chain_1 = forms.CharField(required=False)


def _bound():
    form = ChainForm({"name": "x"})
    assert form.is_valid()
    return form


def test_form_errors_lets_a_success_through():
    form = _bound()
    with form_errors(form) as call:
        result = 42
    assert call.ok and call.status == 200 and result == 42 and form.errors == {}


def test_form_errors_puts_a_validation_error_on_its_fields_renamed_or_set_aside():
    form = _bound()
    with form_errors(form, rename={"escalation_chain": "chain_1"}, skip=["rules"]) as call:
        raise ValidationError(
            {"name": ["Taken."], "escalation_chain": ["Nobody."], "rules": ["Rule 2: bad."]}
        )
    assert not call.ok and call.status == 400
    assert form.errors["name"] == ["Taken."] and form.errors["chain_1"] == ["Nobody."]
    assert "rules" not in form.errors and form.non_field_errors() == []
    assert call.skipped_errors("rules") == ["Rule 2: bad."]


def test_form_errors_shows_a_domain_error_on_top_or_on_a_field_with_its_status():
    form = _bound()
    with form_errors(form) as call:
        raise StateConflict("Someone saved first.", code="stale")
    assert (call.status, form.non_field_errors()) == (409, ["Someone saved first."])

    form = _bound()
    with form_errors(form, field=lambda exc: "name" if exc.code == "bad_name" else None) as call:
        raise NotPermitted("Not that name.", code="bad_name")
    assert (call.status, form.errors["name"]) == (403, ["Not that name."])


def test_form_errors_catches_only_what_it_is_told():
    form = _bound()
    with pytest.raises(DomainError), form_errors(form, catch=(ValidationError,)):
        raise DomainError("No.", code="no")
    assert form.errors == {}
    with pytest.raises(ValueError), form_errors(form):
        raise ValueError("a bug, not a refusal")


def test_flash_errors_flashes_the_message(rf):
    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    with flash_errors(request) as call:
        raise ValidationError(["First.", "Second."])
    with flash_errors(request) as other:
        raise DomainError("Retired.", code="retired")
    assert (call.status, other.status) == (400, 400)
    assert [m.message for m in get_messages(request)] == ["First.; Second.", "Retired."]
    assert all(m.level == messages.ERROR for m in get_messages(request))
