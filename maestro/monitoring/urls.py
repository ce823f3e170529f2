from django.urls import path  # noqa: F401 - each section below adds its pages

app_name = "monitoring"

urlpatterns: list = [
    # --- Monitoring page, weekly summary preview ---
    # --- Alerts: list, acknowledge, rules, silences ---
]
