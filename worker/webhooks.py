"""Webhook tasks: ``wallet.deliver_webhook`` (one attempt of one delivery) and, on beat,
``wallet.sweep_webhook_deliveries`` (due deliveries whose message was lost or never sent).
The delivery's state lives in Postgres (ledger.webhooks.deliveries); a message only says "try now",
so a duplicate one is harmless and a lost one costs a sweep interval."""

from typing import Any

import structlog

from infra.settings import Settings
from ledger.webhooks.deliveries import (
    Backoff,
    claim_delivery,
    event_body,
    finish_attempt,
    sweep_due,
)
from worker.celery_app import app
from worker.metrics import record_delivery
from worker.outbox import DELIVER_TASK, announce
from worker.runtime import runtime
from worker.sender import send
from worker.tasks import RETRY_POLICY

log = structlog.get_logger(__name__)
LEASE_MARGIN_SECONDS = 30.0


@app.task(name=DELIVER_TASK, **RETRY_POLICY)  # type: ignore[untyped-decorator]
def deliver_webhook(delivery_id: int) -> dict[str, Any]:
    rt = runtime()
    settings = rt.settings
    with rt.sessions.begin() as session:
        lease = settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS
        claim = claim_delivery(session, delivery_id=delivery_id, lease_seconds=lease)
        if claim is None:
            return {"status": "not due"}
        body = event_body(session, claim=claim, sealer=rt.sealer)
    answer = send(claim.url, body, secret=rt.sealer.unseal(claim.secret), settings=settings)
    with rt.sessions.begin() as session:
        status, retry_in = finish_attempt(
            session, claim=claim, answer=answer, backoff=backoff(settings)
        )
    record_delivery(status, refused=(answer.error or "").startswith("refused"))
    if retry_in is not None and retry_in < settings.broker_visibility_timeout_seconds / 2:
        deliver_webhook.apply_async((delivery_id,), countdown=retry_in)
    log.info("webhook attempt", delivery=delivery_id, attempt=claim.attempt, status=status)
    return {"status": status, "statusCode": answer.status_code}


@app.task(name="wallet.sweep_webhook_deliveries", **RETRY_POLICY)  # type: ignore[untyped-decorator]
def sweep_webhook_deliveries() -> dict[str, int]:
    rt = runtime()
    with rt.sessions.begin() as session:
        due = sweep_due(session, grace_seconds=rt.settings.webhook_sweep_interval_seconds)
    announce(due)
    if due:
        log.info("sweep re-sent webhook deliveries", count=len(due))
    return {"resent": len(due)}


def backoff(settings: Settings) -> Backoff:
    return Backoff(
        base=settings.webhook_backoff_base_seconds,
        max=settings.webhook_backoff_max_seconds,
        give_up_after=settings.webhook_give_up_after_seconds,
    )
