from django.urls import path  # noqa: F401 - each section below adds its pages

app_name = "handoff"

urlpatterns: list = [
    # --- Plans, competencies, stance ---
    # --- Check-ins, calendar feed ---
    # --- Shadow reviews, agreement, evidence ---
]
