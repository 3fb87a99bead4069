from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from telemetry import health


def home(request):
    return redirect("inbox:inbox")


@require_GET
def status(request):
    return render(request, "status.html", {"checks": health.checks(), "sections": health.sections(request)})


@login_not_required
@require_GET
def favicon(request):
    """Pages without our icon link (the admin's) make the browser ask for /favicon.ico: our icon,
    not a 404 in every admin page's console."""
    return redirect(static("favicon.svg"), permanent=True)


@login_not_required
@require_GET
def healthz(request):
    checks = health.checks()
    ok = all(check.ok for check in checks if check.critical)
    return JsonResponse({c.name: c.ok for c in checks}, status=200 if ok else 503)


def signin_locked(request, original_response=None, credentials=None):
    """django-axes calls this instead of signing in once a user and address are locked out."""
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")})
    minutes = round(settings.AXES_COOLOFF_TIME * 60) if settings.AXES_COOLOFF_TIME else None
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": True, "lockout_minutes": minutes, "next": request.POST.get("next", "")},
        status=429,
    )
