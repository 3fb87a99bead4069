"""The admin site's registrations beyond the apps' own: the audit list (稽核紀錄), the audited beat schedule, and
the installed packages' admins (django-auditlog's histories, django-axes' sign-in records) scoped
the way every admin of ours is: each staff member sees the rows of the shops they may see.

It lives at the top of the layers because scoping needs them all: an auditlog entry is shown to
whoever may open the row it is about in that row's own admin (any registered model, ours or a
package's, whatever app it moves to), and the audit list knows shops."""

from auditlog.admin import LogEntryAdmin
from auditlog.filters import CIDFilter, ResourceTypeFilter
from auditlog.models import LogEntry
from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

from accounts.selectors import sees_all_shops
from audit.models import AuditEvent
from audit.services import audit_schedule_changed


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "shop", "target"]
    list_filter = [
        "action",
        "at",
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("shop", admin.RelatedOnlyFieldListFilter),
    ]
    date_hierarchy = "at"
    search_fields = ["target", "actor__username", "shop__name", "shop__shop_id"]
    list_select_related = ["actor", "shop"]
    readonly_fields = ["at", "actor", "action", "shop", "target", "detail"]

    def get_queryset(self, request):
        events = super().get_queryset(request)
        if sees_all_shops(request.user):
            return events
        # A salesperson sees what was done to their own shops and what they did themselves.
        return events.filter(Q(shop__salesperson=request.user) | Q(actor=request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class AuditedPeriodicTaskAdmin(PeriodicTaskAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_schedule_changed(actor=request.user, task=obj, fields=form.changed_data, created=not change)

    def delete_model(self, request, obj):
        audit_schedule_changed(actor=request.user, task=obj, fields=["deleted"])
        super().delete_model(request, obj)

    def _audited(self, request, queryset, action):
        tasks = list(queryset)
        action(request, queryset)
        for task in tasks:
            audit_schedule_changed(actor=request.user, task=task, fields=["enabled"])

    @admin.display(description=_("Scheduler"))
    def scheduler(self, task: PeriodicTask):
        return task.scheduler

    @admin.action(description=PeriodicTaskAdmin.enable_tasks.short_description)
    def enable_tasks(self, request, queryset):
        self._audited(request, queryset, super().enable_tasks)

    @admin.action(description=PeriodicTaskAdmin.disable_tasks.short_description)
    def disable_tasks(self, request, queryset):
        self._audited(request, queryset, super().disable_tasks)

    @admin.action(description=PeriodicTaskAdmin.toggle_tasks.short_description)
    def toggle_tasks(self, request, queryset):
        self._audited(request, queryset, super().toggle_tasks)


admin.site.unregister(LogEntry)


class ResourceTypeOfIdFilter(ResourceTypeFilter):
    """auditlog's filter by the kind of row, ignoring a value that is no content type id."""

    def queryset(self, request, queryset):
        value = self.value()
        if value is not None and not (value.isascii() and value.isdigit() and len(value) <= 18):
            return queryset.none()
        return super().queryset(request, queryset)


@admin.register(LogEntry)
class ScopedLogEntryAdmin(LogEntryAdmin):
    """A field history is shown to whoever may see its row in the row's own admin: another
    salesperson's shop's history stays out, a beat schedule's (no shop) is shown."""

    list_filter = ["action", ResourceTypeOfIdFilter, CIDFilter]

    @admin.display(description=_("Correlation ID"))
    def cid_url(self, obj):
        return super().cid_url(obj)

    def get_queryset(self, request):
        entries = super().get_queryset(request)
        if sees_all_shops(request.user):
            return entries
        visible = Q(pk__in=[])
        for content_type_id in entries.order_by().values_list("content_type", flat=True).distinct():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            model_admin = self.admin_site._registry.get(model)
            if model_admin is None or model_admin is self:
                continue  # a row no admin shows: its history is for those who see every shop
            rows = model_admin.get_queryset(request).order_by()
            visible |= Q(content_type_id=content_type_id, object_id__in=rows.values("pk"))
        return entries.filter(visible)


class OwnSignInsOnly:
    """Sign-in records (addresses, browsers, failures) of staff members: each sees their own;
    those who see every shop see everyone's, and unlock sign-ins by deleting attempts."""

    def get_queryset(self, request):
        records = super().get_queryset(request)
        if sees_all_shops(request.user):
            return records
        return records.filter(username=request.user.get_username())


class ScopedAccessAttemptAdmin(OwnSignInsOnly, AccessAttemptAdmin):
    @admin.display(description=_("Status"))
    def status(self, obj: AccessAttempt):
        return super().status(obj)


class ScopedAccessLogAdmin(OwnSignInsOnly, AccessLogAdmin):
    pass


class ScopedAccessFailureLogAdmin(OwnSignInsOnly, AccessFailureLogAdmin):
    pass


for model, model_admin in (
    (AccessAttempt, ScopedAccessAttemptAdmin),
    (AccessLog, ScopedAccessLogAdmin),
    (AccessFailureLog, ScopedAccessFailureLogAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
