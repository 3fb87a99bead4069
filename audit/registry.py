"""Which models django-auditlog keeps field-by-field histories of, and which fields.

Only fields staff change: the sync times a worker writes every minute, and the tokens, stay out.
"""


def register_models() -> None:
    from auditlog.registry import auditlog
    from django.apps import apps
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    auditlog.register(
        apps.get_model("accounts", "Shop"),  # by name: accounts stands above audit
        include_fields=[
            "shop_id",
            "account",
            "name",
            "region",
            "customer",
            "salesperson",
            "state",
            "send_rate_per_second",
            "auto_notice_enabled",
            "auto_notice_template",
        ],
    )
    auditlog.register(apps.get_model("chat", "Tag"))
    auditlog.register(apps.get_model("chat", "ChatShopSettings"), include_fields=["shop", "auto_assign"])
    # Beat writes last_run_at / total_run_count on every run: not a change anyone made.
    auditlog.register(
        PeriodicTask,
        include_fields=[
            "name",
            "task",
            "interval",
            "crontab",
            "enabled",
            "args",
            "kwargs",
            "queue",
            "one_off",
            "start_time",
            "expires",
        ],
    )
    auditlog.register(IntervalSchedule)
    auditlog.register(CrontabSchedule)
