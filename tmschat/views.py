from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tmschat import health


def home(request):
    return redirect("chat:inbox")


@require_GET
def status(request):
    return render(request, "status.html", {"checks": health.checks(), "sections": health.sections(request)})


@login_not_required
@require_GET
def healthz(request):
    checks = health.checks()
    ok = all(check.ok for check in checks if check.critical)
    return JsonResponse({c.name: c.ok for c in checks}, status=200 if ok else 503)
