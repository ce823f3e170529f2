from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from maestro.system.selectors import system_status


@login_required
def status_page(request):
    return render(request, "system/status.html", {"status": system_status()})
