from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from maestro.engagements.scoping import can_manage_engagement, require_engagement_manager
from maestro.engagements.selectors import engagement_get_for_user
from maestro.lib.forms import flash_errors, form_errors
from maestro.lib.timezones import client_time_zone_activate
from maestro.webhooks import selectors, services
from maestro.webhooks.forms import WebhookEndpointForm
from maestro.webhooks.models import SUBSCRIBABLE_EVENTS

READ_ONLY = _("Only the engagement's consultants can manage its webhooks.")


@login_required
@require_safe
def endpoint_list(request, engagement_id: int):
    """The engagement's endpoints. Everyone on it may read them; secrets stay on the endpoint
    page, for consultants."""
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    return render(
        request,
        "webhooks/endpoint_list.html",
        {
            "engagement": engagement,
            "endpoints": selectors.webhook_endpoint_list_for_engagement(
                user=request.user, engagement=engagement
            ),
            "events": SUBSCRIBABLE_EVENTS,
            "can_manage": can_manage_engagement(request.user, engagement),
        },
    )


def _form_page(request, *, engagement, form, endpoint=None, status=200):
    return render(
        request,
        "webhooks/endpoint_form.html",
        {"engagement": engagement, "form": form, "endpoint": endpoint},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def endpoint_create(request, engagement_id: int):
    engagement = engagement_get_for_user(user=request.user, pk=engagement_id)
    client_time_zone_activate(engagement.client)
    require_engagement_manager(request.user, engagement, message=READ_ONLY, page=True)
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with form_errors(form) as call:
            endpoint = services.webhook_endpoint_create(
                engagement=engagement, by=request.user, **form.cleaned_data
            )
        if call.ok:
            messages.success(request, _("Endpoint added. Give its signing secret to the receiver."))
            return redirect("webhooks:endpoint", endpoint.pk)
    status = 400 if request.method == "POST" else 200
    return _form_page(request, engagement=engagement, form=form, status=status)


@login_required
@require_safe
def endpoint_detail(request, endpoint_id: int):
    """The endpoint, its secret (consultants only) and its delivery log, newest first."""
    endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
    client_time_zone_activate(endpoint.engagement.client)
    deliveries = selectors.webhook_delivery_list_for_user(user=request.user).filter(
        endpoint=endpoint
    )
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {
            "engagement": endpoint.engagement,
            "endpoint": endpoint,
            "deliveries": deliveries[: selectors.DELIVERY_LOG_LIMIT],
            "log_limit": selectors.DELIVERY_LOG_LIMIT,
            "can_manage": can_manage_engagement(request.user, endpoint.engagement),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def endpoint_edit(request, endpoint_id: int):
    endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
    client_time_zone_activate(endpoint.engagement.client)
    require_engagement_manager(request.user, endpoint.engagement, message=READ_ONLY, page=True)
    initial = {"url": endpoint.url, "events": endpoint.events, "active": endpoint.active}
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with form_errors(form) as call:
            services.webhook_endpoint_update(
                endpoint=endpoint, by=request.user, **form.cleaned_data
            )
        if call.ok:
            messages.success(request, _("Endpoint saved."))
            return redirect("webhooks:endpoint", endpoint.pk)
    status = 400 if request.method == "POST" else 200
    return _form_page(
        request, engagement=endpoint.engagement, form=form, endpoint=endpoint, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def endpoint_delete(request, endpoint_id: int):
    """Confirmation (the URL, its events, how many deliveries the log holds), then the delete."""
    endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
    client_time_zone_activate(endpoint.engagement.client)
    require_engagement_manager(request.user, endpoint.engagement, message=READ_ONLY, page=True)
    if request.method == "POST":
        engagement_id = endpoint.engagement_id
        services.webhook_endpoint_delete(endpoint=endpoint, by=request.user)
        messages.success(request, _("Endpoint deleted with its delivery log."))
        return redirect("webhooks:list", engagement_id)
    return render(
        request,
        "webhooks/endpoint_delete.html",
        {
            "engagement": endpoint.engagement,
            "endpoint": endpoint,
            "delivery_count": selectors.webhook_endpoint_delivery_count(endpoint=endpoint),
        },
    )


@login_required
@require_POST
def endpoint_rotate_secret(request, endpoint_id: int):
    endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
    client_time_zone_activate(endpoint.engagement.client)
    require_engagement_manager(request.user, endpoint.engagement, message=READ_ONLY, page=True)
    services.webhook_endpoint_rotate_secret(endpoint=endpoint, by=request.user)
    messages.success(request, _("New signing secret: give it to the receiver now."))
    return redirect("webhooks:endpoint", endpoint.pk)


@login_required
@require_POST
def endpoint_ping(request, endpoint_id: int):
    endpoint = selectors.webhook_endpoint_get_for_user(user=request.user, pk=endpoint_id)
    client_time_zone_activate(endpoint.engagement.client)
    require_engagement_manager(request.user, endpoint.engagement, message=READ_ONLY, page=True)
    with flash_errors(request) as call:
        services.webhook_test_ping(endpoint=endpoint, by=request.user)
    if call.ok:
        messages.success(request, _("Ping queued: it appears in the log below once sent."))
    return redirect("webhooks:endpoint", endpoint.pk)


@login_required
@require_POST
def delivery_retry(request, delivery_id: int):
    delivery = selectors.webhook_delivery_get_for_user(user=request.user, pk=delivery_id)
    require_engagement_manager(
        request.user, delivery.endpoint.engagement, message=READ_ONLY, page=True
    )
    with flash_errors(request) as call:
        services.webhook_delivery_retry(delivery=delivery, by=request.user)
    if call.ok:
        messages.success(request, _("Retrying: the worker sends it again shortly."))
    return redirect("webhooks:endpoint", delivery.endpoint_id)
