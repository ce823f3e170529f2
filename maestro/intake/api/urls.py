from django.urls import path

from maestro.intake.api import views

app_name = "intake-api"

urlpatterns = [
    path("decisions/", views.DecisionIntakeApi.as_view(), name="decision-intake"),
]
