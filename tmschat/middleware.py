from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied


class StaffRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in, active staff user unless the view opts out
    (sign-in, Shopee's push endpoint, health check) with @login_not_required."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        redirect = super().process_view(request, view_func, view_args, view_kwargs)
        if redirect is not None or not getattr(view_func, "login_required", True):
            return redirect
        if not request.user.is_staff:
            raise PermissionDenied
        return None
