from django.urls import path  # noqa: F401 - each section below adds its endpoints

app_name = "monitoring-api"

urlpatterns: list = [
    # --- Daily scores and their CSV export ---
    # --- Weekly trend ---
    # --- Alert rules, alerts (acknowledge), silences ---
]
