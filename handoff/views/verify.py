"""The verify page: given a handoff PDF's SHA-256 (typed, or from a link's `?sha256=`) or the PDF
itself, say which engagement and version it is and whether it was signed off, by whom and when.

Only about documents of the engagements the reader may see (engagements_for): for a file of
another client's engagement the page answers exactly as for a file Maestro never generated
("unknown document", 404), so it tells an outsider nothing. Bad input is a 400 on its field;
an upload over the limit a 413 on the file field."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from handoff.selectors.sign_offs import handoff_document_verify, handoff_url
from handoff.verification import verify_input_hash
from maestro.lib.forms import form_add_service_errors
from maestro.lib.timezones import client_time_zone_activate
from maestro.lib.uploads import form_refuse_upload, upload_too_large


class VerifyForm(forms.Form):
    sha256 = forms.CharField(
        label=_("SHA-256"),
        required=False,
        max_length=200,
        help_text=_("The 64 hexadecimal characters shown with the document (sha256sum file.pdf)."),
    )
    file = forms.FileField(
        label=_("Or upload the PDF"),
        required=False,
        help_text=_("It is hashed as it arrives and not kept."),
    )

    def clean(self):
        data = super().clean()
        try:
            data["hash"] = verify_input_hash(sha256=data.get("sha256"), upload=data.get("file"))
        except ValidationError as exc:
            form_add_service_errors(self, exc)
        return data


@login_required
@require_http_methods(["GET", "POST"])
def verify_page(request):
    status, verification, checked = 200, None, False
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if refusal := upload_too_large(request):
            form_refuse_upload(form, "file", refusal)
            form.errors.pop(NON_FIELD_ERRORS, None)  # the file was sent: only its size is wrong
    elif "sha256" in request.GET:
        form = VerifyForm(request.GET)
    else:
        form = VerifyForm()
    if form.is_bound:
        if form.is_valid():
            checked = True
            verification = handoff_document_verify(
                user=request.user, sha256=form.cleaned_data["hash"]
            )
            status = 200 if verification else 404
        else:
            too_large = upload_too_large(request) if request.method == "POST" else None
            status = too_large.status_code if too_large else 400
    if verification is not None:
        client_time_zone_activate(verification.engagement.client)
    sha256 = form.cleaned_data["hash"] if checked else ""
    if checked:
        form = VerifyForm()  # empty, for the next one
    return render(
        request,
        "handoff/verify.html",
        {
            "form": form,
            "checked": checked,
            "verification": verification,
            "sha256": sha256,
            "handoff_url": handoff_url(verification.engagement) if verification else "",
        },
        status=status,
    )
