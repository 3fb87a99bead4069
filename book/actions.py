"""Order-book actions on a selection, recorded as BookAction rows with per-order results.

`book_action_start(kind=…, user=…, order_pks=…, options=…)` records the action. Imports and
退貨入庫 run at once in the request (bulk: constant queries, ~1 s for 2,000 orders); conversion, supplementary
import and shipping documents call Shopee per order, so they run in a Celery task
(`book.tasks.book_action_run`) that reports progress on the row; the results page polls it.
`book_action_run(action_pk=…)` runs an action once (a second run of a finished one does nothing).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from book.documents import book_documents
from book.imports import book_import
from book.models import BookAction
from book.outcomes import Outcome
from book.returns import book_restock
from book.shipment import book_convert
from book.supplement import book_supplement

Kind = BookAction.Kind
IN_REQUEST = frozenset({Kind.IMPORT, Kind.FORCE_IMPORT, Kind.RESTOCK})


def book_action_start(
    *, kind: str, user, order_pks: Iterable[int], options: dict | None = None
) -> BookAction:
    pks = list(dict.fromkeys(int(pk) for pk in order_pks))
    action = BookAction.objects.create(
        kind=kind, user=user, order_pks=pks, options=options or {}, total=len(pks)
    )
    if kind in IN_REQUEST:
        return book_action_run(action_pk=action.pk) or action
    from book.tasks import book_action_run as task

    transaction.on_commit(lambda: task.delay(action.pk))
    return action


def book_action_run(*, action_pk: int) -> BookAction | None:
    # A task redelivered after its worker died runs again: every action is idempotent.
    action = BookAction.objects.filter(pk=action_pk, finished_at__isnull=True).select_related("user").first()
    if action is None:
        return None

    def progress(done: int) -> None:
        BookAction.objects.filter(pk=action.pk).update(done=done)

    options = action.options or {}
    document = None
    if action.kind == Kind.IMPORT:
        outcomes = book_import(order_pks=action.order_pks, user=action.user)
    elif action.kind == Kind.FORCE_IMPORT:
        outcomes = book_import(order_pks=action.order_pks, user=action.user, force=True)
    elif action.kind == Kind.RESTOCK:
        outcomes = book_restock(order_pks=action.order_pks, user=action.user)
    elif action.kind == Kind.SUPPLEMENT:
        outcomes = book_supplement(order_pks=action.order_pks)
    elif action.kind == Kind.CONVERT:
        outcomes = book_convert(
            order_pks=action.order_pks,
            user=action.user,
            sender=str(options.get("sender") or ""),
            allow_blank_tracking=bool(options.get("allow_blank_tracking")),
            tracking_numbers=dict(options.get("tracking_numbers") or {}),
            progress=progress,
        )
    elif action.kind == Kind.DOCUMENTS:
        outcomes, document = book_documents(order_pks=action.order_pks, progress=progress)
    else:
        raise ValueError(f"unknown order book action {action.kind!r}")
    action.results = [outcome.as_json() for outcome in outcomes]
    action.done = action.total
    action.finished_at = timezone.now()
    fields = ["results", "done", "finished_at"]
    if document is not None:
        action.document, action.document_type = document.content, document.content_type
        action.options = options | {"filename": document.filename}
        fields += ["document", "document_type", "options"]
    action.save(update_fields=fields)
    return action


def book_action_outcomes(action: BookAction) -> list[Outcome]:
    return [Outcome.from_json(data) for data in action.results or []]
