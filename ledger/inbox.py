"""The request inbox: records each request once under its (client, idempotency key)."""

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select
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
class Recorded:
    request: Request
    created: bool


def payload_hash(operation: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps([operation, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_request(session: Session, *, submission: Submission) -> Recorded:
    return record_requests(session, submissions=[submission])[0]


def record_requests(session: Session, *, submissions: list[Submission]) -> list[Recorded]:
    """Insert each request unless its key is known; a known key with another payload is refused.

    All or nothing: one bad submission refuses the lot (the caller rolls back).
    """
    if not submissions:
        return []
    checked = check_submissions(session, submissions=submissions)
    rows = [_row(s) for s in checked]
    # executemany form: compiled once and cached, sent as multi-row INSERTs by SQLAlchemy
    inserted = session.scalars(
        insert(Request)
        .on_conflict_do_nothing(constraint="uq_request_client_key")
        .returning(Request),
        rows,
    ).all()
    found = {(r.client_id, r.idempotency_key): r for r in inserted}
    if len(found) < len({(r["client_id"], r["idempotency_key"]) for r in rows}):
        found.update(_existing(session, checked))
    created = {r.id for r in inserted}
    recorded = []
    for row in rows:
        request = found[row["client_id"], row["idempotency_key"]]
        if request.payload_hash != row["payload_hash"]:
            raise IdempotencyKeyReused(
                f"idempotency key {row['idempotency_key']!r} was used with a different request"
            )
        recorded.append(Recorded(request=request, created=request.id in created))
    return recorded


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


def _existing(session: Session, submissions: list[Submission]) -> dict[tuple[str, str], Request]:
    query = select(Request).where(
        Request.client_id.in_({s.client_id for s in submissions}),
        Request.idempotency_key.in_({s.idempotency_key for s in submissions}),
    )
    return {(r.client_id, r.idempotency_key): r for r in session.scalars(query)}


def find_request(session: Session, *, client_id: str, idempotency_key: str) -> Request | None:
    return session.scalar(
        select(Request).where(
            Request.client_id == client_id, Request.idempotency_key == idempotency_key
        )
    )


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
