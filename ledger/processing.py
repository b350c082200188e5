"""Turns pending requests into outcomes, posted transactions or coded failures, in one
transaction and four statements: lock the requests, lock the balances, write the journal
(balances, transactions, entries, outcomes); the caller commits."""

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.orm import Session

from infra.sealing import PLAIN, Sealer
from ledger.claiming import Claimed, Outcome, RequestId, lock_requests
from ledger.errors import BusinessRejection, PostingAbandoned
from ledger.journal import Journal
from ledger.operations import OperationType, legs_for
from ledger.posting import Transfer, post_transfers


def process_requests(
    session: Session,
    *,
    request_ids: Sequence[RequestId],
    max_attempts: int,
    fill_to: int = 0,
    sealer: Sealer = PLAIN,
) -> list[Outcome]:
    """Post the pending ones among ``request_ids``, and fresh queued requests up to
    ``fill_to`` in all, each at most once; outcomes in arrival order.

    The request rows are locked first, so a second delivery of a request waits here and
    then finds it terminal: one transaction per request, whatever the broker does. A request
    already delivered ``max_attempts`` times is failed as POSTING_ABANDONED. ``sealer``
    opens the payloads and seals the transactions' metadata.
    """
    if not request_ids:
        return []
    claimed = lock_requests(session, request_ids=request_ids, fill_to=fill_to, sealer=sealer)
    live = [c for c in claimed if c.attempts < max_attempts]
    journal = Journal(sealer)
    rejections = post_transfers(session, transfers=[transfer_for(c) for c in live], journal=journal)
    by_id = {c.id: r for c, r in zip(live, rejections, strict=True)}
    outcomes = [
        _outcome(c, by_id[c.id] if c.id in by_id else _abandoned(c.attempts)) for c in claimed
    ]
    journal.write(session, outcomes=outcomes)
    return outcomes


def transfer_for(request: Claimed) -> Transfer:
    payload = request.payload
    operation: OperationType = request.type  # type: ignore[assignment]
    legs = legs_for(operation, payload["accountNumber"])
    return Transfer(
        request_id=request.id,
        type=request.type,
        user_account=payload["accountNumber"],
        debit_account=legs.debit_account,
        credit_account=legs.credit_account,
        asset_code=payload["assetCode"],
        amount=Decimal(payload["amount"]),
        description=payload.get("description"),
        metadata=payload.get("metadata") or {},
    )


def _abandoned(deliveries: int) -> BusinessRejection:
    return PostingAbandoned(f"gave up after {deliveries} deliveries")


def _outcome(request: Claimed, rejection: BusinessRejection | None) -> Outcome:
    attempts = request.attempts + 1
    if rejection is None:
        return Outcome(request.id, "completed", attempts=attempts)
    return Outcome(request.id, "failed", rejection.code, rejection.message, attempts)
