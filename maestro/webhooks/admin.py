from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from maestro.webhooks.models import WebhookDelivery, WebhookEndpoint
from maestro.webhooks.services import webhook_endpoint_rotate_secret, webhook_secret_generate


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "engagement", "active", "created_at"]
    list_select_related = ["engagement"]
    raw_id_fields = ["engagement"]
    # The signing secret is shown only to the engagement's consultants on its webhook page;
    # here it can be replaced, never read or typed in.
    exclude = ["secret"]
    actions = ["rotate_secret"]

    @admin.action(description=_("Rotate the signing secret"))
    def rotate_secret(self, request, queryset):
        for endpoint in queryset.select_related("engagement"):
            webhook_endpoint_rotate_secret(endpoint=endpoint, by=request.user)
        self.message_user(request, _("Secrets rotated."), messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        if not change:  # added here: give it a secret as the service would
            obj.secret = webhook_secret_generate()
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event"]
    list_select_related = ["endpoint"]
    raw_id_fields = ["endpoint"]
    readonly_fields = ["event_id", "created_at", "delivered_at"]
