from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from maestro.tenancy.lockout import LoginLockedOut


class TokenObtainInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, write_only=True, style={"input_type": "password"}
    )

    def validate(self, attrs):
        request = self.context["request"]
        user = authenticate(request=request, username=attrs["username"], password=attrs["password"])
        # Set by django-axes when this username or address is locked out, also when the password
        # was right: the lockout, not "wrong credentials", is the answer then.
        if getattr(request, "axes_locked_out", False):
            raise LoginLockedOut()
        if user is None:
            raise serializers.ValidationError(
                _("Unable to log in with provided credentials."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(source="key")
    expires_at = serializers.DateTimeField()
