from django.urls import path  # noqa: F401 - each section below adds its endpoints

app_name = "handoff-api"

urlpatterns: list = [
    # --- Plans, competencies, readiness, stance ---
    # --- Check-ins ---
    # --- Shadow answers, agreement, evidence ---
]
