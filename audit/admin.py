"""稽核紀錄 in the admin: staff actions filterable by person, shop and time; and the beat
schedule's admin, which records who changed a schedule."""

from django.contrib import admin
from django.db.models import Q
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

    @admin.action(description=PeriodicTaskAdmin.enable_tasks.short_description)
    def enable_tasks(self, request, queryset):
        self._audited(request, queryset, super().enable_tasks)

    @admin.action(description=PeriodicTaskAdmin.disable_tasks.short_description)
    def disable_tasks(self, request, queryset):
        self._audited(request, queryset, super().disable_tasks)

    @admin.action(description=PeriodicTaskAdmin.toggle_tasks.short_description)
    def toggle_tasks(self, request, queryset):
        self._audited(request, queryset, super().toggle_tasks)
