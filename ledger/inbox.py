"""The request inbox: records each request once under its (client, idempotency key)."""

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ledger.errors import (
    AccountNotFound,
    AmountPrecision,
    AssetNotFound,
    IdempotencyKeyReused,
    InvalidAccount,
)
from ledger.models import Account, AssetType, Request
from ledger.money import decimal_places, quantize
from ledger.operations import OperationType


@dataclass(frozen=True)
class Submission:
    """A validated request to move money, as the API (or the seeder) hands it over."""

    client_id: str
    idempotency_key: str
    type: OperationType
    account_number: str
    asset_code: str
    amount: Decimal
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "accountNumber": self.account_number,
            "assetCode": self.asset_code,
            "amount": str(self.amount),
            "description": self.description,
            "metadata": self.metadata,
        }


@dataclass(frozen=True)
class InboxRow:
    """What a request resource needs of an inbox row: a plain row, never an ORM entity."""

    id: uuid.UUID
    client_id: str
    idempotency_key: str
    type: str
    payload: dict[str, Any]
    payload_hash: str
    status: str
    submitted_at: datetime
    completed_at: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None


@dataclass(frozen=True)
class Recorded:
    request: InboxRow
    created: bool


_REQUESTS = cast(Table, Request.__table__)
_ROW_COLUMNS = [_REQUESTS.c[f.name] for f in fields(InboxRow)]
# Built once: SQLAlchemy caches the compiled form; a batch is sent as multi-row INSERTs
# (insertmanyvalues), one statement per 1,000 rows.
_INSERT = (
    insert(_REQUESTS)
    .on_conflict_do_nothing(constraint="uq_request_client_key")
    .returning(_REQUESTS.c.id, _REQUESTS.c.submitted_at)
)


def payload_hash(operation: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps([operation, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_request(session: Session, *, submission: Submission) -> Recorded:
    return record_requests(session, submissions=[submission])[0]


def record_requests(session: Session, *, submissions: list[Submission]) -> list[Recorded]:
    """Insert each request unless its key is known; a known key with another payload is refused.

    One statement for new requests; a replay reads its row once. All or nothing: one bad
    submission refuses the lot (the caller rolls back).
    """
    if not submissions:
        return []
    rows = [_row(s) for s in check_submissions(session, submissions=submissions)]
    params = rows[0] if len(rows) == 1 else rows  # one row: a plain execute, no executemany
    inserted = {r.id: r.submitted_at for r in session.execute(_INSERT, params)}
    existing = {} if len(inserted) == len(rows) else _existing(session, rows, inserted)
    return [_recorded(row, inserted, existing) for row in rows]


def _recorded(
    row: dict[str, Any],
    inserted: dict[uuid.UUID, datetime],
    existing: dict[tuple[str, str], InboxRow],
) -> Recorded:
    if row["id"] in inserted:
        fresh = {f.name: row[f.name] for f in fields(InboxRow) if f.name in row}
        return Recorded(InboxRow(**fresh, submitted_at=inserted[row["id"]]), created=True)
    found = existing[row["client_id"], row["idempotency_key"]]
    if found.payload_hash != row["payload_hash"]:
        raise IdempotencyKeyReused(
            f"idempotency key {row['idempotency_key']!r} was used with a different request"
        )
    return Recorded(found, created=False)


def check_submissions(session: Session, *, submissions: list[Submission]) -> list[Submission]:
    """Refuse unknown assets and accounts and over-precise amounts; quantize to the asset scale."""
    scales = _known_scales.fetch(
        {s.asset_code for s in submissions},
        lambda codes: session.execute(
            select(AssetType.code, AssetType.scale).where(AssetType.code.in_(codes))
        ),
    )
    kinds = _known_kinds.fetch(
        {s.account_number for s in submissions},
        lambda numbers: session.execute(
            select(Account.account_number, Account.kind).where(Account.account_number.in_(numbers))
        ),
    )
    return [_checked(s, scales, kinds) for s in submissions]


class _KnownFacts:
    """Per-process memory of facts that never change once true (an account's kind, an
    asset's scale): a submit for a known account and asset needs no lookup query. Misses
    are not remembered, so an account created later is found on its first use."""

    def __init__(self) -> None:
        self._facts: dict[str, Any] = {}
        self._lock = threading.Lock()

    def fetch(self, keys: set[str], load: Callable[[set[str]], Iterable[Any]]) -> dict[str, Any]:
        with self._lock:
            found = {k: self._facts[k] for k in keys if k in self._facts}
        missing = keys - found.keys()
        if missing:
            loaded = {key: value for key, value in load(missing)}
            with self._lock:
                self._facts.update(loaded)
            found.update(loaded)
        return found


_known_scales = _KnownFacts()
_known_kinds = _KnownFacts()


def _existing(
    session: Session, rows: list[dict[str, Any]], inserted: dict[uuid.UUID, datetime]
) -> dict[tuple[str, str], InboxRow]:
    missing = [r for r in rows if r["id"] not in inserted]
    query = select(*_ROW_COLUMNS).where(
        _REQUESTS.c.client_id.in_({r["client_id"] for r in missing}),
        _REQUESTS.c.idempotency_key.in_({r["idempotency_key"] for r in missing}),
    )
    found = (InboxRow(**r._mapping) for r in session.execute(query))
    return {(r.client_id, r.idempotency_key): r for r in found}


def find_requests_by_id(
    session: Session, *, request_ids: list[uuid.UUID]
) -> dict[uuid.UUID, InboxRow]:
    query = select(*_ROW_COLUMNS).where(_REQUESTS.c.id.in_(request_ids))
    return {r.id: InboxRow(**r._mapping) for r in session.execute(query)}


def find_request(session: Session, *, client_id: str, idempotency_key: str) -> InboxRow | None:
    row = session.execute(
        select(*_ROW_COLUMNS).where(
            _REQUESTS.c.client_id == client_id, _REQUESTS.c.idempotency_key == idempotency_key
        )
    ).first()
    return None if row is None else InboxRow(**row._mapping)


def _checked(submission: Submission, scales: dict[str, int], kinds: dict[str, str]) -> Submission:
    scale = scales.get(submission.asset_code)
    if scale is None:
        raise AssetNotFound(f"asset {submission.asset_code!r} does not exist")
    if decimal_places(submission.amount) > scale:
        raise AmountPrecision(
            f"{submission.asset_code} amounts have at most {scale} decimal places"
        )
    kind = kinds.get(submission.account_number)
    if kind is None:
        raise AccountNotFound(f"account {submission.account_number!r} does not exist")
    if kind != "user":
        raise InvalidAccount(f"{submission.account_number} is not a user account")
    return replace(submission, amount=quantize(submission.amount, scale))


def _row(submission: Submission) -> dict[str, Any]:
    payload = submission.payload()
    return {
        "id": uuid.uuid4(),
        "client_id": submission.client_id,
        "idempotency_key": submission.idempotency_key,
        "type": submission.type,
        "payload": payload,
        "payload_hash": payload_hash(submission.type, payload),
        "status": "queued",
        "attempts": 0,
    }
