from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from maestro.lib.numbers import parse_decimal


def form_add_service_errors(form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to a page form: field-keyed messages on their
    fields (or on top when the form has no such field), a plain message list on top."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for field, field_errors in errors.items():
        form.add_error(field if field in form.fields else None, field_errors)


class DecimalField(forms.DecimalField):
    """Django's DecimalField taking only plain ASCII decimal text (maestro.lib.numbers):
    Python's Decimal() would read "１２３" and "1_000" as numbers."""

    def to_python(self, value):
        if value not in self.empty_values:
            try:
                parse_decimal(str(value))
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)
