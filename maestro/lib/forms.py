from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def form_add_service_errors(form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to a page form: field-keyed messages on their
    fields (or on top when the form has no such field), a plain message list on top."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for field, field_errors in errors.items():
        form.add_error(field if field in form.fields else None, field_errors)
