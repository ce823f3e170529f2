from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from maestro.system.selectors import system_status


@login_required
@require_safe
def status_page(request):
    status = system_status()
    healthy = bool(status["workers"]) and all(w["alive"] for w in status["workers"])
    return render(request, "system/status.html", {"status": status, "healthy": healthy})
