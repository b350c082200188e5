"""The request resource: a request's status and, once posted, its transaction and entries."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.sealing import Sealer
from ledger.inbox.requests import InboxRow, find_request, find_requests_by_id
from ledger.models import (
    Account,
    AssetType,
    LedgerEntry,
    Request,
    Transaction,
)
from ledger.money import quantize
from ledger.operations import Names, OperationType, named_hold, named_user
from ledger.reads.holds import get_holds, holds_by_request
from ledger.reads.views import EntryView, ErrorView, HoldView, RequestView, TransactionView
from ledger.rows import select_as, selected
from ledger.statuses import PENDING, Status


@dataclass(frozen=True)
class _EntryRow:
    """One entry of a completed request's transaction, with what its view shows of it."""

    transaction: Transaction = select_as(Transaction)
    entry: LedgerEntry = select_as(LedgerEntry)
    account_number: str = select_as(Account.account_number)
    asset: AssetType = select_as(AssetType)
    account_kind: str = select_as(Account.kind)


_ENTRY_ROWS = (
    select(*selected(_EntryRow))
    .join(LedgerEntry, LedgerEntry.transaction_id == Transaction.id)
    .join(Account, Account.id == LedgerEntry.account_id)
    .join(AssetType, AssetType.id == LedgerEntry.asset_id)
    .order_by(LedgerEntry.id)
)


def get_request(
    session: Session, *, client_id: str, idempotency_key: str, sealer: Sealer
) -> RequestView | None:
    request = find_request(session, client_id=client_id, idempotency_key=idempotency_key)
    return None if request is None else request_views(session, [request], sealer=sealer)[0]


def find_status(session: Session, *, client_id: str, idempotency_key: str) -> Status | None:
    """The request's status alone (one index probe), None if the client has no such key."""
    status = session.scalar(
        select(Request.status).where(
            Request.client_id == client_id, Request.idempotency_key == idempotency_key
        )
    )
    return None if status is None else Status(status)


def get_requests_by_id(
    session: Session, *, request_ids: list[uuid.UUID], sealer: Sealer
) -> list[RequestView]:
    found = find_requests_by_id(session, request_ids=request_ids)
    return request_views(session, [found[i] for i in request_ids], sealer=sealer)


def finished_among(session: Session, *, request_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these requests are finished (the long-polls' re-check: one query for all)."""
    query = select(Request.id).where(Request.id.in_(request_ids), Request.status.not_in(PENDING))
    return set(session.scalars(query))


def request_views(
    session: Session, requests: Sequence[InboxRow | Request], *, sealer: Sealer
) -> list[RequestView]:
    """Views of many requests, with the transactions of the completed ones in one query;
    ``sealer`` opens payloads and metadata."""
    completed = [r.id for r in requests if r.status == Status.COMPLETED]
    rows_by_request: dict[uuid.UUID, list[_EntryRow]] = defaultdict(list)
    if completed:
        query = _ENTRY_ROWS.where(Transaction.request_id.in_(completed))
        for found in session.execute(query):
            row = _EntryRow(*found)
            rows_by_request[row.transaction.request_id].append(row)
    holds = _holds(session, requests, sealer)
    return [_view(r, rows_by_request.get(r.id, []), holds.get(r.id), sealer) for r in requests]


def queued_view(request: InboxRow, *, sealer: Sealer) -> RequestView:
    """The view of a request just recorded (queued: no transaction, no hold yet)."""
    return _view(request, [], None, sealer)


def _holds(
    session: Session, requests: Sequence[InboxRow | Request], sealer: Sealer
) -> dict[uuid.UUID, HoldView]:
    """The hold of each completed hold request, and of each capture or void (as it is now);
    no query when there is none."""
    placed = [
        r.id for r in requests if r.type == OperationType.HOLD and r.status == Status.COMPLETED
    ]
    named = {r.id: named_hold(sealer.unseal(r.payload)) for r in requests if _settles(r.type)}
    found = holds_by_request(session, request_ids=placed) if placed else {}
    wanted = {hold_id for hold_id in named.values() if hold_id is not None}
    if wanted:
        settled = get_holds(session, hold_ids=wanted)
        found |= {r: settled[h] for r, h in named.items() if h in settled}
    return found


def _settles(type_: str) -> bool:
    """Whether requests of this type (one the schema knows) settle a hold: a capture, a void."""
    return OperationType(type_).spec.names is Names.HOLD


def _view(
    request: InboxRow | Request, rows: list[_EntryRow], hold: HoldView | None, sealer: Sealer
) -> RequestView:
    error = (
        ErrorView(code=request.error_code, message=request.error_message or "")
        if request.error_code
        else None
    )
    return RequestView(
        idempotency_key=request.idempotency_key,
        request_id=request.id,
        type=request.type,
        status=request.status,
        submitted_at=request.submitted_at,
        completed_at=request.completed_at,
        transaction=_transaction_view(request, rows, sealer) if rows else None,
        error=error,
        hold=hold,
    )


def _transaction_view(
    request: InboxRow | Request, rows: list[_EntryRow], sealer: Sealer
) -> TransactionView:
    tx, asset = rows[0].transaction, rows[0].asset
    # The account the transaction is shown for: the seed operations' and a hold's user, a
    # transfer's sender, else the first user among the entries (DEBIT first): a capture's
    # payer, the user a reversal debits (or credits, reversing a spend or capture).
    user_number = named_user(sealer.unseal(request.payload))
    if user_number is None:
        users = (row.account_number for row in rows if row.account_kind == "user")
        user_number = next(users, rows[0].account_number)
    user_entry = next(row.entry for row in rows if row.account_number == user_number)
    return TransactionView(
        transaction_id=tx.id,
        type=tx.type,
        account_number=user_number,
        asset_code=asset.code,
        amount=quantize(user_entry.amount, asset.scale),
        balance_after=quantize(user_entry.balance_after, asset.scale),
        entries=[
            EntryView(
                account_number=row.account_number,
                direction=row.entry.direction,
                amount=quantize(row.entry.amount, asset.scale),
            )
            for row in rows
        ],
        description=tx.description,
        metadata=sealer.unseal(tx.metadata_),
        created_at=tx.created_at,
        reversal_of=tx.reversal_of,
        hold_id=tx.hold_id,
    )
