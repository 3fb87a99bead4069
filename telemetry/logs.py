"""Logging: one JSON line per event in production, readable lines in development.

Every line, ours (structlog) or a library's (stdlib logging), goes through the same renderer and
carries what is bound to the current request or task: `request_id` (django-structlog's
middleware), `task_id` in a Celery worker, and `shop_id` / `message_id` where our code binds
them (`bind`). Buyers' message texts are never logged: pass ids, not texts.
"""

from __future__ import annotations

import structlog
from structlog.tracebacks import ExceptionDictTransformer


def _without_query(logger, method_name, event_dict):
    """Log a request's path, not its query: search words and Shopee's one-time codes stay out."""
    request = event_dict.get("request")
    if request is not None:
        text = str(request)
        if "?" in text:
            path, _, rest = text.partition("?")
            event_dict["request"] = path + ("'>" if rest.endswith("'>") else "")
    return event_dict


# Run on stdlib records too, so `log.info("…%s", x)` lines get the request id and a timestamp.
_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
_LAST = [_without_query]


# A failure's frames, never their local variables: those hold the password being typed in, the
# Seller Centre session and the Shopee tokens (structlog's dict_tracebacks would print them).
_TRACEBACK_WITHOUT_LOCALS = structlog.processors.ExceptionRenderer(
    ExceptionDictTransformer(show_locals=False)
)


def logging_config(*, fmt: str, level: str) -> dict:
    """The LOGGING setting: `json` (production) or `console` (development)."""
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        # Plain tracebacks: the rich ones print local variables, secrets among them.
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    exc = [_TRACEBACK_WITHOUT_LOCALS] if fmt == "json" else []
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *exc,
                    renderer,
                ],
                "foreign_pre_chain": [*_SHARED, structlog.stdlib.ExtraAdder(), *_LAST],
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"urllib3": {"level": "WARNING"}},
    }


def structlog_configure() -> None:
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            *_LAST,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str):
    return structlog.get_logger(name)


def bind(**values) -> None:
    """Attach ids (shop_id, message_id, …) to every later line of this request or task."""
    structlog.contextvars.bind_contextvars(**{k: v for k, v in values.items() if v is not None})
