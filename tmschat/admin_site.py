"""The site every admin registers on (INSTALLED_APPS: `tmschat.admin_site.AdminConfig`, Django's
admin app on this site): titled TMS Chat 管理,
and refusing with a 400 the date navigation values Django's admin lists cannot read (a year of 30
digits, the year 9999 whose next year does not exist), which would otherwise end in a 500."""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext, gettext_lazy

# What a list's date navigation (date_hierarchy: <field>__year/__month/__day) may ask for.
DATE_PARTS = {"year": range(1000, 9999), "month": range(1, 13), "day": range(1, 32)}


def date_navigation_readable(params) -> bool:
    for name, value in params.items():
        part = name.rpartition("__")[2]
        if part in DATE_PARTS and "__" in name:
            if not (
                value.isascii() and value.isdigit() and len(value) <= 4 and int(value) in DATE_PARTS[part]
            ):
                return False
    return True


class AdminSite(admin.AdminSite):
    site_header = site_title = index_title = gettext_lazy("TMS Chat administration")

    def admin_view(self, view, cacheable=False):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not date_navigation_readable(request.GET):
                return HttpResponseBadRequest(
                    gettext("This date cannot be shown: choose one from the list's date navigation."),
                    content_type="text/plain; charset=utf-8",
                )
            return view(request, *args, **kwargs)

        return super().admin_view(checked, cacheable)


class AdminConfig(DjangoAdminConfig):
    default_site = "tmschat.admin_site.AdminSite"
