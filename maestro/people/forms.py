from django import forms
from django.contrib.auth import password_validation

from maestro.tenancy.models import Membership


class ClientForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    slug = forms.SlugField(
        label="Short name",
        max_length=80,
        help_text="Lower-case letters, digits and hyphens, e.g. “northwind”; it appears in links.",
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Membership.Role.choices)
        self.fields["role"].choices = [(role, labels[role]) for role in roles]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Membership.Role.choices)
        self.fields["role"].choices = [(role, labels[role]) for role in roles]


class AcceptForm(forms.Form):
    """A new account for the invited address. The password rules are checked by the service
    (people.services.user_create), with the chosen username and names."""

    username = forms.CharField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only; you log in with it.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    first_name = forms.CharField(
        label="First name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data.get("password1"):
            self.add_error("password2", "The two passwords differ.")
        return data
