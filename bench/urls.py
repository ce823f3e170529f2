"""The product's URLs plus bare baseline endpoints that exist only for benchmarks."""

from django.urls import include, path

from bench.baselines import BareEngagementListApi

urlpatterns = [
    path("bench/bare-engagements/", BareEngagementListApi.as_view()),
    path("", include("maestro.urls")),
]
