from django import forms
from django.core.exceptions import ValidationError

from maestro.lib.forms import form_add_service_errors


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
